import { handleSignals } from './app/signals';
import { configOrExit } from './app/startup';
import { startSubgraph } from './app/subgraph';
import { createLogger } from './platform/logger';

/**
 * Entry point: loadConfig() → startSubgraph() → listen; SIGTERM/SIGINT → graceful stop
 * (src/app/signals.ts); SIGHUP → reset the upstream breaker (operator action).
 * A bad setting stops the process before anything starts, with a message naming it.
 */

/** What a stop may take beyond the drain period: in-flight requests (10 s) and closing. */
const STOP_MARGIN_MS = 15_000;

async function main(): Promise<void> {
  const config = configOrExit(process.env, process);
  const logger = createLogger(config.logLevel);
  const subgraph = await startSubgraph(config, { logger });
  logger.info(
    { url: subgraph.url },
    `Hypersoft subgraph ready at ${subgraph.url} (GraphiQL: open it in a browser)`,
  );
  handleSignals({
    signals: process,
    stop: () => subgraph.stop(),
    resetBreaker: () => subgraph.dataPath.resetBreaker(),
    exit: (code) => process.exit(code),
    logger,
    stopTimeoutMs: config.shutdownDrainMs + STOP_MARGIN_MS,
  });
}

main().catch((error: unknown) => {
  process.stderr.write(
    `Failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
