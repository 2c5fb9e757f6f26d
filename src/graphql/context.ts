import { createLoaders, type Loaders } from '../data/loaders/loaders';
import { createRequestAccounting, type RequestAccountingRecorder } from '../data/accounting';
import type { Repository } from '../data/repository/types';
import type { Logger } from '../platform/logger';
import { systemClock } from '../platform/clock';
import { MemoryIdempotencyStore } from '../data/idempotency/store';
import type { Idempotency } from './idempotency';
import type { ChangeHub } from './subscriptions/hub';

/** Per-request GraphQL context; built fresh for each HTTP request. */
export interface Context {
  /** Per-request batching loaders for every read. */
  loaders: Loaders;
  /** Writes go straight to the data layer (they are neither batched nor cached per request). */
  repository: Repository;
  /** Epoch ms by which upstream work for this request must be done. */
  deadline: number;
  /** From `x-request-id` when the caller sent a sane one, else generated; in logs and errors. */
  requestId: string;
  logger: Logger;
  /** What this request cost upstream and how the cache served it (for its log line). */
  accounting: RequestAccountingRecorder;
  /** Where mutations keep their `idempotencyKey`s (shared by replicas when configured). */
  idempotency: Idempotency;
  /** The mirror's changes, for subscriptions; absent when nothing publishes them (`MIRROR=off`). */
  changes?: ChangeHub;
  /** Long-lived contexts (subscriptions): made new before each event (`renewContext`). */
  renew?: () => void;
}

export interface RequestContextDeps {
  repository: Repository;
  deadline: number;
  requestId: string;
  logger: Logger;
  /** Default: keys kept in this process (one store for every context built without one). */
  idempotency?: Idempotency;
  changes?: ChangeHub;
}

/** Keys of a process whose composition root gave no store (tests, tools). */
let processIdempotency: Idempotency | null = null;

/** A fresh context: new loaders, so nothing is memoized across requests. */
export function createRequestContext(deps: RequestContextDeps): Context {
  const accounting = createRequestAccounting();
  processIdempotency ??= { store: new MemoryIdempotencyStore(systemClock), holdMs: 60_000 };
  return {
    ...deps,
    idempotency: deps.idempotency ?? processIdempotency,
    accounting,
    loaders: createLoaders({ repository: deps.repository, deadline: deps.deadline, accounting }),
  };
}

/**
 * Makes a long-lived context (a subscription's) new before each event it resolves: fresh
 * loaders and accounting, so an event never sees a record memoized for an earlier one, and a
 * new deadline (`deadlineMs` from now).
 */
export function renewContext(context: Context, deadline: number): void {
  context.deadline = deadline;
  context.accounting = createRequestAccounting();
  context.loaders = createLoaders({
    repository: context.repository,
    deadline,
    accounting: context.accounting,
  });
}
