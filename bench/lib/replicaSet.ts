import type { RunningSimulator } from '../../src/simulator';
import { createBenchDatabase } from './postgres';
import { forkSubgraph, startRedisServer, type ChildServer } from './processes';
import { subgraphEnv } from './scenario';

/**
 * `replicas` subgraph processes against `sim` with `env` added: more than one share a
 * throwaway Redis (one budget); `MIRROR_DATABASE_URL=new` gives them a throwaway PostgreSQL
 * database (one shared mirror). `stop()` ends the replicas, then Redis and the database.
 */
export async function startReplicaSet(
  sim: RunningSimulator,
  replicas: number,
  env: Record<string, string>,
  /** Fork every replica at once (a cold start of all of them) instead of one after another. */
  together = false,
): Promise<{ subgraphs: ChildServer[]; env: Record<string, string>; stop(): Promise<void> }> {
  const shared: Record<string, string> = { ...env };
  const cleanups: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };
  try {
    if (replicas > 1 && !shared.REDIS_URL) {
      const redis = await startRedisServer();
      cleanups.push(() => redis.stop());
      shared.REDIS_URL = redis.url;
    }
    if (shared.MIRROR_DATABASE_URL === 'new') {
      const database = await createBenchDatabase();
      cleanups.push(() => database.drop());
      shared.MIRROR_DATABASE_URL = database.url;
    }
    const subgraphs: ChildServer[] = [];
    const fork = async (): Promise<void> => {
      const subgraph = await forkSubgraph(subgraphEnv(sim, shared));
      cleanups.push(() => subgraph.stop());
      subgraphs.push(subgraph);
    };
    if (together) {
      const forked = await Promise.allSettled(Array.from({ length: replicas }, fork));
      const failed = forked.find((f) => f.status === 'rejected');
      if (failed) throw failed.reason;
    } else for (let i = 0; i < replicas; i++) await fork();
    return { subgraphs, env: shared, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
