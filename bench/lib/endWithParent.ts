import type { ChildProcess } from 'node:child_process';

/**
 * Child processes that must not outlive this process: when it exits — normally, through
 * `process.exit`, or on SIGINT/SIGTERM/SIGHUP — every child still running is killed. A
 * benchmark or test that is interrupted (or fails between start and stop) then leaves no
 * server behind. (A SIGKILL of this process runs no handler; forked subgraphs also stop when
 * their IPC channel closes.)
 */

const running = new Set<ChildProcess>();
let installed = false;

function killAll(): void {
  for (const child of running) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  running.clear();
}

export function endWithParent<T extends ChildProcess>(child: T): T {
  running.add(child);
  child.once('exit', () => running.delete(child));
  if (!installed) {
    installed = true;
    process.once('exit', killAll);
    for (const [signal, code] of [
      ['SIGINT', 130],
      ['SIGTERM', 143],
      ['SIGHUP', 129],
    ] as const) {
      process.once(signal, () => {
        killAll();
        process.exit(code);
      });
    }
  }
  return child;
}
