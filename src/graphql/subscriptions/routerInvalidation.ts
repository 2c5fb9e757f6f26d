import type { RecordChange } from '../../domain/changes';
import { systemClock, type Clock } from '../../platform/clock';
import type { Logger } from '../../platform/logger';
import { staleTags } from './cacheTags';

/**
 * Tells Apollo Router's response cache what a change made stale, so a router may cache for
 * minutes and still never serve a record later than the subgraph does (docs/subscriptions.md,
 * docs/federation.md). One POST per batch of changes to the router's invalidation endpoint:
 * `Authorization: <shared key>`, body `[{"kind":"cache_tag","subgraphs":["hypersoft"],
 * "cache_tag":"reservation-42"}, …]`.
 *
 * Never blocks the mirror: `notify` only adds tags to a pending set; one request is in flight
 * at a time and takes everything pending. A failed request (network, 5xx, 429) is retried
 * after 0.5 s, 1 s, 2 s … up to `maxAttempts` tries, its tags merged with newer ones; after
 * that they are dropped and logged (the router's TTLs still bound staleness). A 4xx (wrong
 * key, refused body) is not retried. More than `maxTags` pending tags become one invalidation
 * of the whole subgraph, which is exact too, only coarser.
 */
export interface RouterInvalidation {
  notify(changes: readonly RecordChange[]): void;
  /** Resolves when nothing is pending or in flight (tests, stop). */
  idle(): Promise<void>;
  stats(): { sent: number; failed: number; dropped: number };
  stop(): Promise<void>;
}

export interface RouterInvalidationOptions {
  url: string;
  sharedKey: string;
  subgraph: string;
  maxAttempts?: number;
  baseDelayMs?: number;
  maxTags?: number;
  /** Per-request timeout (default 5 s). */
  timeoutMs?: number;
  clock?: Clock;
  logger?: Logger;
}

type InvalidationRequest =
  | { kind: 'cache_tag'; subgraphs: string[]; cache_tag: string }
  | { kind: 'subgraph'; subgraph: string };

export function createRouterInvalidation(options: RouterInvalidationOptions): RouterInvalidation {
  const clock = options.clock ?? systemClock;
  const maxAttempts = options.maxAttempts ?? 5;
  const baseDelayMs = options.baseDelayMs ?? 500;
  const maxTags = options.maxTags ?? 1000;
  const timeoutMs = options.timeoutMs ?? 5000;
  let pending = new Set<string>();
  let wholeSubgraph = false;
  let attempt = 0;
  let running: Promise<void> | null = null;
  let cancelRetry: (() => void) | null = null;
  let waiters: (() => void)[] = [];
  let stopped = false;
  const counts = { sent: 0, failed: 0, dropped: 0 };

  function body(tags: Set<string>, whole: boolean): InvalidationRequest[] {
    if (whole) return [{ kind: 'subgraph', subgraph: options.subgraph }];
    return [...tags].map((tag) => ({
      kind: 'cache_tag',
      subgraphs: [options.subgraph],
      cache_tag: tag,
    }));
  }

  async function post(requests: InvalidationRequest[]): Promise<'ok' | 'retry' | 'refused'> {
    try {
      const response = await fetch(options.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: options.sharedKey },
        body: JSON.stringify(requests),
        signal: AbortSignal.timeout(timeoutMs),
      });
      await response.arrayBuffer();
      if (response.ok) return 'ok';
      return response.status >= 500 || response.status === 429 ? 'retry' : 'refused';
    } catch {
      return 'retry';
    }
  }

  function settle(): void {
    if (running || cancelRetry || pending.size > 0 || wholeSubgraph) return;
    const done = waiters;
    waiters = [];
    for (const resolve of done) resolve();
  }

  function send(): void {
    if (running || cancelRetry || stopped || (pending.size === 0 && !wholeSubgraph)) {
      settle();
      return;
    }
    const tags = pending;
    const whole = wholeSubgraph;
    pending = new Set();
    wholeSubgraph = false;
    running = (async () => {
      const outcome = await post(body(tags, whole));
      running = null;
      if (outcome === 'ok') {
        counts.sent++;
        attempt = 0;
        send();
        return;
      }
      counts.failed++;
      attempt++;
      if (outcome === 'refused' || attempt >= maxAttempts || stopped) {
        counts.dropped++;
        options.logger?.warn(
          { attempts: attempt, tags: whole ? 'whole subgraph' : tags.size, outcome },
          'router cache invalidation failed; its tags are dropped (the router TTLs bound staleness)',
        );
        attempt = 0;
        send();
        return;
      }
      // Retry what failed together with whatever came meanwhile.
      for (const tag of tags) pending.add(tag);
      wholeSubgraph ||= whole;
      trim();
      cancelRetry = clock.schedule(baseDelayMs * 2 ** (attempt - 1), () => {
        cancelRetry = null;
        send();
      });
    })();
  }

  function trim(): void {
    if (pending.size > maxTags) {
      pending = new Set();
      wholeSubgraph = true;
    }
  }

  return {
    notify(changes) {
      if (stopped) return;
      for (const change of changes) for (const tag of staleTags(change)) pending.add(tag);
      trim();
      send();
    },
    idle() {
      return new Promise((resolve) => {
        waiters.push(resolve);
        settle();
      });
    },
    stats: () => ({ ...counts }),
    async stop() {
      stopped = true;
      cancelRetry?.();
      cancelRetry = null;
      await running;
      pending.clear();
      wholeSubgraph = false;
      settle();
    },
  };
}
