import { loadConfig } from '../../../src/config';
import { createMetrics, type Metrics } from '../../../src/ops/metrics';
import { createApp, type App } from '../../../src/graphql/server';
import { FakeRepository } from '../../helpers/fakeRepository';

let app: App | undefined;

async function start(metrics: Metrics) {
  app = await createApp({
    config: loadConfig({}),
    repository: new FakeRepository(),
    stopGracePeriodMs: 1000,
    extraRoutes: metrics.route,
    plugins: [metrics.plugin],
  });
  const { port } = await app.listen(0, '127.0.0.1');
  const base = `http://127.0.0.1:${port}`;
  const graphql = (query: string, operationName?: string) =>
    fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, operationName }),
    });
  return { base, graphql };
}

afterEach(async () => {
  await app?.stop();
  app = undefined;
});

describe('GET /metrics', () => {
  it('serves GraphQL durations by operation, type and outcome, and process metrics', async () => {
    let clock = 0;
    const metrics = createMetrics({ now: () => (clock += 20) });
    const { base, graphql } = await start(metrics);

    await graphql('query Stations { stations { name } }');
    await graphql('query Stations { stations { name } }');
    await graphql('{ stations { name } }');
    await graphql('query Wrong { stations { nope } }');
    const res = await fetch(`${base}/metrics`);
    const text = await res.text();

    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(text).toContain(
      'hypersoft_graphql_request_duration_seconds_count{operation="Stations",type="query",outcome="ok"} 2',
    );
    expect(text).toContain(
      'hypersoft_graphql_request_duration_seconds_sum{operation="Stations",type="query",outcome="ok"} 0.04',
    );
    expect(text).toContain(
      'hypersoft_graphql_request_duration_seconds_count{operation="__anonymous",type="query",outcome="ok"} 1',
    );
    expect(text).toContain(
      'hypersoft_graphql_request_duration_seconds_count{operation="Wrong",type="unknown",outcome="error"} 1',
    );
    expect(text).toContain('process_resident_memory_bytes');
  });

  it('keeps the number of operation labels bounded whatever names clients send', async () => {
    const metrics = createMetrics({ maxOperationLabels: 2, processMetrics: false });
    const { base, graphql } = await start(metrics);

    for (const name of ['A', 'B', 'C', 'D', 'A'])
      await graphql(`query ${name} { stations { name } }`);
    const text = await (await fetch(`${base}/metrics`)).text();

    const labels = [...text.matchAll(/duration_seconds_count\{operation="([^"]+)"/g)].map(
      (m) => m[1],
    );
    expect(labels.sort()).toEqual(['A', 'B', '__other']);
    expect(text).toContain('duration_seconds_count{operation="A",type="query",outcome="ok"} 2');
    expect(text).toContain(
      'duration_seconds_count{operation="__other",type="query",outcome="ok"} 2',
    );
  });

  it('refuses other methods and leaves other paths to the app', async () => {
    const { base } = await start(createMetrics({ processMetrics: false }));

    expect((await fetch(`${base}/metrics`, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`${base}/elsewhere`)).status).toBe(404);
  });
});
