import { Api300Error } from '../errors';
import type { RequestAccounting } from '../accounting';
import type { UpstreamGate } from './gate';
import type { Waiter } from './queue';
import { outranks, type Priority, type ReadOptions } from '../options';
import { API300_MAX_RECORDS } from '../../domain/models';
import { type Api300, type Api300Operation } from '../api300/types';

/**
 * Coalescing of keyed reads: the misses of all concurrent callers for one read
 * (e.g. customers by number) merge into one upstream call of up to `maxKeys` keys
 * (`API300_MAX_RECORDS` by default).
 *
 * - Keys asked in the same turn of the event loop go out together.
 * - While the batch waits in the gate's queue for budget, every further caller's keys join
 *   it, so under pressure each call carries more keys (up to 500; the rest form the next
 *   batch at once).
 * - A key already on its way upstream is not asked again: the caller waits for that reply
 *   (single flight per key).
 * - Each caller keeps its own deadline and priority: the batch waits at the highest priority
 *   among its callers, and the gate sheds only the callers whose deadline it cannot meet.
 * - A key missing from the reply does not exist; the caller's map simply lacks it.
 * - A failed batch rejects every caller with a key in it.
 * - A caller never waits past its deadline: while its keys wait for budget the gate sheds it
 *   (`UPSTREAM_RATE_LIMITED`; if the gate has not by shortly after the deadline — its wake-up
 *   late on a busy event loop, its quota store hung — the caller's own timer does, with the
 *   same code); once they are on their way it is rejected with a retryable
 *   `UPSTREAM_UNAVAILABLE` shortly after the deadline, and the call goes on for the others
 *   (its answer still reaches `onFetched`, i.e. the cache).
 */

export type GatedCall = <T>(
  operation: Api300Operation,
  invoke: (api: Api300) => Promise<T>,
) => Promise<T>;

export interface CoalescerSpec<K, V> {
  /** Most keys per batch (default `API300_MAX_RECORDS`, API300's cap per list). */
  maxKeys?: number;
  /**
   * Reads `keys` upstream through `call`, one gated upstream call per use: the first uses the
   * slot the batch was granted, later ones (further pages) wait for budget again at the
   * batch's priority and latest deadline. Keys missing from the result do not exist.
   */
  fetch(keys: K[], call: GatedCall): Promise<Map<K, V>>;
  /** Told once per successful batch what upstream answered (the entity cache stores it). */
  onFetched?(keys: readonly K[], found: ReadonlyMap<K, V>): void;
}

/** How long after its deadline a caller stops waiting for a call already on its way. */
const DEADLINE_GRACE_MS = 50;

interface LoadRequest<K, V> {
  priority: Priority;
  deadline: number;
  accounting?: RequestAccounting;
  found: Map<K, V>;
  remaining: number;
  settled: boolean;
  cancelDeadline(): void;
  resolve(found: Map<K, V>): void;
  reject(error: unknown): void;
}

export class Coalescer<K, V> {
  private readonly maxKeys: number;
  /** Keys waiting for budget, with the requests that want them (insertion order = age). */
  private readonly pending = new Map<K, LoadRequest<K, V>[]>();
  /** Keys of batches on their way upstream. */
  private readonly inflight = new Map<K, LoadRequest<K, V>[]>();
  private queued = false;
  private flushScheduled = false;

  constructor(
    private readonly gate: UpstreamGate,
    private readonly spec: CoalescerSpec<K, V>,
  ) {
    this.maxKeys = spec.maxKeys ?? API300_MAX_RECORDS;
  }

  /** Resolves to the found keys of `keys` (duplicates asked once). */
  load(keys: readonly K[], options: ReadOptions): Promise<Map<K, V>> {
    const unique = [...new Set(keys)];
    if (unique.length === 0) return Promise.resolve(new Map());
    return new Promise((resolve, reject) => {
      const request: LoadRequest<K, V> = {
        priority: options.priority ?? 'read',
        deadline: options.deadline,
        accounting: options.accounting,
        found: new Map(),
        remaining: unique.length,
        settled: false,
        cancelDeadline: () => {},
        resolve,
        reject,
      };
      const clock = this.gate.clock;
      request.cancelDeadline = clock.schedule(
        options.deadline + DEADLINE_GRACE_MS - clock.now(),
        () =>
          settle(
            request,
            // Keys on their way: API300 is late. Keys still waiting: the budget had no room
            // in time (the gate sheds such callers itself, unless its own wake-up came late).
            unique.some((key) => this.inflight.get(key)?.includes(request))
              ? new Api300Error(
                  'UPSTREAM_UNAVAILABLE',
                  'API300 did not answer before the request deadline',
                  { retryable: true },
                )
              : this.gate.budgetRefusal(),
          ),
      );
      let waits = false;
      for (const key of unique) {
        const flying = this.inflight.get(key);
        if (flying) {
          flying.push(request);
          continue;
        }
        const list = this.pending.get(key);
        if (list) list.push(request);
        else this.pending.set(key, [request]);
        waits = true;
      }
      if (!waits) return;
      if (this.queued) this.gate.reconsider();
      else this.scheduleFlush();
    });
  }

