import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { endWithParent } from '../../bench/lib/endWithParent';

/**
 * A real subgraph process (bench/lib/subgraphProcess.ts, run from the sources through
 * tsRegister.cjs) that a test can SIGKILL, as an orchestrator or the OOM killer does.
 */

export interface SubgraphProcess {
  url: string;
  pid: number;
  /** SIGKILL: no drain, no close, nothing flushed; resolves once it exited. */
  kill(): Promise<void>;
  /** The graceful stop (IPC `stop`), SIGKILL after 15 s. */
  stop(): Promise<void>;
}

const ENTRY = path.join(__dirname, '../../bench/lib/subgraphProcess.ts');
const REGISTER = path.join(__dirname, 'tsRegister.cjs');

function exited(child: ChildProcess, signal: NodeJS.Signals | 'stop'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    if (signal === 'stop' && child.connected) child.send('stop');
    else child.kill(signal === 'stop' ? 'SIGTERM' : signal);
  });
}

/** Starts a subgraph configured by `env` (added to this process's); resolves once it listens. */
export function startSubgraphProcess(env: Record<string, string>): Promise<SubgraphProcess> {
  const child = endWithParent(
    fork(ENTRY, [], {
      execArgv: ['-r', REGISTER],
      env: { ...process.env, SHUTDOWN_DRAIN_MS: '0', LOG_LEVEL: 'error', ...env },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    }),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('the subgraph process did not report its URL within 60 s'));
    }, 60_000);
    const exitedEarly = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`the subgraph process exited with code ${code} before listening`));
    };
    child.once('exit', exitedEarly);
    child.once('message', (message) => {
      clearTimeout(timer);
      child.off('exit', exitedEarly); // not endWithParent's: it must hear the exit
      resolve({
        url: (message as { url: string }).url,
        pid: child.pid!,
        kill: () => exited(child, 'SIGKILL'),
        stop: () => exited(child, 'stop'),
      });
    });
  });
}
