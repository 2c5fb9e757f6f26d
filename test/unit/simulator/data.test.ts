import { generateData } from '../../../src/simulator/data';
import { Store } from '../../../src/simulator/store';

const NOW = Date.parse('2026-11-29T18:30:00+01:00');
const DEFAULT_SIZES = { customers: 2000, reservations: 6000, tickets: 1500, stations: 3 };

describe('seeded data', () => {
  let store: Store;
  beforeAll(() => {
    store = generateData(300, DEFAULT_SIZES, NOW);
  });

  it('is the same for the same seed on the same day, and different for another seed', () => {
    const sizes = { customers: 50, reservations: 100, tickets: 30, stations: 3 };
    const a = generateData(7, sizes, NOW);
    const b = generateData(7, sizes, NOW + 3_600_000);
    const c = generateData(8, sizes, NOW);
    expect([...b.customers.values()]).toEqual([...a.customers.values()]);
    expect([...b.reservations.values()]).toEqual([...a.reservations.values()]);
    expect([...b.tickets.values()]).toEqual([...a.tickets.values()]);
    expect([...c.customers.values()]).not.toEqual([...a.customers.values()]);
  });

  // How fast it builds them is a wall-clock goal: bench/coldStart.ts measures it.
  it('builds the default sizes', () => {
    const fresh = generateData(301, DEFAULT_SIZES, NOW);
    expect([
      fresh.customers.size,
      fresh.reservations.size,
      fresh.tickets.size,
      fresh.stations.length,
    ]).toEqual([2000, 6000, 1500, 3]);
  });

  it('looks German: names, ZIP codes, +49 phone numbers, e-mail addresses', () => {
    const customers = [...store.customers.values()];
    const german = customers.filter((c) => c.Country === 'DE');
    expect(german.length / customers.length).toBeGreaterThan(0.85);
    for (const c of german) {
      expect(c.ZipCode).toMatch(/^\d{5}$/);
      if (c.Mobile) expect(c.Mobile).toMatch(/^\+49 1\d\d \d{7,8}$/);
      if (c.PhonePrivate) expect(c.PhonePrivate).toMatch(/^\+49 \d{2,4} \d{6,8}$/);
    }
    for (const c of customers)
      if (c.Email) expect(c.Email).toMatch(/^[a-z0-9.-]+@[a-z0-9.-]+\.(de|com)$/);
    const cards = customers.map((c) => c.CardNumber).filter(Boolean);
    expect(new Set(cards).size).toBe(cards.length);
  });

  it('spreads reservations over the weeks around today, mostly for real customers', () => {
    const reservations = [...store.reservations.values()];
    const days = reservations.map((r) => (r.Start - NOW) / 86_400_000);
    expect(Math.min(...days)).toBeLessThan(-35);
    expect(Math.max(...days)).toBeGreaterThan(35);
    expect(days.filter((d) => d > 0).length).toBeGreaterThan(2000);
    const withCustomer = reservations.filter((r) => store.customers.has(r.CustomerNumber)).length;
    expect(withCustomer / reservations.length).toBeGreaterThan(0.75);
    expect(reservations.every((r) => r.Changed <= NOW)).toBe(true);
  });

  it('links tickets to existing customers and reservations', () => {
    for (const t of store.tickets.values()) {
      if (t.CustomerNumber !== 0) expect(store.customers.has(t.CustomerNumber)).toBe(true);
      if (t.ReservationID !== 0) expect(store.reservations.has(t.ReservationID)).toBe(true);
      if (t.Status === 1) expect(t.RedeemedAt).not.toBeNull();
    }
  });
});
