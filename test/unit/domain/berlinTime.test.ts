import {
  toBerlinOffsetDateTime,
  WireTimeError,
  fromBerlinDateTime,
  fromWireDate,
  fromWireTime,
  toBerlinDateTime,
  toWireDate,
  toWireTime,
  widenChangedSince,
} from '../../../src/domain/berlinTime';

const at = (iso: string): Date => new Date(iso);

describe('Berlin wall clock ⇄ instants', () => {
  it('writes an instant as Berlin wall clock without offset, in winter and in summer', () => {
    expect(toBerlinDateTime(at('2026-11-29T17:30:00Z'))).toBe('2026-11-29T18:30:00');
    expect(toBerlinDateTime(at('2026-07-01T10:00:00Z'))).toBe('2026-07-01T12:00:00');
  });

  it('drops milliseconds, because the wire carries whole seconds', () => {
    expect(toBerlinDateTime(at('2026-11-29T17:30:00.999Z'))).toBe('2026-11-29T18:30:00');
  });

  it('reads bare wall-clock text as Berlin time', () => {
    expect(fromBerlinDateTime('2026-11-29T18:30:00').toISOString()).toBe(
      '2026-11-29T17:30:00.000Z',
    );
    expect(fromBerlinDateTime('2026-07-01T12:00:00').toISOString()).toBe(
      '2026-07-01T10:00:00.000Z',
    );
  });

  it('honours an explicit offset or Z when the text carries one', () => {
    expect(fromBerlinDateTime('2026-11-29T18:30:00Z').toISOString()).toBe(
      '2026-11-29T18:30:00.000Z',
    );
    expect(fromBerlinDateTime('2026-11-29T18:30:00+05:00').toISOString()).toBe(
      '2026-11-29T13:30:00.000Z',
    );
    expect(fromBerlinDateTime('2026-11-29T18:30:00.25').toISOString()).toBe(
      '2026-11-29T17:30:00.250Z',
    );
  });

  it('reads autumn’s repeated hour as its earlier (summer time) occurrence', () => {
    expect(fromBerlinDateTime('2026-10-25T02:30:00').toISOString()).toBe(
      '2026-10-25T00:30:00.000Z',
    );
    // both occurrences are written the same way
    expect(toBerlinDateTime(at('2026-10-25T00:30:00Z'))).toBe('2026-10-25T02:30:00');
    expect(toBerlinDateTime(at('2026-10-25T01:30:00Z'))).toBe('2026-10-25T02:30:00');
  });

  it('reads spring’s skipped hour with the offset before the gap (02:30 → 03:30 summer time)', () => {
    expect(fromBerlinDateTime('2026-03-29T02:30:00').toISOString()).toBe(
      '2026-03-29T01:30:00.000Z',
    );
    expect(toBerlinDateTime(at('2026-03-29T01:30:00Z'))).toBe('2026-03-29T03:30:00');
  });

  it('round-trips every hour around both transitions of 2026', () => {
    for (const start of ['2026-03-28T20:00:00Z', '2026-10-24T20:00:00Z']) {
      for (let h = 0; h < 12; h++) {
        const instant = new Date(Date.parse(start) + h * 3_600_000);
        const text = toBerlinDateTime(instant);
        const back = fromBerlinDateTime(text);
        // only the second occurrence of autumn's repeated hour cannot come back
        if (text !== '2026-10-25T02:00:00') expect(back.toISOString()).toBe(instant.toISOString());
      }
    }
  });

  it('keeps .NET DateTime.MinValue and far dates intact', () => {
    expect(toBerlinDateTime(fromBerlinDateTime('0001-01-01T00:00:00'))).toBe('0001-01-01T00:00:00');
    expect(toBerlinDateTime(fromBerlinDateTime('1950-06-15T12:00:00'))).toBe('1950-06-15T12:00:00');
  });

  it('refuses text that is not an xs:dateTime, and an Invalid Date', () => {
    expect(() => fromBerlinDateTime('29.11.2026 18:30')).toThrow(WireTimeError);
    expect(() => fromBerlinDateTime('2026-02-30T00:00:00')).toThrow(WireTimeError);
    expect(() => toBerlinDateTime(new Date(NaN))).toThrow(WireTimeError);
  });
});

