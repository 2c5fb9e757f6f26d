import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';

/**
 * Child processes that must not outlive this process: when it exits — normally, through
 * `process.exit`, or on SIGINT/SIGTERM/SIGHUP — every child still running is killed with
 * its whole process tree (a scenario of `bench/run.ts` with the subgraphs, simulators and
 * redis-servers it started). A benchmark or test that is interrupted (or fails between start
 * and stop) then leaves no server behind. A SIGKILL of this process runs no handler (Jest
 * kills a worker that does not exit in time so): a watchdog process, started with the first
 * child, holds the other end of a pipe from this process and, when the pipe closes however
 * this process ended, kills the tree of every child still registered with it.
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

/**
 * The watchdog's program: pids arrive as `+pid` / `-pid` lines; at the end of its input (this
 * process ended, whichever way) it kills each remaining pid's tree, read with `ps` (the
 * children keep their own children when they are reparented).
 */
const WATCHDOG = `
const { execFileSync } = require('node:child_process');
const pids = new Set();
let rest = '';
process.stdin.on('data', (chunk) => {
  const lines = (rest + chunk).split('\\n');
  rest = lines.pop();
  for (const line of lines) (line[0] === '+' ? pids.add(Number(line.slice(1))) : pids.delete(Number(line.slice(1))));
});
process.stdin.on('end', () => {
  let table = '';
  try { table = execFileSync('ps', ['-A', '-o', 'pid=,ppid='], { encoding: 'utf8' }); } catch {}
  const childrenOf = new Map();
  for (const line of table.split('\\n')) {
    const [child, parent] = line.trim().split(/\\s+/).map(Number);
    if (Number.isInteger(child) && Number.isInteger(parent)) childrenOf.set(parent, [...(childrenOf.get(parent) || []), child]);
  }
  for (const pid of pids) {
    const tree = [pid];
    for (let i = 0; i < tree.length; i++) tree.push(...(childrenOf.get(tree[i]) || []));
    for (const member of tree) { try { process.kill(member, 'SIGKILL'); } catch {} }
  }
  process.exit(0);
});
`;

let watchdog: ChildProcess | null = null;
/** The pids the watchdog guards; when none is left it ends (a later child starts another). */
const watched = new Set<number>();

/** Tells the watchdog (started on first use) that `pid` is ours (`+`) or gone (`-`). */
function tellWatchdog(sign: '+' | '-', pid: number): void {
  if (sign === '-') {
    if (!watched.delete(pid) || !watchdog) return;
    watchdog.stdin?.write(`-${pid}\n`);
    if (watched.size === 0) {
      watchdog.stdin?.end();
      watchdog = null;
    }
    return;
  }
  if (!watchdog) {
    watchdog = spawn(process.execPath, ['-e', WATCHDOG], { stdio: ['pipe', 'ignore', 'ignore'] });
    // Neither the watchdog nor its pipe keeps this process alive.
    watchdog.unref();
    (watchdog.stdin as Socket | null)?.unref();
    watchdog.stdin?.on('error', () => {}); // the watchdog gone first: nothing to tell
  }
  watched.add(pid);
  watchdog.stdin?.write(`+${pid}\n`);
}

function killAll(): void {
  for (const child of running) if (child.pid !== undefined) killTree(child.pid);
  running.clear();
}

export function endWithParent<T extends ChildProcess>(child: T): T {
  running.add(child);
  const pid = child.pid;
  if (pid !== undefined) tellWatchdog('+', pid);
  child.once('exit', () => {
    running.delete(child);
    if (pid !== undefined) tellWatchdog('-', pid);
  });
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
