import { systemClock, type Clock } from '../platform/clock';
import type { Logger } from '../platform/logger';

/**
 * The process's signals (src/main.ts wires them to `process`):
 * - SIGTERM, SIGINT: the graceful stop of `stop` (drain, close, finish in flight), then exit
 *   0, or 1 when stopping failed. A second signal while stopping changes nothing. Bounded:
 *   when the stop takes longer than `stopTimeoutMs`, the process exits 1 anyway.
 * - SIGHUP: `resetBreaker` — the operator's action once Hypersoft reactivated the token.
 */
export interface SignalSource {
  on(signal: 'SIGTERM' | 'SIGINT' | 'SIGHUP', listener: () => void): unknown;
}

export interface SignalDeps {
  signals: SignalSource;
  stop(): Promise<void>;
  resetBreaker(): void;
  exit(code: number): void;
  logger: Logger;
  /** Longest a stop may take before the process exits regardless (drain + grace + margin). */
  stopTimeoutMs: number;
  /** Default the system clock (its timers never keep the process alive). */
  clock?: Clock;
}

export function handleSignals(deps: SignalDeps): void {
  const clock = deps.clock ?? systemClock;
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    deps.logger.info(
      { signal },
      'stopping: unready now, draining, then finishing in-flight requests',
    );
    clock.schedule(deps.stopTimeoutMs, () => {
      deps.logger.error('graceful stop timed out; exiting');
      deps.exit(1);
    });
    deps.stop().then(
      () => {
        deps.logger.info('stopped');
        deps.exit(0);
      },
      (error: unknown) => {
        deps.logger.error({ err: error }, 'error while stopping');
        deps.exit(1);
      },
    );
  };
  deps.signals.on('SIGHUP', () => {
    deps.resetBreaker();
    deps.logger.warn({ signal: 'SIGHUP' }, 'upstream breaker reset by operator');
  });
  deps.signals.on('SIGTERM', () => stop('SIGTERM'));
  deps.signals.on('SIGINT', () => stop('SIGINT'));
}
