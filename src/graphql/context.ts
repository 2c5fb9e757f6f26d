import { createLoaders, type Loaders } from '../data/loaders';
import { createRequestAccounting, type RequestAccountingRecorder } from '../data/accounting';
import type { Repository } from '../data/repository/types';
import type { Logger } from '../platform/logger';
import { systemClock } from '../platform/clock';
import { MemoryIdempotencyStore } from '../data/idempotency/store';
import type { Idempotency } from './idempotency';

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
}

export interface RequestContextDeps {
  repository: Repository;
  deadline: number;
  requestId: string;
  logger: Logger;
  /** Default: keys kept in this process (one store for every context built without one). */
  idempotency?: Idempotency;
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
