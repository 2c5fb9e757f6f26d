import { ConfigError, loadConfig } from './config';
import { startSubgraph } from './app/subgraph';
import { createLogger } from './platform/logger';

/**
 * Entry point: loadConfig() → startSubgraph() → listen; SIGTERM/SIGINT → graceful stop;
 * SIGHUP → reset the upstream breaker (operator action).
 * A bad setting stops the process before anything starts, with a message naming it.
 */
const STOP_TIMEOUT_MS = 15_000;

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  const subgraph = await startSubgraph(config, { logger });
  logger.info(
    { url: subgraph.url },
    `Hypersoft subgraph ready at ${subgraph.url} (GraphiQL: open it in a browser)`,
  );

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: finishing in-flight requests');
    // Bounded: whatever hangs, the process ends.
    setTimeout(() => {
      logger.error('graceful stop timed out; exiting');
      process.exit(1);
    }, STOP_TIMEOUT_MS).unref();
    subgraph.stop().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  // Operator action once Hypersoft reactivated the token: `kill -HUP <pid>` closes the breaker.
  process.on('SIGHUP', () => {
    subgraph.dataPath.resetBreaker();
    logger.warn({ signal: 'SIGHUP' }, 'upstream breaker reset by operator');
  });
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(
    `Failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
