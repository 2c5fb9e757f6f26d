import { budgetVerdict, fetchSimulatorStats } from './lib/budget';
import { opsLine } from './lib/boardReport';
import { postGraphQL } from './lib/graphql';
import { forkSubgraph } from './lib/processes';
import {
  BUDGET,
  ms,
  runAsMain,
  startBenchSimulator,
  subgraphEnv,
  table,
  type ScenarioResult,
} from './lib/scenario';

/**
 * Router fan-out: the router asks `_entities` for 100, 500 and 2,000 `Customer`
 * representations (distinct, uncached customers each time), then the same request again
 * (now cached). Reports upstream calls and latency of both.
 */

const ENTITIES_QUERY = /* GraphQL */ `
  query RouterFetch($representations: [_Any!]!) {
    _entities(representations: $representations) {
      ... on Customer {
        number
        firstName
        lastName
        email
        city
      }
    }
  }
`;

const SIZES = [100, 500, 2000];
const FIRST_CUSTOMER = 10001;

export async function routerFanOut(): Promise<ScenarioResult> {
  const sim = await startBenchSimulator({ customers: SIZES.reduce((a, b) => a + b, 0) });
  const subgraph = await forkSubgraph(subgraphEnv(sim));
  try {
    const rows: unknown[][] = [];
    let allServed = true;
    let next = FIRST_CUSTOMER;
    for (const size of SIZES) {
      const representations = Array.from({ length: size }, (_, i) => ({
        __typename: 'Customer',
        number: next + i,
      }));
      next += size;
      for (const pass of ['cold', 'cached']) {
        const before = await fetchSimulatorStats(sim.baseUrl);
        const answer = await postGraphQL(subgraph.url, ENTITIES_QUERY, {
          variables: { representations },
        });
        const after = await fetchSimulatorStats(sim.baseUrl);
        const entities = (answer.body?.data?._entities as unknown[] | undefined) ?? [];
        const resolved = entities.filter((e) => e !== null).length;
        if (answer.outcome !== 'data' || resolved !== size) allServed = false;
        rows.push([
          size,
          pass,
          answer.outcome,
          resolved,
          after.calls - before.calls,
          opsLine(before, after),
          ms(answer.latencyMs),
        ]);
      }
    }
    const verdict = budgetVerdict(await fetchSimulatorStats(sim.baseUrl), BUDGET);
    return {
      title: 'Router fan-out',
      markdown: [
        'One `_entities` request per row, straight to one subgraph process (as the router sends it).',
        '',
        table(
          [
            'representations',
            'pass',
            'outcome',
            'resolved',
            'upstream calls',
            'by operation',
            'latency',
          ],
          rows,
        ),
        '',
        verdict.line,
      ].join('\n'),
      ok: verdict.ok && allServed,
    };
  } finally {
    await subgraph.stop();
    await sim.close();
  }
}

if (require.main === module) runAsMain(routerFanOut);
