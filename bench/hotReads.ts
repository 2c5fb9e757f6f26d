import autocannon from 'autocannon';
import { budgetVerdict, fetchSimulatorStats } from './lib/budget';
import { opsLine } from './lib/boardReport';
import { postGraphQL } from './lib/graphql';
import { waitForMirror } from './lib/mirror';
import { forkServer, forkSubgraph, type ChildServer } from './lib/processes';
import {
  BUDGET,
  runAsMain,
  startBenchSimulator,
  subgraphEnv,
  table,
  type ScenarioResult,
} from './lib/scenario';

/**
 * Hot reads: one cached query (a customer with its reservations) at full speed, against the
 * subgraph and against a bare Apollo Server answering the same shape from memory (the
 * ceiling), alternating in the same run with the same autocannon settings. The subgraph runs
 * with its defaults (mirror on) and is measured once its mirror is synced, so the reads are
 * the mirror's (no upstream call). Target: the subgraph reaches at least 85% of the bare
 * server's requests/s.
 */

const HOT_QUERY = /* GraphQL */ `
  query Hot($number: Int!) {
    customer(number: $number) {
      number
      firstName
      lastName
      email
      city
      reservations {
        id
        start
        persons
        status
      }
    }
  }
`;
const HOT_CUSTOMER = 10001;
const CONNECTIONS = 20;
const WARMUP_S = 3;
const MEASURE_S = 15;
const ROUNDS = 2;
const TARGET = 0.85;

interface Measure {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

async function hammer(url: string, seconds: number): Promise<Measure> {
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: seconds,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: HOT_QUERY, variables: { number: HOT_CUSTOMER } }),
  });
  return {
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

/** The answer must be data, not an error: autocannon only sees HTTP 200 either way. */
async function answerOf(url: string): Promise<unknown> {
  const answer = await postGraphQL(url, HOT_QUERY, { variables: { number: HOT_CUSTOMER } });
  if (answer.outcome !== 'data') throw new Error(`${url} answered ${answer.outcome}`);
  return answer.body!.data!.customer;
}

export async function hotReads(): Promise<ScenarioResult> {
  const sim = await startBenchSimulator();
  const servers: ChildServer[] = [];
  try {
    const subgraph = await forkSubgraph(subgraphEnv(sim));
    servers.push(subgraph);
    const mirror = await waitForMirror(subgraph.url);
    const customer = await answerOf(subgraph.url);
    const bare = await forkServer('bareApolloProcess', { HOT_CUSTOMER: JSON.stringify(customer) });
    servers.push(bare);
    const sameAnswer = JSON.stringify(await answerOf(bare.url)) === JSON.stringify(customer);
    const targets = [
      { name: 'bare Apollo Server (memory)', url: bare.url },
      { name: `subgraph (mirror ${mirror.state})`, url: subgraph.url },
    ];
    for (const t of targets) await hammer(t.url, WARMUP_S);
    const before = await fetchSimulatorStats(sim.baseUrl);
    const measures = new Map<string, Measure[]>(targets.map((t) => [t.name, []]));
    for (let round = 0; round < ROUNDS; round++)
      for (const t of targets) measures.get(t.name)!.push(await hammer(t.url, MEASURE_S));
    const after = await fetchSimulatorStats(sim.baseUrl);
    const stillData = (await answerOf(subgraph.url)) !== null;

    const mean = (name: string) => {
      const list = measures.get(name)!;
      return list.reduce((sum, m) => sum + m.requestsPerSecond, 0) / list.length;
    };
    const ratio = mean(targets[1].name) / mean(targets[0].name);
    const rows = targets.flatMap((t) =>
      measures
        .get(t.name)!
        .map((m, round) => [
          t.name,
          round + 1,
          m.requestsPerSecond.toFixed(0),
          `${m.p50} ms`,
          `${m.p99} ms`,
          m.non2xx + m.errors,
        ]),
    );
    const verdict = budgetVerdict(after, BUDGET);
    const metTarget = ratio >= TARGET;
    return {
      title: 'Hot reads',
      markdown: [
        `autocannon, ${CONNECTIONS} connections, ${WARMUP_S} s warm-up each, then ${ROUNDS} rounds ` +
          `of ${MEASURE_S} s alternating; both servers in their own process; same query, same ` +
          `answer (${sameAnswer ? 'checked byte-equal' : 'DIFFERENT'}).`,
        '',
        table(['server', 'round', 'requests/s', 'p50', 'p99', 'non-2xx + errors'], rows),
        '',
        `Subgraph / bare throughput: **${(ratio * 100).toFixed(1)} %** (target ≥ ${TARGET * 100} %) — ` +
          `${metTarget ? 'met' : 'NOT met'}.`,
        `Upstream calls during the measured rounds: ${after.calls - before.calls} (${opsLine(before, after)}); ` +
          `the answer was still data afterwards: ${stillData ? 'yes' : 'NO'}.`,
        '',
        verdict.line,
      ].join('\n'),
      ok: verdict.ok && metTarget && sameAnswer && stillData && mirror.state === 'synced',
    };
  } finally {
    for (const s of servers.reverse()) await s.stop();
    await sim.close();
  }
}

if (require.main === module) runAsMain(hotReads);
