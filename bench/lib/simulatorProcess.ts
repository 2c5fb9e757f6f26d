import { startSimulator } from '../../src/simulator';

/**
 * Child-process entry of an API300 simulator for the benchmarks, so that its work (building
 * 500-record replies) does not share the measured process's event loop. Sizes come from
 * `BENCH_SIMULATOR_CUSTOMERS` (default 50,000); the demo token pair. Reports `{ url }` (the
 * simulator's base URL) over IPC once it listens, and stops when the parent sends `stop` or
 * goes away.
 */

async function main(): Promise<void> {
  const simulator = await startSimulator({
    port: 0,
    customers: Number(process.env.BENCH_SIMULATOR_CUSTOMERS ?? 50_000),
  });
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await simulator.close();
    process.exit(0);
  };
  process.on('message', (message) => {
    if (message === 'stop') void stop();
  });
  process.on('disconnect', () => void stop());
  process.on('SIGTERM', () => void stop());
  process.send?.({ url: simulator.baseUrl });
}

main().catch((e: unknown) => {
  console.error('simulator process failed to start:', e instanceof Error ? e.message : e);
  process.exit(1);
});
