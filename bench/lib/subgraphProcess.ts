import { startSubgraph } from '../../src/app/subgraph';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/platform/logger';

/**
 * Child-process entry of one subgraph replica for the benchmarks: configured by its
 * environment exactly as `npm start` is, it reports `{ url }` to its parent over IPC once it
 * listens, and stops when the parent sends `stop` or goes away. Running the subgraph in its
 * own process keeps the load driver from competing with it for the event loop.
 *
 * `BENCH_WINDOW_AT_START` (`empty` by default: a scenario's simulator is fresh; `unknown` for
 * a replica started again against a simulator it or another process called before) says what
 * the subgraph may know of the token pair's earlier calls (`WindowAtStart`).
 */

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const subgraph = await startSubgraph(config, {
    logger: createLogger(config.logLevel),
    host: '127.0.0.1',
    windowAtStart: process.env.BENCH_WINDOW_AT_START === 'unknown' ? 'unknown' : 'empty',
  });
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await subgraph.stop();
    process.exit(0);
  };
  process.on('message', (message) => {
    if (message === 'stop') void stop();
  });
  process.on('disconnect', () => void stop());
  process.on('SIGTERM', () => void stop());
  process.send?.({ url: subgraph.url });
}

main().catch((e: unknown) => {
  console.error('subgraph process failed to start:', e instanceof Error ? e.message : e);
  process.exit(1);
});