describe('Berlin wall clock with its offset (instants from JSON mode)', () => {
  it('writes the offset in force, telling autumn’s two 02:30 apart, and keeps milliseconds', () => {
    expect(toBerlinOffsetDateTime(new Date('2026-10-25T00:30:00Z'))).toBe(
      '2026-10-25T02:30:00+02:00',
    );
    expect(toBerlinOffsetDateTime(new Date('2026-10-25T01:30:00.250Z'))).toBe(
      '2026-10-25T02:30:00.250+01:00',
    );
    expect(fromBerlinDateTime('2026-10-25T02:30:00+01:00').toISOString()).toBe(
      '2026-10-25T01:30:00.000Z',
    );
  });

  it('agrees with the time-zone database from 1900 on, 1945’s four changes included', () => {
    const zone = new Intl.DateTimeFormat('en-US', {
      timeZone: 'Europe/Berlin',
      timeZoneName: 'longOffset',
    });
    const offsetOf = (ms: number): string => {
      const name = zone.formatToParts(new Date(ms)).find((p) => p.type === 'timeZoneName')!.value;
      return name === 'GMT' ? '+00:00' : name.slice(3);
    };
    const HOUR = 3_600_000;
    const mismatches: string[] = [];
    // Every 23 hours walks through every hour of the day; each check also tries a second earlier.
    for (let t = Date.UTC(1900, 0, 1); t < Date.UTC(2040, 0, 1); t += 23 * HOUR) {
      for (const ms of [t, t - 1000]) {
        const text = toBerlinOffsetDateTime(new Date(ms));
        if (text.slice(-6) !== offsetOf(ms))
          mismatches.push(`${new Date(ms).toISOString()} ${text}`);
      }
    }
    for (const [utc, offset] of [
      ['1945-05-23T23:59:59Z', '+02:00'],
      ['1945-05-24T00:00:00Z', '+03:00'],
      ['1945-09-23T23:59:59Z', '+03:00'],
      ['1945-09-24T00:00:00Z', '+02:00'],
      ['1945-11-18T00:59:59Z', '+02:00'],
      ['1945-11-18T01:00:00Z', '+01:00'],
    ]) {
      const text = toBerlinOffsetDateTime(new Date(utc));
      if (text.slice(-6) !== offset) mismatches.push(`${utc} ${text}, expected ${offset}`);
    }
    expect(mismatches).toEqual([]);
  });
});

describe('Date fields (Birthday)', () => {
  it('are sent as midnight of that date', () => {
    expect(toWireDate('1980-05-17')).toBe('1980-05-17T00:00:00');
  });

  it('read only the date, whatever time or offset the text has', () => {
    expect(fromWireDate('1980-05-17T00:00:00')).toBe('1980-05-17');
    expect(fromWireDate('1980-05-17T23:59:59+02:00')).toBe('1980-05-17');
  });

  it('refuse impossible dates', () => {
    expect(() => toWireDate('1980-02-30')).toThrow(WireTimeError);
    expect(() => toWireDate('17.05.1980')).toThrow(WireTimeError);
  });
});

describe('Time fields (ReachableFrom/To)', () => {
  it('are sent on 1970-01-01, seconds added when left out', () => {
    expect(toWireTime('09:00:00')).toBe('1970-01-01T09:00:00');
    expect(toWireTime('17:30')).toBe('1970-01-01T17:30:00');
  });

  it('read only the time of day, whatever the date (even a DST transition day)', () => {
    expect(fromWireTime('1970-01-01T09:00:00')).toBe('09:00:00');
    expect(fromWireTime('2026-03-29T02:30:00')).toBe('02:30:00');
  });

  it('refuse impossible times', () => {
    expect(() => toWireTime('24:00:00')).toThrow(WireTimeError);
    expect(() => toWireTime('9 Uhr')).toThrow(WireTimeError);
  });
});

describe('the DST watermark rule for changed-since reads', () => {
  describe('on 2026-10-25, when 02:00–03:00 happens twice', () => {
    const twoOClockSummerTime = '2026-10-25T00:00:00.000Z';

    it('widens a watermark in the first 02:xx to 02:00', () => {
      expect(widenChangedSince(at('2026-10-25T00:45:10Z')).toISOString()).toBe(twoOClockSummerTime);
    });

    it('widens a watermark in the repeated 02:xx to the first 02:00', () => {
      expect(widenChangedSince(at('2026-10-25T01:30:00Z')).toISOString()).toBe(twoOClockSummerTime);
      expect(widenChangedSince(at('2026-10-25T01:59:59Z')).toISOString()).toBe(twoOClockSummerTime);
    });

    it('leaves 01:59:59 summer time and 03:00 winter time alone', () => {
      expect(widenChangedSince(at('2026-10-24T23:59:59Z')).toISOString()).toBe(
        '2026-10-24T23:59:59.000Z',
      );
      expect(widenChangedSince(at('2026-10-25T02:00:00Z')).toISOString()).toBe(
        '2026-10-25T02:00:00.000Z',
      );
    });
  });

  describe('on 2026-03-29, when the clocks jump from 02:00 to 03:00', () => {
    it('leaves the last second before the jump and the first after it alone (no instant reads 02:xx)', () => {
      expect(widenChangedSince(at('2026-03-29T00:59:59Z')).toISOString()).toBe(
        '2026-03-29T00:59:59.000Z',
      );
      expect(widenChangedSince(at('2026-03-29T01:00:00Z')).toISOString()).toBe(
        '2026-03-29T01:00:00.000Z',
      );
      expect(toBerlinDateTime(at('2026-03-29T01:00:00Z'))).toBe('2026-03-29T03:00:00');
    });

    it('maps wall-clock 02:xx text that day to the instant the server widens it to at most', () => {
      // A server reading '02:30' that day uses 02:00, which is the jump itself (01:00Z).
      expect(fromBerlinDateTime('2026-03-29T02:00:00').toISOString()).toBe(
        '2026-03-29T01:00:00.000Z',
      );
      expect(fromBerlinDateTime('2026-03-29T02:30:00').getTime()).toBeGreaterThanOrEqual(
        Date.parse('2026-03-29T01:00:00Z'),
      );
    });
  });

  it('leaves 02:30 alone on an ordinary day', () => {
    expect(widenChangedSince(at('2026-10-18T00:30:00Z')).toISOString()).toBe(
      '2026-10-18T00:30:00.000Z',
    );
  });
});
