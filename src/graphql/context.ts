import { createLoaders, type Loaders } from '../data/loaders';
import { createRequestAccounting, type RequestAccountingRecorder } from '../data/accounting';
import type { Repository } from '../data/repository/types';
import type { Logger } from '../platform/logger';

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
}

export interface RequestContextDeps {
  repository: Repository;
  deadline: number;
  requestId: string;
  logger: Logger;
}

/** A fresh context: new loaders, so nothing is memoized across requests. */
export function createRequestContext(deps: RequestContextDeps): Context {
  const accounting = createRequestAccounting();
  return {
    ...deps,
    accounting,
    loaders: createLoaders({ repository: deps.repository, deadline: deps.deadline, accounting }),
  };
}
