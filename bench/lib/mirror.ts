import { sleep } from './scenario';

/**
 * Waits until a subgraph's `/readyz` reports its mirror synced (every kind loaded), and says
 * how long that took. Returns at once when the subgraph runs without a mirror.
 */
export async function waitForMirror(
  graphqlUrl: string,
  timeoutMs = 180_000,
): Promise<{ waitedMs: number; state: string }> {
  const readyz = new URL('/readyz', graphqlUrl).toString();
  const started = performance.now();
  for (;;) {
    const body = (await fetch(readyz).then(
      (r) => r.json(),
      () => null,
    )) as { mirror?: { state?: string } } | null;
    const state = body?.mirror?.state ?? 'off';
    if (state === 'synced' || state === 'off')
      return { waitedMs: performance.now() - started, state };
    if (performance.now() - started > timeoutMs)
      return { waitedMs: performance.now() - started, state };
    await sleep(250);
  }
}
