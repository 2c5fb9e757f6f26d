import { ReadLimit, ReadPacing } from '../../../../src/data/gate/pacing';

describe('read pacing', () => {
  it('lets the first half of the read budget start at once, then one read per window / readCalls', () => {
    const pacing = new ReadPacing({ readCalls: 4, windowMs: 60_000 });
    expect(pacing.nextReadAt(0)).toBe(0);
    pacing.started(0);
    expect(pacing.nextReadAt(10)).toBe(10);
    pacing.started(10);

    expect(pacing.nextReadAt(20)).toBe(10 + 15_000);
    pacing.started(15_010);
    expect(pacing.nextReadAt(15_010)).toBe(30_010);
  });

  it('forgets reads that left the window', () => {
    const pacing = new ReadPacing({ readCalls: 2, windowMs: 60_000 });
    pacing.started(0);
    expect(pacing.nextReadAt(1)).toBe(30_000);
    expect(pacing.nextReadAt(60_000)).toBe(60_000);
  });

  it('does not pace without options', () => {
    const pacing = new ReadPacing();
    for (let i = 0; i < 100; i++) pacing.started(i);
    expect(pacing.nextReadAt(100)).toBe(100);
  });
});

describe('the read limit while the mirror loads', () => {
  it('lets `limit` reads start per window, counting those started before it was set, and none once lifted', () => {
    const limit = new ReadLimit(60_000);
    limit.started(0);
    limit.started(1_000);
    expect(limit.nextReadAt(2_000)).toBe(2_000);
    limit.set(2);
    expect(limit.nextReadAt(2_000)).toBe(60_000); // the older of the two leaves the window then
    limit.set(null);
    expect(limit.nextReadAt(2_000)).toBe(2_000);
  });
});
