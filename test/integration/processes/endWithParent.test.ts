import { execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import { killTree, processTree } from '../../../bench/lib/endWithParent';
import { eventually } from '../../helpers/eventually';

/** Running (a zombie, dead but not yet reaped by its new parent, does not count). */
const alive = (pid: number): boolean => {
  try {
    const state = execFileSync('ps', ['-o', 'stat=', '-p', String(pid)], { encoding: 'utf8' });
    return state.trim() !== '' && !state.trim().startsWith('Z');
  } catch {
    return false; // ps exits 1 for a pid that is gone
  }
};

/** A child that starts a grandchild (as a bench scenario starts its servers) and reports its pid. */
async function childWithGrandchild(): Promise<{ child: number; grandchild: number }> {
  const script = `
    const { spawn } = require('node:child_process');
    const grandchild = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    console.log(grandchild.pid);
    setInterval(() => {}, 1000);
  `;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve) =>
    child.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString().trim())),
  );
  return { child: child.pid!, grandchild: Number(line) };
}

describe('ending a child with its process tree', () => {
  it('finds the grandchild below the child and kills both', async () => {
    const { child, grandchild } = await childWithGrandchild();
    expect(processTree(child)).toEqual([child, grandchild]);

    killTree(child);
    await eventually('both to end', () => !alive(child) && !alive(grandchild)).catch(() => {});

    expect([alive(child), alive(grandchild)]).toEqual([false, false]);
  });

  it('ends the children of a process that was killed with SIGKILL (no exit handler runs)', async () => {
    const module = path.join(__dirname, '../../../bench/lib/endWithParent.ts');
    const script = `
      const { spawn } = require('node:child_process');
      const { endWithParent } = require(${JSON.stringify(module)});
      const server = endWithParent(
        spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' }),
      );
      console.log(server.pid);
      setInterval(() => {}, 1000);
    `;
    const parent = spawn(
      process.execPath,
      ['-r', path.join(__dirname, '../../helpers/tsRegister.cjs'), '-e', script],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const server = Number(
      await new Promise<string>((resolve) =>
        parent.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString().trim())),
      ),
    );
    expect(alive(server)).toBe(true);

    parent.kill('SIGKILL');
    await eventually('the orphaned server to end', () => !alive(server), 15_000).catch(() => {});

    expect(alive(server)).toBe(false);
  });
});
