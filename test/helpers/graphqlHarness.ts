import { loadConfig } from '../../src/config';
import { createRequestContext } from '../../src/graphql/context';
import { createApp } from '../../src/graphql/server';
import { FakeRepository } from './fakeRepository';

/** Response JSON as tests read it: shapes are asserted by the tests, not by types. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = Record<string, any>;

export interface Result {
  data?: Json | null;
  errors?: readonly { message: string; extensions?: Json }[];
}

const silent = { info() {}, warn() {}, error() {} };

/**
 * Runs operations through the real schema, resolvers and error formatting (no HTTP) against
 * a FakeRepository. Each `run` is one GraphQL request with fresh loaders.
 */
export async function createHarness(fake = new FakeRepository()) {
  const app = await createApp({ config: loadConfig({}), repository: fake });
  async function run(query: string, variables?: Record<string, unknown>): Promise<Result> {
    const contextValue = createRequestContext({
      repository: fake,
      deadline: Date.now() + 10_000,
      requestId: 'test',
      logger: silent,
    });
    const response = await app.apollo.executeOperation({ query, variables }, { contextValue });
    if (response.body.kind !== 'single') throw new Error('expected a single result');
    return response.body.singleResult;
  }
  return { fake, run, stop: () => app.stop() };
}

export type Harness = Awaited<ReturnType<typeof createHarness>>;

/**
 * A fresh harness for every test of the calling `describe`/file, over a FakeRepository that
 * `seed` fills; read it through the returned getter inside tests.
 */
export function useHarness(seed: (fake: FakeRepository) => void = () => {}): () => Harness {
  let current: Harness | undefined;
  beforeEach(async () => {
    const fake = new FakeRepository();
    seed(fake);
    current = await createHarness(fake);
  });
  afterEach(async () => {
    await current?.stop();
    current = undefined;
  });
  return () => {
    if (!current) throw new Error('useHarness: only available inside a test');
    return current;
  };
}
