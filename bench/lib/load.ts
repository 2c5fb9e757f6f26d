import type { GraphQLAnswer } from './graphql';

/**
 * A closed-loop load driver: `clients` loops, each sending its next request as soon as the
 * previous one is answered, until `durationMs` has passed or `total` requests were started
 * (whichever comes first). Used by the benchmarks and the fault tests; autocannon is used
 * only where raw throughput of one fixed request is measured (hot reads).
 */

export interface LoadOptions {
  clients: number;
  /** Stop starting requests after this long. */
  durationMs?: number;
  /** Keeps starting requests past `durationMs` while this returns true (a scenario's steps). */
  extendWhile?(): boolean;
  /** Stop after this many requests in all (each gets a distinct `index` from 0). */
  total?: number;
  /** Stop starting requests once this says so (a scenario that ends the load on an event). */
  stopped?: () => boolean;
  /** Sends request number `index` for client `client`. Must not throw. */
  request(client: number, index: number): Promise<GraphQLAnswer>;
  /** Called with every answer as it comes (e.g. to act mid-load). */
  onAnswer?(answer: GraphQLAnswer, index: number): void;
}

export interface AnswerRecord {
  index: number;
  client: number;
  outcome: string;
  status: number;
  latencyMs: number;
  /** ms since the load started. */
  startedAtMs: number;
}

export interface LoadReport {
  answers: AnswerRecord[];
  /** Answers per outcome (`data`, error codes, `HTTP_<status>`, `TIMEOUT`, `NETWORK`). */
  outcomes: Record<string, number>;
  latency: LatencySummary;
  wallMs: number;
  requestsPerSecond: number;
}

export interface LatencySummary {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  if (options.durationMs === undefined && options.total === undefined)
    throw new Error('runLoad needs durationMs or total');
  const started = performance.now();
  const elapsed = () => performance.now() - started;
  const answers: AnswerRecord[] = [];
  let next = 0;
  const more = () =>
    !options.stopped?.() &&
    (options.total === undefined || next < options.total) &&
    (options.durationMs === undefined ||
      elapsed() < options.durationMs ||
      options.extendWhile?.() === true);

  async function client(id: number): Promise<void> {
    while (more()) {
      const index = next++;
      const startedAtMs = elapsed();
      const answer = await options.request(id, index);
      answers.push({
        index,
        client: id,
        outcome: answer.outcome,
        status: answer.status,
        latencyMs: answer.latencyMs,
        startedAtMs,
      });
      options.onAnswer?.(answer, index);
    }
  }

  await Promise.all(Array.from({ length: options.clients }, (_, id) => client(id)));
  const wallMs = elapsed();
  return {
    answers,
    outcomes: countOutcomes(answers),
    latency: summarizeLatencies(answers.map((a) => a.latencyMs)),
    wallMs,
    requestsPerSecond: (answers.length * 1000) / wallMs,
  };
}

export function countOutcomes(answers: readonly { outcome: string }[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { outcome } of answers) counts[outcome] = (counts[outcome] ?? 0) + 1;
  return counts;
}

/** Nearest-rank percentiles; all zero for no samples. */
export function summarizeLatencies(latencies: readonly number[]): LatencySummary {
  const sorted = [...latencies].sort((a, b) => a - b);
  const rank = (p: number) =>
    sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
  return { p50: rank(0.5), p95: rank(0.95), p99: rank(0.99), max: sorted[sorted.length - 1] ?? 0 };
}
