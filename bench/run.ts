import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { endWithParent } from './lib/endWithParent';
import { machine } from './lib/scenario';

/**
 * `npm run bench`: every scenario in its own Node process, one after another (they share
 * nothing, and each would skew the next one's timings otherwise). Prints one markdown
 * document for bench/RESULTS.md; exits non-zero when any scenario failed its verdict.
 * `npm run bench -- hotReads coldStart` runs only those.
 */

export const SCENARIOS = [
  'reservationBoard',
  'routerFanOut',
  'coldStart',
  'importCustomers',
  'hotReads',
  'naiveBaseline',
  'replicas',
  'transports',
  'restarts',
] as const;

function runScenario(name: string): Promise<{ name: string; code: number | null }> {
  return new Promise((resolve) => {
    const child = endWithParent(
      spawn(process.execPath, [join(__dirname, `${name}.js`)], {
        stdio: ['ignore', 'inherit', 'inherit'],
      }),
    );
    child.on('exit', (code) => resolve({ name, code }));
  });
}

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<void> {
  const chosen = process.argv.slice(2);
  const unknown = chosen.filter((n) => !(SCENARIOS as readonly string[]).includes(n));
  if (unknown.length > 0) {
    console.error(`Unknown scenario(s): ${unknown.join(', ')}; known: ${SCENARIOS.join(', ')}`);
    process.exit(2);
  }
  console.log(
    `# Benchmark run\n\n- date: ${new Date().toISOString()}\n- machine: ${machine()}\n` +
      `- commit: ${gitCommit()}\n- command: npm run bench${chosen.length ? ` -- ${chosen.join(' ')}` : ''}\n`,
  );
  const results = [];
  for (const name of chosen.length ? chosen : SCENARIOS) results.push(await runScenario(name));
  const failed = results.filter((r) => r.code !== 0);
  console.log(
    failed.length === 0
      ? 'All scenarios passed their verdicts.'
      : `FAILED: ${failed.map((r) => `${r.name} (exit ${r.code})`).join(', ')}`,
  );
  if (failed.length > 0) process.exitCode = 1;
}

void main();
