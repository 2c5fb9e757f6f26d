import { createApi300Client } from '../../../src/data/api300/client';
import type { Api300 } from '../../../src/data/api300/types';
import type { Customer, CustomerWrite } from '../../../src/domain/models';
import { CUSTOMER_DEFAULTS } from '../../../src/graphql/resolvers/writes';
import { DEMO_TOKENS, type RunningSimulator } from '../../../src/simulator';
import { startTestSimulator } from '../../helpers/simulator';

/**
 * JSON mode's `\/Date(ms)\/` against the simulator's JSON mode, which converts as an ASMX
 * server on Windows does (docs/api300-client.md, "Dates in JSON mode"): today's EU summer-time
 * rule for every year, UTC+1 in winter even in year 1, and time-of-day fields dated
 * 0001-01-01. A Date or Time field must come back as it was written, and writing back what was
 * read must change nothing — whatever Germany's clocks really did in that year.
 */

const BIRTHDAYS = [
  '1950-07-15', // no summer time in Germany 1950–1979: today's rule still adds an hour
  '1979-06-01',
  '1990-10-15', // 1981–1995 summer time ended in September
  '1947-05-20', // "Hochsommerzeit" (UTC+3) in 1947
  '1996-03-31', // the day the clocks changed
  '2000-07-15',
  '2026-01-10',
];
const writeOf = ({ created: _c, changed: _ch, ...whole }: Customer): CustomerWrite => whole;
const TIMES = ['00:30:00', '09:00:00', '12:15:30', '23:59:59'];

describe('Date and Time fields over JSON mode', () => {
  let sim: RunningSimulator;
  let client: Api300;

  beforeAll(async () => {
    sim = await startTestSimulator();
    client = await createApi300Client({
      endpoint: sim.endpoint,
      ...DEMO_TOKENS,
      timeoutMs: 5000,
      transport: 'json',
      thread: 'main',
    });
  });
  afterAll(async () => {
    await sim?.close();
  });

  it.each(BIRTHDAYS.map((birthday, i) => ({ birthday, time: TIMES[i % TIMES.length] })))(
    'keeps the birthday $birthday and the time $time through a write and a read',
    async ({ birthday, time }) => {
      const stored = await client.setCustomer({
        ...CUSTOMER_DEFAULTS,
        lastName: 'Datum',
        birthday,
        reachableFrom: time,
        reachableTo: time,
      });
      const read = await client.getCustomer(stored.number);

      expect([stored.birthday, stored.reachableFrom]).toEqual([birthday, time]);
      expect([read.birthday, read.reachableFrom, read.reachableTo]).toEqual([birthday, time, time]);
    },
  );

  it('changes nothing when what was read is written back, again and again', async () => {
    const stored = await client.setCustomer({
      ...CUSTOMER_DEFAULTS,
      lastName: 'Rundreise',
      birthday: '1965-08-01',
      reachableFrom: '08:00:00',
    });
    let current = stored;
    for (let i = 0; i < 3; i++) {
      current = await client.setCustomer(writeOf(await client.getCustomer(current.number)));
    }
    expect([current.birthday, current.reachableFrom]).toEqual(['1965-08-01', '08:00:00']);
  });
});
