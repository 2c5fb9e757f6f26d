import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { describeWith } from './describeWith';

/**
 * Headless Chromium for browser tests: Debian's `chromium` package (`.ci/run` installs it),
 * driven by playwright-core, which never downloads a browser of its own.
 *
 * Where Chromium is missing, browser tests are skipped with a warning on a developer machine
 * and fail loudly under `CI=true`, so CI can never pass by not running them.
 */

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

/** `CHROMIUM_PATH` when set (and it must then exist), else the first installed candidate. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.CHROMIUM_PATH) return existsSync(env.CHROMIUM_PATH) ? env.CHROMIUM_PATH : null;
  return CANDIDATES.find((path) => existsSync(path)) ?? null;
}

/**
 * Flags for a quiet, reproducible browser: no sandbox (containers run tests as root), no GPU,
 * and nothing of its own on the network (no QUIC, background updates, sync or first-run calls),
 * so tests see only the requests the page makes. Playwright adds a fresh temporary
 * `--user-data-dir` per launch and removes it on close.
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function launchChromium(executablePath: string): Promise<Browser> {
  return chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
}

/**
 * `describe` for tests that need Chromium: `body` receives the executable path. Without
 * Chromium the block is skipped with a warning, or, under CI=true, replaced by a failing test.
 */
export function describeInChromium(name: string, body: (executablePath: string) => void): void {
  describeWith(
    name,
    findChromium(),
    () =>
      'Chromium not found (set CHROMIUM_PATH or install Debian\'s "chromium" package: apt-get install -y chromium)',
    'Chromium to run in',
    body,
  );
}
