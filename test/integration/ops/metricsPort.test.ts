import { loadConfig } from '../../../src/config';
import { startSubgraph, type RunningSubgraph } from '../../../src/app/subgraph';
import { silentLogger } from '../../helpers/gateway';

/** METRICS_PORT: `/metrics` on a listener of its own, not beside GraphQL. */

let subgraph: RunningSubgraph | undefined;

afterEach(async () => {
  await subgraph?.stop();
  subgraph = undefined;
});

async function start(env: Record<string, string>): Promise<RunningSubgraph> {
  subgraph = await startSubgraph(
    loadConfig({ PORT: '0', MIRROR: 'false', SHUTDOWN_DRAIN_MS: '0', ...env }),
    {
      logger: silentLogger,
      host: '127.0.0.1',
      simulator: { customers: 1, reservations: 0, tickets: 0, stations: 1 },
    },
  );
  return subgraph;
}

describe('METRICS_PORT', () => {
  it('serves /metrics on its own port only, while /healthz and /readyz stay on PORT', async () => {
    const { url, metricsUrl } = await start({ METRICS_PORT: '0' });
    const origin = new URL(url).origin;

    const own = await fetch(metricsUrl!);
    const beside = await fetch(`${origin}/metrics`);
    const health = await fetch(`${origin}/healthz`);
    const other = await fetch(new URL('/graphql', metricsUrl!));

    expect(own.status).toBe(200);
    expect(await own.text()).toContain('hypersoft_upstream_budget_remaining');
    expect(beside.status).toBe(404);
    expect(health.status).toBe(200);
    expect(other.status).toBe(404);
  });

  it('unset: /metrics is served beside GraphQL', async () => {
    const { url, metricsUrl } = await start({});

    const res = await fetch(new URL('/metrics', url));

    expect(metricsUrl).toBeNull();
    expect(res.status).toBe(200);
  });
});
