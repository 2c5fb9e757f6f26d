import { createHmac } from 'node:crypto';
import { loadavg } from 'node:os';
import jsonStableStringify from 'json-stable-stringify';
import { RecordCipher } from '../src/data/cache/recordCipher';
import { createRouterAuth } from '../src/graphql/federation/routerAuth';
import { machine, runAsMain, table } from './lib/scenario';

/**
 * What production mode costs per request and per cached record, in one process, no server:
 * the router checks (shared secret, Hive Gateway's HMAC signature over a day-board query) and
 * the Redis cache level's sealing (AES-256-GCM of a customer entry, its opening, the keyed
 * name of a search key). `npm run build && node dist/bench/securityCost.js`.
 */

const ROUNDS = 50_000;
const SECRET = 'router-secret-of-the-bench-0123456789';
const QUERY =
  'query Board($s:Int!,$from:DateTime!){reservations(filter:{stationNumber:$s,from:$from},first:50)' +
  '{edges{node{id start persons guestName customer{number lastName firstName}}}}}';
const VARIABLES = { s: 1, from: '2026-12-03T00:00:00Z' };
const ENTRY = JSON.stringify({
  value: {
    number: 4711,
    firstName: 'Anna',
    lastName: 'Müller',
    email: 'anna.mueller@example.de',
    street: 'Hauptstraße 1',
    memo: 'Stammgast, Fensterplatz, vegetarisch. '.repeat(5),
  },
  freshUntil: 1,
  staleUntil: 2,
});

/** Mean microseconds of `f` over ROUNDS calls, after a warm-up. */
function micros(f: () => unknown): number {
  for (let i = 0; i < 2_000; i++) f();
  const start = process.hrtime.bigint();
  for (let i = 0; i < ROUNDS; i++) f();
  return Number(process.hrtime.bigint() - start) / 1_000 / ROUNDS;
}

runAsMain(async () => {
  const auth = createRouterAuth({ routerSecrets: [SECRET], routerHmacSecrets: [SECRET] });
  const signature = createHmac('sha256', SECRET)
    .update(jsonStableStringify({ query: QUERY, variables: VARIABLES }) ?? '')
    .digest('base64');
  const signed = {
    query: QUERY,
    variables: VARIABLES,
    extensions: { 'hmac-signature': signature },
  };
  const ok =
    auth.check({ headers: { 'x-router-secret': SECRET } }) === 'accepted' &&
    auth.check({ headers: {}, params: signed }) === 'accepted';
  const cipher = new RecordCipher([Buffer.alloc(32, 1).toString('base64')]);
  const sealed = cipher.seal(ENTRY, 'name');

  const rows = [
    [
      '`x-router-secret` header check',
      micros(() => auth.check({ headers: { 'x-router-secret': SECRET } })),
    ],
    [
      'HMAC signature check, day-board query with variables',
      micros(() => auth.check({ headers: {}, params: signed })),
    ],
    [
      `seal a customer entry (${ENTRY.length} bytes JSON, AES-256-GCM)`,
      micros(() => cipher.seal(ENTRY, 'name')),
    ],
    ['open it', micros(() => cipher.open(sealed, 'name'))],
    [
      'name a search key (HMAC-SHA256)',
      micros(() => cipher.name('customerSearch', '{"search":"anna müller"}')),
    ],
  ].map(([what, us]) => [what, `${(us as number).toFixed(1)} µs`]);
  const load = loadavg()
    .map((l) => l.toFixed(1))
    .join(' / ');
  return {
    title: 'Production mode: router checks and sealed cache entries',
    markdown:
      `${machine()}, load average ${load} at the end; mean of ${ROUNDS.toLocaleString('en')} calls each after a warm-up, one process.\n\n` +
      table(['per call', 'mean'], rows),
    ok,
  };
});
