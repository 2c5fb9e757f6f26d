/**
 * `describe` for tests that need a real outside part (a server, a browser, a gateway) that
 * `found` located: `body` receives it. Without it the block is skipped with a warning naming
 * what is `missing` on a developer machine, or, under CI=true, replaced by one failing test
 * (`needs`: what the test needs to run): CI can never pass by not running it.
 */
export function describeWith<T>(
  name: string,
  found: T | null,
  missing: () => string,
  needs: string,
  body: (found: T) => void,
): void {
  if (found !== null) {
    describe(name, () => body(found));
    return;
  }
  const why = missing();
  if (process.env.CI === 'true') {
    describe(name, () => {
      it(`has ${needs}`, () => {
        throw new Error(`${why}; CI must run these tests.`);
      });
    });
    return;
  }
  console.warn(`Skipping "${name}": ${why}.`);
  describe.skip(name, () => body(undefined as T));
}