  /** Keys waiting for budget right now (for tests and stats). */
  get pendingKeys(): number {
    return this.pending.size;
  }

  private scheduleFlush(): void {
    if (this.queued || this.flushScheduled) return;
    this.flushScheduled = true;
    // After the current turn: callers of the same tick (DataLoader batches of concurrent
    // requests) land in one batch.
    setImmediate(() => {
      this.flushScheduled = false;
      this.enqueue();
    });
  }

  private enqueue(): void {
    if (this.queued || this.pending.size === 0) return;
    this.queued = true;
    this.gate.enqueue(this.waiter());
  }

  private waitingRequests(): Set<LoadRequest<K, V>> {
    const requests = new Set<LoadRequest<K, V>>();
    for (const list of this.pending.values()) for (const r of list) if (!r.settled) requests.add(r);
    return requests;
  }

  private waiter(): Waiter {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const lane = this;
    return {
      get priority(): Priority {
        let best: Priority = 'background';
        for (const r of lane.waitingRequests()) if (outranks(r.priority, best)) best = r.priority;
        return best;
      },
      get earliestDeadline(): number {
        let earliest = Infinity;
        for (const r of lane.waitingRequests()) earliest = Math.min(earliest, r.deadline);
        return earliest;
      },
      shed(by: number, error: Api300Error): boolean {
        for (const r of lane.waitingRequests()) if (r.deadline < by) settle(r, error);
        lane.dropSettled();
        if (lane.pending.size === 0) lane.queued = false;
        return lane.pending.size > 0;
      },
      grant(): void {
        lane.queued = false;
        lane.startBatch();
      },
    };
  }

  private dropSettled(): void {
    for (const [key, list] of this.pending) {
      const live = list.filter((r) => !r.settled);
      if (live.length === 0) this.pending.delete(key);
      else if (live.length !== list.length) this.pending.set(key, live);
    }
  }

  private startBatch(): void {
    this.dropSettled();
    const keys: K[] = [];
    for (const [key, list] of this.pending) {
      if (keys.length === this.maxKeys) break;
      keys.push(key);
      this.inflight.set(key, list);
      this.pending.delete(key);
    }
    if (this.pending.size > 0) this.enqueue();
    if (keys.length === 0) return;

    const requests = new Set<LoadRequest<K, V>>();
    for (const key of keys) for (const r of this.inflight.get(key) ?? []) requests.add(r);
    let priority: Priority = 'background';
    let deadline = -Infinity;
    const accounting = new Set<RequestAccounting>();
    for (const r of requests) {
      if (outranks(r.priority, priority)) priority = r.priority;
      deadline = Math.max(deadline, r.deadline);
      if (r.accounting) accounting.add(r.accounting);
    }
    let first = true;
    const call: GatedCall = (operation, invoke) => {
      const haveSlot = first;
      first = false;
      return this.gate.execute(
        operation,
        { priority, deadline, accounting: [...accounting] },
        invoke,
        haveSlot,
      );
    };

    this.spec.fetch(keys, call).then(
      (found) => {
        this.spec.onFetched?.(keys, found);
        for (const key of keys) {
          const list = this.inflight.get(key) ?? [];
          this.inflight.delete(key);
          for (const r of list) {
            if (r.settled) continue;
            if (found.has(key)) r.found.set(key, found.get(key) as V);
            if (--r.remaining === 0) {
              r.settled = true;
              r.cancelDeadline();
              r.resolve(r.found);
            }
          }
        }
      },
      (error: unknown) => {
        for (const key of keys) {
          const list = this.inflight.get(key) ?? [];
          this.inflight.delete(key);
          for (const r of list) settle(r, error);
        }
      },
    );
  }
}

function settle<K, V>(request: LoadRequest<K, V>, error: unknown): void {
  if (request.settled) return;
  request.settled = true;
  request.cancelDeadline();
  request.reject(error);
}
