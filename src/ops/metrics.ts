import type { ApolloServerPlugin } from '@apollo/server';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { BREAKER_STATES } from '../data/gate/breaker';
import type { Priority } from '../data/options';
import { RECORD_KINDS } from '../data/mirror/types';
import type { ObservableDataPath } from '../data/stats';
import type { SubscriptionStats } from '../graphql/subscriptions/transports';
import { operationNameOf } from './operationName';
import { readOnlyRoute, type Route } from './routes';

/**
 * Prometheus metrics of one app, on a registry of its own (never prom-client's global one, so
 * several apps — and tests — can live in one process). Data-path metrics are read from
 * `dataPath.stats()` at scrape time; GraphQL durations are observed by `plugin`; queue wait
 * times are pushed by the gate through `recordQueueWait`. docs/operations.md lists them all.
 */

export interface MetricsDeps {
  /** State of the cache and gate; without it the upstream and cache metrics are left out. */
  dataPath?: ObservableDataPath;
  /** The subscriptions' numbers (`null` while there are none to show); without it, no subscription metrics. */
  subscriptions?: { stats(): (SubscriptionStats & { slowConsumers: number }) | null };
  /** Node process metrics (CPU, memory, event loop lag, GC) — default true. */
  processMetrics?: boolean;
  /**
   * Most distinct operation names labelled in the duration histogram (default 100). Names
   * are client-chosen: later ones share the label `__other`, so a client cannot blow up the
   * number of series.
   */
  maxOperationLabels?: number;
  /** Monotonic clock in ms for request durations (default `performance.now`). */
  now?: () => number;
}

export interface Metrics {
  registry: Registry;
  /** `GET /metrics` in Prometheus text format; returns false for any other path. */
  route: Route;
  /** Observes every GraphQL request's duration by operation, type and outcome. */
  plugin: ApolloServerPlugin;
  /** For the gate: how long one call waited in the queue before it got budget. */
  recordQueueWait(waitMs: number, priority: Priority): void;
}

export const METRICS_PATH = '/metrics';
const PREFIX = 'hypersoft_';
export const OTHER_OPERATION = '__other';
export const ANONYMOUS_OPERATION = '__anonymous';

