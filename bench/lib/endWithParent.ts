import { execFileSync, type ChildProcess } from 'node:child_process';

/**
 * Child processes that must not outlive this process: when it exits — normally, through
 * `process.exit`, or on SIGINT/SIGTERM/SIGHUP — every child still running is killed with
 * its whole process tree (a scenario of `bench/run.ts` with the subgraphs, simulators and
 * redis-servers it started). A benchmark or test that is interrupted (or fails between start
 * and stop) then leaves no server behind. (A SIGKILL of this process runs no handler; forked
 * subgraphs also stop when their IPC channel closes.)
 */

const running = new Set<ChildProcess>();
let installed = false;

/** `pid` and every process below it, parents first (read from `ps`, so macOS works too). */
export function processTree(pid: number): number[] {
  let table: string;
  try {
    table = execFileSync('ps', ['-A', '-o', 'pid=,ppid='], { encoding: 'utf8' });
  } catch {
    return [pid]; // no ps: the child alone
  }
  const childrenOf = new Map<number, number[]>();
  for (const line of table.split('\n')) {
    const [child, parent] = line.trim().split(/\s+/).map(Number);
    if (!Number.isInteger(child) || !Number.isInteger(parent)) continue;
    childrenOf.set(parent, [...(childrenOf.get(parent) ?? []), child]);
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) tree.push(...(childrenOf.get(tree[i]) ?? []));
  return tree;
}

/** SIGKILLs `pid` and everything below it (the tree is read first: no grandchild escapes to init). */
export function killTree(pid: number): void {
  for (const member of processTree(pid)) {
    try {
      process.kill(member, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

function killAll(): void {
  for (const child of running) if (child.pid !== undefined) killTree(child.pid);
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
