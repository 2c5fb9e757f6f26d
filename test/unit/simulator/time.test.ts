import {
  berlinOffsetMs,
  changedSinceInstant,
  formatInstant,
  fromWallClock,
  isDstTransitionDay,
  parseXsdDateTime,
  toWallClock,
} from '../../../src/simulator/time';

const wall = (text: string): ReturnType<typeof toWallClock> => parseXsdDateTime(text)!.wallClock;

describe('Berlin wall-clock', () => {
  it('agrees with the Intl time zone database from 2000 to 2040, closely around every switch', () => {
    const format = new Intl.DateTimeFormat('sv-SE', {
      timeZone: 'Europe/Berlin',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    const instants: number[] = [];
    for (let t = Date.UTC(2000, 0, 1); t < Date.UTC(2040, 0, 1); t += 119 * 3_600_000 + 13 * 60_000)
      instants.push(t);
    for (let year = 2000; year < 2040; year++) {
      for (const month of [2, 9]) {
        const lastSunday = 31 - new Date(Date.UTC(year, month, 31)).getUTCDay();
        const start = Date.UTC(year, month, lastSunday);
        for (let t = start; t < start + 4 * 3_600_000; t += 10 * 60_000) instants.push(t);
      }
    }
    for (const t of instants) expect(formatInstant(t)).toBe(format.format(t).replace(' ', 'T'));
  });

  it('switches at 01:00 UTC on the last Sundays of March and October', () => {
    expect(berlinOffsetMs(Date.parse('2026-03-29T00:59:59Z'))).toBe(3_600_000);
    expect(berlinOffsetMs(Date.parse('2026-03-29T01:00:00Z'))).toBe(7_200_000);
    expect(berlinOffsetMs(Date.parse('2026-10-25T00:59:59Z'))).toBe(7_200_000);
    expect(berlinOffsetMs(Date.parse('2026-10-25T01:00:00Z'))).toBe(3_600_000);
    expect(isDstTransitionDay(2026, 3, 29)).toBe(true);
    expect(isDstTransitionDay(2026, 10, 25)).toBe(true);
    expect(isDstTransitionDay(2026, 10, 18)).toBe(false);
  });

  it('reads the repeated autumn hour as summer time and the skipped spring hour as winter time', () => {
    expect(fromWallClock(wall('2026-10-25T02:30:00'))).toBe(
      Date.parse('2026-10-25T02:30:00+02:00'),
    );
    expect(fromWallClock(wall('2026-03-29T02:30:00'))).toBe(
      Date.parse('2026-03-29T02:30:00+01:00'),
    );
  });

  it('widens a ChangedSince inside 02:00–03:00 on transition days to 02:00', () => {
    expect(changedSinceInstant(wall('2026-03-29T02:45:00'))).toBe(
      Date.parse('2026-03-29T01:00:00Z'),
    );
    expect(changedSinceInstant(wall('2026-10-25T02:45:00'))).toBe(
      Date.parse('2026-10-25T00:00:00Z'),
    );
    expect(changedSinceInstant(wall('2026-10-25T03:00:00'))).toBe(
      Date.parse('2026-10-25T03:00:00+01:00'),
    );
  });

  it('parses xs:dateTime with and without offsets and refuses anything else', () => {
    expect(parseXsdDateTime('2026-11-29T18:30:00.123Z')).toEqual({
      wallClock: wall('2026-11-29T18:30:00'),
      offsetMinutes: 0,
    });
    expect(parseXsdDateTime('2026-11-29T18:30:00-05:30')?.offsetMinutes).toBe(-330);
    expect(parseXsdDateTime('2026-02-30T00:00:00')).toBeNull();
    expect(parseXsdDateTime('29.11.2026 18:30')).toBeNull();
  });
});