export function createMetrics(deps: MetricsDeps = {}): Metrics {
  const registry = new Registry();
  const now = deps.now ?? (() => performance.now());
  if (deps.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  if (deps.dataPath) registerDataPathMetrics(registry, deps.dataPath);
  if (deps.subscriptions) registerSubscriptionMetrics(registry, deps.subscriptions);

  const queueWait = new Histogram({
    name: `${PREFIX}upstream_queue_wait_seconds`,
    help: 'Time an upstream call waited in the gate queue for budget, by priority',
    labelNames: ['priority'],
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  const requestDuration = new Histogram({
    name: `${PREFIX}graphql_request_duration_seconds`,
    help: 'GraphQL request duration by operation name (bounded), operation type and outcome',
    labelNames: ['operation', 'type', 'outcome'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });

  const labelled = new Set<string>();
  const maxLabels = deps.maxOperationLabels ?? 100;
  const operationLabel = (name: string | null): string => {
    if (name === null) return ANONYMOUS_OPERATION;
    if (labelled.has(name)) return name;
    if (labelled.size >= maxLabels) return OTHER_OPERATION;
    labelled.add(name);
    return name;
  };

  const plugin: ApolloServerPlugin = {
    async requestDidStart() {
      const started = now();
      return {
        async willSendResponse(requestContext) {
          const body = requestContext.response.body;
          const failed =
            (requestContext.errors?.length ?? 0) > 0 ||
            (body.kind === 'single' && (body.singleResult.errors?.length ?? 0) > 0);
          requestDuration.observe(
            {
              operation: operationLabel(operationNameOf(requestContext)),
              type: requestContext.operation?.operation ?? 'unknown',
              outcome: failed ? 'error' : 'ok',
            },
            (now() - started) / 1000,
          );
        },
      };
    },
  };

  return {
    registry,
    route: readOnlyRoute([METRICS_PATH], async (_path, req, res) => {
      const text = await registry.metrics();
      res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : text);
    }),
    plugin,
    recordQueueWait(waitMs, priority) {
      queueWait.observe({ priority }, Math.max(0, waitMs) / 1000);
    },
  };
}

/** Gauges and counters whose values are taken from `stats()` when Prometheus scrapes. */
function registerDataPathMetrics(registry: Registry, dataPath: ObservableDataPath): void {
  const registers = [registry];
  new Counter({
    name: `${PREFIX}upstream_calls_total`,
    help: 'API300 calls started, by operation and outcome (ok, refused, unavailable, auth)',
    labelNames: ['operation', 'outcome'],
    registers,
    collect() {
      this.reset();
      for (const { operation, outcome, count } of dataPath.stats().upstream.calls) {
        this.inc({ operation, outcome }, count);
      }
    },
  });
  new Gauge({
    name: `${PREFIX}upstream_budget_remaining`,
    help: 'Upstream calls the quota still allows in the current rolling 60 s window',
    registers,
    collect() {
      this.set(dataPath.stats().upstream.budgetLeft);
    },
  });
  new Gauge({
    name: `${PREFIX}upstream_queue_length`,
    help: 'Upstream reads and writes waiting in the gate queue for budget',
    registers,
    collect() {
      this.set(dataPath.stats().upstream.queueLength);
    },
  });
  new Gauge({
    name: `${PREFIX}upstream_breaker_state`,
    help: 'Circuit breaker in front of API300: 1 for the current state, 0 for the others',
    labelNames: ['state'],
    registers,
    collect() {
      const current = dataPath.stats().upstream.breaker;
      for (const state of BREAKER_STATES) this.set({ state }, state === current ? 1 : 0);
    },
  });
  new Gauge({
    name: `${PREFIX}upstream_quota_hold_seconds`,
    help: 'Seconds until the quota grants calls again while the calls of the last window are unknown (a first start, a lost Redis log); 0 when not held',
    registers,
    collect() {
      const hold = dataPath.stats().quota?.hold;
      this.set(hold ? Math.max(0, (hold.until - Date.now()) / 1000) : 0);
    },
  });
  registerMirrorMetrics(registry, dataPath);
  new Counter({
    name: `${PREFIX}cache_lookups_total`,
    help: 'Entity cache lookups by result: hit (fresh), miss (read upstream), stale (served past TTL)',
    labelNames: ['result'],
    registers,
    collect() {
      const { hits, misses, staleServes } = dataPath.stats().cache;
      this.reset();
      this.inc({ result: 'hit' }, hits);
      this.inc({ result: 'miss' }, misses);
      this.inc({ result: 'stale' }, staleServes);
    },
  });
}

const TRANSPORTS = ['websocket', 'sse', 'callback'] as const;

/** Subscriptions by transport, events sent, slow consumers ended, callbacks taken over. */
function registerSubscriptionMetrics(
  registry: Registry,
  source: NonNullable<MetricsDeps['subscriptions']>,
): void {
  const registers = [registry];
  new Gauge({
    name: `${PREFIX}subscriptions_active`,
    help: 'Subscriptions this replica runs now, by transport (websocket: graphql-ws operations)',
    labelNames: ['transport'],
    registers,
    collect() {
      const stats = source.stats();
      for (const transport of TRANSPORTS) this.set({ transport }, stats?.active[transport] ?? 0);
    },
  });
  new Counter({
    name: `${PREFIX}subscription_events_delivered_total`,
    help: 'Subscription events sent to subscribers, by transport',
    labelNames: ['transport'],
    registers,
    collect() {
      const stats = source.stats();
      this.reset();
      for (const transport of TRANSPORTS) this.inc({ transport }, stats?.delivered[transport] ?? 0);
    },
  });
  new Counter({
    name: `${PREFIX}subscriptions_slow_consumers_total`,
    help: 'Subscriptions ended because they fell SUBSCRIPTIONS_BUFFER events behind',
    registers,
    collect() {
      this.reset();
      this.inc(source.stats()?.slowConsumers ?? 0);
    },
  });
  new Counter({
    name: `${PREFIX}callback_subscriptions_taken_over_total`,
    help: 'Callback subscriptions this replica carried on after the replica that held them ended',
    registers,
    collect() {
      this.reset();
      this.inc(source.stats()?.callbacksTakenOver ?? 0);
    },
  });
}

/** The mirror's records, freshness and sync work per kind, read from `stats().mirror`. */
function registerMirrorMetrics(registry: Registry, dataPath: ObservableDataPath): void {
  const registers = [registry];
  const kinds = () => {
    const mirror = dataPath.stats().mirror;
    return mirror ? RECORD_KINDS.map((kind) => ({ kind, mirror, sync: mirror.kinds[kind] })) : [];
  };
  new Gauge({
    name: `${PREFIX}mirror_records`,
    help: 'Records the local mirror holds, by kind',
    labelNames: ['kind'],
    registers,
    collect() {
      for (const { kind, mirror } of kinds()) this.set({ kind }, mirror.records[kind]);
    },
  });
  new Gauge({
    name: `${PREFIX}mirror_ready`,
    help: 'Whether the mirror answers reads of a kind (1) or they go read-through (0)',
    labelNames: ['kind'],
    registers,
    collect() {
      for (const { kind, sync } of kinds())
        this.set(
          { kind },
          sync && sync.phase !== 'loading' && sync.phase !== 'licence-missing' ? 1 : 0,
        );
    },
  });
  new Gauge({
    name: `${PREFIX}mirror_lag_seconds`,
    help: 'How far the mirror is behind API300, by kind (API300 clock minus the watermark)',
    labelNames: ['kind'],
    registers,
    collect() {
      for (const { kind, sync } of kinds())
        if (sync?.lagSeconds !== null && sync?.lagSeconds !== undefined)
          this.set({ kind }, sync.lagSeconds);
    },
  });
  const counter = (
    name: string,
    help: string,
    value: (s: NonNullable<ReturnType<typeof kinds>[number]['sync']>) => number,
  ) =>
    new Counter({
      name: `${PREFIX}mirror_${name}`,
      help,
      labelNames: ['kind'],
      registers,
      collect() {
        this.reset();
        for (const { kind, sync } of kinds()) if (sync) this.inc({ kind }, value(sync));
      },
    });
  counter('sync_calls_total', 'Upstream calls the mirror sync made, by kind', (s) => s.calls);
  counter(
    'records_applied_total',
    'Records the sync applied to the mirror, by kind',
    (s) => s.applied,
  );
  counter(
    'records_skipped_total',
    'Records API300 sent that did not map and were skipped, by kind',
    (s) => s.skipped,
  );
  counter(
    'records_removed_total',
    'Records removed because they vanished in the POS (reconciliation), by kind',
    (s) => s.removed,
  );
  new Gauge({
    name: `${PREFIX}mirror_last_reconciliation_timestamp_seconds`,
    help: 'When the last complete reconciliation of a kind finished (Unix seconds)',
    labelNames: ['kind'],
    registers,
    collect() {
      for (const { kind, sync } of kinds())
        if (sync?.lastReconciliation)
          this.set({ kind }, sync.lastReconciliation.at.getTime() / 1000);
    },
  });
  new Gauge({
    name: `${PREFIX}mirror_syncing`,
    help: 'Whether this replica runs the mirror sync (1) or follows the shared store (0)',
    registers,
    collect() {
      const mirror = dataPath.stats().mirror;
      if (mirror) this.set(mirror.syncing ? 1 : 0);
    },
  });
}
