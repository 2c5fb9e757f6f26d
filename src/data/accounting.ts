import type { Api300Operation } from '../domain/operations';

/**
 * Per-request accounting: what one GraphQL request cost upstream and how the cache served it,
 * for its log line (the request log plugin reads `contextValue.accounting`).
 *
 * Wiring: `createRequestContext` creates one per request and puts it on the Context; the
 * loaders pass it down in `ReadOptions.accounting`; the entity cache reports
 * every lookup with `cache(...)`, the gate reports every call that carried keys of this
 * request with `upstreamCall(...)`. A coalesced call serving several requests counts once in
 * each of them, so the per-request numbers may add up to more than the calls made.
 */
export interface RequestAccounting {
  upstreamCall(operation: Api300Operation): void;
  cache(result: 'hit' | 'miss' | 'stale', count?: number): void;
}

export interface AccountingSnapshot {
  upstreamCalls: number;
  cacheHits: number;
  cacheMisses: number;
  staleServes: number;
}

export interface RequestAccountingRecorder extends RequestAccounting {
  snapshot(): AccountingSnapshot;
}

export function createRequestAccounting(): RequestAccountingRecorder {
  const totals: AccountingSnapshot = {
    upstreamCalls: 0,
    cacheHits: 0,
    cacheMisses: 0,
    staleServes: 0,
  };
  return {
    upstreamCall() {
      totals.upstreamCalls += 1;
    },
    cache(result, count = 1) {
      if (result === 'hit') totals.cacheHits += count;
      else if (result === 'miss') totals.cacheMisses += count;
      else totals.staleServes += count;
    },
    snapshot: () => ({ ...totals }),
  };
}
