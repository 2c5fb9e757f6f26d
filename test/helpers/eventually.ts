/**
 * Resolves once `condition` holds, polling every 10 ms; rejects after `timeoutMs` naming
 * `what`. The tests' one way to wait for something they cannot be told of: bounded, so a
 * wait that never ends fails with what it waited for instead of the test's timeout.
 */
export async function eventually(
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 5_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
