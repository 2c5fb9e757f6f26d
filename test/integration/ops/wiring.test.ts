import { loadConfig } from '../../../src/config';
import { createHealth } from '../../../src/ops/health';
import { createRequestLimits } from '../../../src/graphql/requestLimits';
import { createLogger } from '../../../src/platform/logger';
import type { DataPathStats } from '../../../src/data/stats';
import { createMetrics } from '../../../src/ops/metrics';
import { createRequestLogPlugin } from '../../../src/ops/requestLog';
import { combineRoutes } from '../../../src/ops/routes';
import { createApp } from '../../../src/graphql/server';
import { FakeRepository } from '../../helpers/fakeRepository';

/** The wiring src/main.ts is expected to do, end to end over one socket. */
describe('an app with metrics, health, request log and limits', () => {
  it('serves all of them side by side and closes cleanly', async () => {
    const config = loadConfig({ INTROSPECTION: 'false' });
    const lines: string[] = [];
    const logger = createLogger('info', { write: (line: string) => lines.push(line) });
    const stats: DataPathStats = {
      upstream: { calls: [], budgetLeft: 50, queueLength: 0, breaker: 'closed', lastCall: null },
      cache: { hits: 0, misses: 0, staleServes: 0 },
    };
    const dataPath = { stats: () => stats };
    const metrics = createMetrics({ dataPath });
    const health = createHealth({ dataPath });
    const limits = createRequestLimits({ config });
    const app = await createApp({
      config,
      repository: new FakeRepository(),
      logger,
      stopGracePeriodMs: 1000,
      extraRoutes: combineRoutes(metrics.route, health.route),
      plugins: [createRequestLogPlugin({ logger }), metrics.plugin, ...limits.plugins],
      validationRules: limits.validationRules,
      parseOptions: limits.parseOptions,
    });
    health.schemaLoaded();
    const { port, url } = await app.listen(0, '127.0.0.1');
    const base = `http://127.0.0.1:${port}`;

    const answer = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'query Stations { stations { name } }' }),
    });
    expect(answer.status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    expect(await (await fetch(`${base}/metrics`)).text()).toContain(
      'hypersoft_graphql_request_duration_seconds_count{operation="Stations",type="query",outcome="ok"} 1',
    );
    expect(lines.filter((l) => l.includes('"graphql request"'))).toHaveLength(1);

    health.shuttingDown();
    expect((await fetch(`${base}/readyz`)).status).toBe(503);
    await app.stop();
    expect(app.server.listening).toBe(false);
  });
});
