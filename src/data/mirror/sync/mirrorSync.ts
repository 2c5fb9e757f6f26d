import { repeatedHourEndedBefore, widenChangedSince } from '../../../domain/berlinTime';
import type { KeyedKind, Station } from '../../../domain/models';
import type { Clock } from '../../../platform/clock';
import { createLogger, type Logger } from '../../../platform/logger';
import type { Api300, Api300Operation, Api300Page } from '../../api300/types';
import { Api300Error } from '../../errors';
import { opensBreaker } from '../../gate/breaker';
import type { UpstreamGate } from '../../gate/gate';
import type { Priority } from '../../options';
import {
  LeaseLostError,
  type KindState,
  type MirrorApplyOptions,
  type MirrorBatch,
  type MirrorIndex,
  type RecordKind,
  type MirrorStore,
  type RecordOf,
} from '../types';
import { BudgetTicket, SyncBudget, SyncStoppedError } from './budget';
import { ADAPTERS, type PagedKindAdapter } from './kinds';
import { MirrorSyncOptions, ResolvedSyncOptions, resolveSyncOptions } from './options';
import { readPass, type PageRequest } from './paging';

const DAY_MS = 86_400_000;
/** A promoted call may wait a whole window: the quota frees a slot within 60 s. */
const PROMOTED_WAIT_MS = 65_000;
/** The priorities a sync call climbs when the gate sheds it unserved (see `call`). */
const ESCALATION = ['sync', 'read', 'urgent'] as const satisfies readonly Priority[];

/** What the sync needs of the gate (the real `UpstreamGate` in production and tests). */
export type SyncGate = Pick<UpstreamGate, 'call' | 'breaker'>;

/**
 * Who may sync a shared store: the leader lease (`LeaderLease` of the PostgreSQL store
 * fits). Without one the sync always leads (a local store).
 */
export interface SyncLeadership {
  /** Computed on every look; asked before every upstream call. */
  isLeader(): boolean;
  /** The fencing epoch while leading, else `null`: every store write of the sync carries it. */
  readonly epoch: number | null;
  onChange(listener: (leading: boolean, epoch: number | null) => void): () => void;
}

/** This replica does not lead (or lost the lease): it makes no call and writes nothing. */
class NotLeadingError extends Error {
  override readonly name = 'NotLeadingError';
}

/**
 * - `loading`: the initial load runs (`loaded` of `total` records so far).
 * - `synced`: loaded, the last pass succeeded and the lag is within `laggingAfterMs`.
 * - `lagging`: loaded, but the lag is above it (budget busy, passes slow).
 * - `failed`: the last pass failed (`lastError`); the kind backs off and tries again.
 * - `licence-missing`: the token pair lacks the kind's licence; asked again hourly.
 * - `paused`: the sync is stopped, or the breaker is open (no call until it closes).
 */
export type SyncPhase = 'loading' | 'synced' | 'lagging' | 'failed' | 'licence-missing' | 'paused';

export interface KindSyncStatus {
  phase: SyncPhase;
  /** During the initial load: records read so far and the latest TotalCount. */
  progress: { loaded: number; total: number | null } | null;
  /** API300's clock the held records are complete up to (see `KindState.watermark`). */
  watermark: Date | null;
  /**
   * Seconds the mirror may be behind the POS: API300's clock now (its last reported
   * ServerDateTime plus the local time since; the local clock before any reply) minus the
   * watermark. `null` before the initial load. Grows while the breaker is open.
   */
  lagSeconds: number | null;
  /** Code of the last failure (`Api300Error.code`), `null` once a pass succeeds. */
  lastError: string | null;
  /** The licence API300 named as missing, or `null`. */
  licenceMissing: string | null;
  /** Upstream calls the sync made for this kind (gate retries included). */
  calls: number;
  /** Records that changed the mirror (index `apply` counts). */
  applied: number;
  /** Records that did not map and were left out. */
  skipped: number;
  /** Records removed because they vanished in the POS (or, reservations, left the window). */
  removed: number;
  /** Records a full read found missing or at another `changed` and replaced. */
  repaired: number;
  /** Passes that could have skipped a record (paging.ts) and were read again. */
  unsoundPasses: number;
  lastReconciliation: { at: Date; removed: number; repaired: number } | null;
}

export interface MirrorSyncStatus {
  running: boolean;
  /** Whether this replica syncs: `true` without a leader lease. */
  leading: boolean;
  /** Calls the sync may hold in any 60 s, and how many it holds now. */
  callsPerMinute: number;
  callsInWindow: number;
  kinds: Partial<Record<RecordKind, KindSyncStatus>>;
}

export interface MirrorSync {
  /** Starts one task per kind; a second call does nothing. */
  start(): void;
  /**
   * Stops every task and timer. Awaits calls already running upstream (their results are
   * dropped); a call still queued in the gate is abandoned and, if the gate grants it later,
   * fails without reaching API300. Stop the sync before closing the gate and the store.
   */
  stop(): Promise<void>;
  /** Cheap and synchronous (metrics read it on scrape). */
  status(): MirrorSyncStatus;
  /** The kind's initial load is complete and its licence present: the mirror can answer for it. */
  ready(kind: RecordKind): boolean;
  /**
   * The kinds' states as another writer stored them (the store follower's `onStates`). Taken
   * while this replica does not lead, so that when it becomes the leader it resumes from the
   * last leader's watermarks; ignored while it leads (its own fenced writes are the truth).
   */
  adoptStates(states: Partial<Record<RecordKind, KindState>>): void;
}

export interface MirrorSyncDeps {
  gate: SyncGate;
  index: MirrorIndex;
  store: MirrorStore;
  clock: Clock;
  logger?: Logger;
  options: MirrorSyncOptions;
  /** The kinds' states as the store held them (`MirrorSnapshot.states`), to resume from. */
  states?: Partial<Record<RecordKind, KindState>>;
  /**
   * A shared store's leader lease: only the leader calls API300 (`isLeader()` before every
   * call) and every store write carries its epoch (`{ fence }`); a `LeaseLostError` stops the
   * sync until this replica leads again. Absent: the sync always leads.
   */
  leadership?: SyncLeadership;
  /**
   * Called when this replica becomes the leader, before its first call (the store follower's
   * `catchUp`), so it resumes from the previous leader's last states, not older ones.
   */
  catchUp?: () => Promise<void>;
}

/** What the sync keeps per kind: the reported counters and its own bookkeeping. */
interface KindRuntime extends Pick<
  KindSyncStatus,
  | 'progress'
  | 'lastError'
  | 'calls'
  | 'applied'
  | 'skipped'
  | 'removed'
  | 'repaired'
  | 'unsoundPasses'
  | 'lastReconciliation'
> {
  state: KindState;
  failures: number;
  /** The last licence check (local ms); `null`: check at once. */
  licenceCheckedAt: number | null;
  /** The last call was shed unserved at its highest step (see `call`): start the next at `read`. */
  promote: boolean;
}

const freshState = (): KindState => ({
  watermark: null,
  loaded: false,
  reconciledAt: null,
  licenceMissing: null,
});

/**
 * The mirror's sync: per kind an independent task that loads the kind, then keeps it fresh
 * with changed-since deltas and reconciles it with a periodic full read. Everything reaches
 * API300 through the gate at `sync` priority, within the sync's own share of the budget
 * (budget.ts). See docs in the option fields and paging.ts for the paging guarantee.
 *
 * Guarantees:
 * - Watermarks come from API300's clock (page 0's `serverTime` of a sound pass), never the
 *   local one; a delta asks from `watermark − overlapMs`, widened by the DST rule.
 * - A pass that could have missed a record (paging.ts) does not move the watermark.
 * - Each page goes to the store, then the index, as it arrives; the watermark is stored after
 *   the pass's last page. A load interrupted by a restart starts again at page 0 (positions
 *   shift, so a page number is no place to resume from) but keeps what it had: records apply
 *   newer-or-equal, and the completed load removes what vanished meanwhile.
 * - Starvation: a call not served within `syncWaitMs` at `sync` priority is asked again at
 *   `read` priority (first come, first served among interactive reads, whose deadlines are
 *   short). A delta of a kind whose data is older than `urgentAfterMs` asks at `urgent`
 *   priority (before writes), so neither reads nor writes that keep the budget full hold a
 *   kind's lag much past `urgentAfterMs` + the next free slot — as long as the breaker is
 *   closed and the quota's store answers. The share caps the calls either way.
 * - Failures: a kind that fails backs off (doubling, capped); the others go on. While the
 *   breaker is open no kind calls; they resume when it closes. A missing licence is asked again
 *   after `licenceRetryMs`. A read-your-writes apply is never undone: records apply newer-or-equal.
 */
export function createMirrorSync(deps: MirrorSyncDeps): MirrorSync {
  return new Sync(deps);
}

class Sync implements MirrorSync {
  private readonly options: ResolvedSyncOptions;
  private readonly budget: SyncBudget;
  private readonly logger: Logger;
  private readonly kinds = new Map<RecordKind, KindRuntime>();
  private readonly tasks = new Set<Promise<void>>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly sleepers = new Set<() => void>();
  private running = false;
  private stopping = false;
  /** API300's clock as last reported, and the local time it arrived. */
  private serverClock: { server: number; local: number } | null = null;
  /** The epoch a fenced apply was refused with: not leading under it, whatever the lease says. */
  private lostEpoch: number | null = null;
  /** Resolves once this replica leads and has caught up; shared by the kinds. */
  private leaderReady: Promise<void> | null = null;

  constructor(private readonly deps: MirrorSyncDeps) {
    this.options = resolveSyncOptions(deps.options);
    this.budget = new SyncBudget(deps.clock, this.options.maxCallsPerMinute);
    this.logger = deps.logger ?? createLogger('silent');
    for (const kind of this.options.kinds) {
      this.kinds.set(kind, {
        state: { ...freshState(), ...deps.states?.[kind] },
        progress: null,
        lastError: null,
        failures: 0,
        licenceCheckedAt: null,
        promote: false,
        calls: 0,
        applied: 0,
        skipped: 0,
        removed: 0,
        repaired: 0,
        unsoundPasses: 0,
        lastReconciliation: null,
      });
    }
  }

  start(): void {
    if (this.running || this.stopping) return;
    this.running = true;
    for (const kind of this.kinds.keys()) {
      const task = this.runKind(kind).finally(() => this.tasks.delete(task));
      this.tasks.add(task);
    }
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.stopping = true;
    this.budget.stop();
    for (const wake of [...this.sleepers]) wake();
    await Promise.allSettled([...this.tasks]);
    await Promise.allSettled([...this.inFlight]);
    this.running = false;
  }

  adoptStates(states: Partial<Record<RecordKind, KindState>>): void {
    if (this.leading()) return;
    for (const [kind, state] of Object.entries(states) as [RecordKind, KindState][]) {
      const k = this.kinds.get(kind);
      if (k && state) k.state = { ...state };
    }
  }

  /** Whether this replica may sync now. */
  private leading(): boolean {
    const lease = this.deps.leadership;
    if (!lease) return true;
    return lease.isLeader() && lease.epoch !== null && lease.epoch !== this.lostEpoch;
  }

  ready(kind: RecordKind): boolean {
    const runtime = this.kinds.get(kind);
    return !!runtime && runtime.state.loaded && runtime.state.licenceMissing === null;
  }

  status(): MirrorSyncStatus {
    const kinds: Partial<Record<RecordKind, KindSyncStatus>> = {};
    for (const [kind, k] of this.kinds) {
      const lagMs = this.lagMs(k);
      const lag = lagMs === null ? null : lagMs / 1000;
      kinds[kind] = {
        phase: this.phaseOf(kind, k, lag),
        progress: k.progress && { ...k.progress },
        watermark: k.state.watermark,
        lagSeconds: lag,
        lastError: k.lastError,
        licenceMissing: k.state.licenceMissing,
        calls: k.calls,
        applied: k.applied,
        skipped: k.skipped,
        removed: k.removed,
        repaired: k.repaired,
        unsoundPasses: k.unsoundPasses,
        lastReconciliation: k.lastReconciliation && { ...k.lastReconciliation },
      };
    }
    return {
      running: this.running && !this.stopping,
      leading: this.leading(),
      callsPerMinute: this.budget.maxCalls,
      callsInWindow: this.budget.inWindow(),
      kinds,
    };
  }

  /**
   * A replica that does not lead reports the leader's progress as the store's states tell it
   * (adopted), so every replica of a shared mirror shows the same phases. The station list is
   * read every `stationsIntervalMs`, so its lag counts only beyond that.
   */
  private phaseOf(kind: RecordKind, k: KindRuntime, lag: number | null): SyncPhase {
    if (!this.running || this.stopping) return 'paused';
    if (k.state.licenceMissing !== null) return 'licence-missing';
    if (this.deps.gate.breaker.state === 'open') return 'paused';
    if (k.failures > 0 && this.leading()) return 'failed';
    if (!k.state.loaded) return 'loading';
    const allowedMs =
      this.options.laggingAfterMs + (kind === 'stations' ? this.options.stationsIntervalMs : 0);
    if (lag !== null && lag * 1000 > allowedMs) return 'lagging';
    return 'synced';
  }

  /** How far a kind is behind API300 (its clock now, estimated, minus the watermark); `null` before its load. */
  private lagMs(k: KindRuntime): number | null {
    const watermark = k.state.watermark;
    return watermark === null ? null : Math.max(0, this.serverNow() - watermark.getTime());
  }

  /** API300's clock now, estimated. */
  private serverNow(): number {
    const now = this.deps.clock.now();
    return this.serverClock ? this.serverClock.server + (now - this.serverClock.local) : now;
  }

  private runtime(kind: RecordKind): KindRuntime {
    return this.kinds.get(kind) as KindRuntime;
  }

  // ------------------------------------------------------------------ the task of one kind

  private async runKind(kind: RecordKind): Promise<void> {
    const k = this.runtime(kind);
    const { clock } = this.deps;
    while (!this.stopping) {
      try {
        if (k.state.licenceMissing !== null && k.licenceCheckedAt !== null) {
          const due = k.licenceCheckedAt + this.options.licenceRetryMs;
          if (clock.now() < due) {
            await this.sleep(due - clock.now());
            continue;
          }
        }
        if (!this.leading()) {
          await this.whenLeading();
          continue;
        }
        if (this.deps.gate.breaker.state === 'open') {
          await this.breakerClosed();
          continue;
        }
        if (kind === 'stations') await this.stationsPass();
        else if (!k.state.loaded || k.state.watermark === null) await this.fullPass(kind, 'load');
        else if (this.reconcileDue(k)) await this.fullPass(kind, 'reconcile');
        else await this.deltaPass(kind);
        k.failures = 0;
        k.lastError = null;
        if (k.state.licenceMissing !== null) {
          this.logger.info({ kind }, 'mirror sync: licence present again');
          k.state = { ...k.state, licenceMissing: null };
          await this.saveState(kind);
        }
        await this.sleep(
          kind === 'stations' ? this.options.stationsIntervalMs : this.pauseAfterPass(kind),
        );
      } catch (error) {
        if (error instanceof SyncStoppedError || this.stopping) return;
        try {
          await this.failed(kind, error);
        } catch {
          return; // stopped during the back-off
        }
      }
    }
  }

  /**
   * The pause before a kind's next pass: `intervalMs`; while another kind still loads, a loaded
   * kind waits until it is `urgentAfterMs` behind, so the loads get the turns of the share
   * (the demo data loaded in 114 s with 41 calls when loaded kinds kept their 8 s turns).
   */
  private pauseAfterPass(kind: RecordKind): number {
    const k = this.runtime(kind);
    const lagMs = this.lagMs(k);
    if (!k.state.loaded || lagMs === null) return this.options.intervalMs;
    const othersLoading = [...this.kinds].some(
      ([other, o]) =>
        other !== kind &&
        other !== 'stations' &&
        !o.state.loaded &&
        o.state.licenceMissing === null,
    );
    if (!othersLoading) return this.options.intervalMs;
    return Math.max(this.options.intervalMs, this.options.urgentAfterMs - lagMs);
  }

  private async failed(kind: RecordKind, error: unknown): Promise<void> {
    const k = this.runtime(kind);
    if (error instanceof NotLeadingError || error instanceof LeaseLostError) {
      if (error instanceof LeaseLostError) {
        this.lostEpoch = error.epoch;
        this.logger.warn({ kind, epoch: error.epoch }, 'mirror sync: lease lost, sync stopped');
      }
      return; // the loop waits until this replica leads again
    }
    const code = error instanceof Api300Error ? error.code : 'INTERNAL';
    if (code === 'UPSTREAM_LICENCE_MISSING') {
      const licence = licenceOf((error as Error).message);
      k.licenceCheckedAt = this.deps.clock.now();
      k.lastError = code;
      if (k.state.licenceMissing !== licence) {
        this.logger.warn({ kind, licence }, 'mirror sync: licence missing, kind not mirrored');
        k.state = { ...k.state, licenceMissing: licence };
        await this.saveState(kind).catch(() => undefined);
      }
      return;
    }
    if (code === 'UPSTREAM_RATE_LIMITED') {
      // The gate shed the call unserved: no upstream call was made. Ask at read priority next.
      k.promote = true;
      const retryAfter = (error as Api300Error).details.retryAfter ?? 1;
      await this.sleep(retryAfter * 1000);
      return;
    }
    k.lastError = code;
    if (!(error instanceof Api300Error)) {
      // Not an upstream failure (the store, a defect): its message may quote data; log the name.
      this.logger.error(
        { kind, error: error instanceof Error ? error.name : typeof error },
        'mirror sync: pass failed unexpectedly',
      );
    }
    if (opensBreaker(error) && this.deps.gate.breaker.state === 'open') {
      this.logger.warn({ kind, code }, 'mirror sync: breaker open, paused');
      return;
    }
    k.failures++;
    const { initialMs, maxMs } = this.options.backoff;
    const backoff = Math.min(maxMs, initialMs * 2 ** Math.min(30, k.failures - 1));
    this.logger.warn(
      { kind, code, failures: k.failures, backoffMs: backoff },
      'mirror sync: pass failed',
    );
    await this.sleep(backoff);
  }

  /**
   * Every `reconcileIntervalMs`, and once after autumn's repeated hour (plus the overlap):
   * a record changed in both passes of it holds the first pass's version until a full read
   * replaces it (berlinTime.ts `repeatedHourEndedBefore`).
   */
  private reconcileDue(k: KindRuntime): boolean {
    const at = k.state.reconciledAt;
    const now = this.deps.clock.now();
    if (at === null || now >= at.getTime() + this.options.reconcileIntervalMs) return true;
    const serverNow = this.serverNow();
    const ended = repeatedHourEndedBefore(new Date(serverNow - this.options.overlapMs));
    return ended !== null && at.getTime() < ended.getTime() - serverNow + now;
  }

  // ------------------------------------------------------------------ passes

  private async deltaPass(kind: KeyedKind): Promise<void> {
    const k = this.runtime(kind);
    const adapter = ADAPTERS[kind] as unknown as PagedKindAdapter<KeyedKind>;
    const watermark = k.state.watermark as Date;
    const changedSince = widenChangedSince(new Date(watermark.getTime() - this.options.overlapMs));
    // When the kind's data turns `urgentAfterMs` old (local ms): its calls then outrank reads.
    const urgentAt = this.deps.clock.now() + this.options.urgentAfterMs - (this.lagMs(k) ?? 0);
    const result = await readPass({
      read: (page) => this.readPage(kind, adapter, page, { changedSince }, urgentAt),
      keyOf: (r) => adapter.keyOf(r),
      compare: (a, b) => adapter.compare(a as never, b as never),
      onPage: async (page) => {
        this.noteSkipped(kind, page);
        if (page.items.length > 0) await this.apply(kind, adapter.batch(page.items));
      },
    });
    if (!result.sound) {
      k.unsoundPasses++;
      this.logger.info(
        { kind, pages: result.pages, reason: result.unsoundReason },
        'mirror sync: delta pass unsound, watermark kept, reading again',
      );
      return;
    }
    k.state = { ...k.state, watermark: result.serverTime };
    await this.saveState(kind);
  }

  /**
   * A full read: the initial load (`load`) or a reconciliation. Puts what is missing or held
   * at another `changed`; after a sound pass removes what vanished. Records created during the
   * pass are safe: only held records whose `changed` is before page 0's server time can go.
   */
  private async fullPass(kind: KeyedKind, mode: 'load' | 'reconcile'): Promise<void> {
    const k = this.runtime(kind);
    const { index } = this.deps;
    const adapter = ADAPTERS[kind] as unknown as PagedKindAdapter<KeyedKind>;
    const daysBack = this.options.reservationsDaysBack;
    const from =
      kind === 'reservations' && daysBack !== null
        ? new Date(this.serverNow() - daysBack * DAY_MS)
        : undefined;
    if (mode === 'load') {
      k.progress = { loaded: 0, total: null };
      this.logger.info({ kind }, 'mirror sync: initial load');
    }
    let repaired = 0;
    const result = await readPass({
      read: (page) => this.readPage(kind, adapter, page, from ? { from } : {}),
      keyOf: (r) => adapter.keyOf(r),
      compare: (a, b) => adapter.compare(a as never, b as never),
      onPage: async (page, { serverTime, keysRead }) => {
        this.noteSkipped(kind, page);
        const put: (typeof page.items)[number][] = [];
        const replace: (typeof page.items)[number][] = [];
        for (const record of page.items) {
          const held = index.get(kind, adapter.keyOf(record)) as { changed: Date } | undefined;
          const changed = record.changed.getTime();
          if (held === undefined || held.changed.getTime() < changed) put.push(record);
          else if (held.changed.getTime() > changed && held.changed < serverTime)
            // Held newer than the POS, yet from before this pass: not a write of ours racing
            // the read but drift (autumn's repeated hour stamps a later change earlier).
            replace.push(record);
        }
        if (mode === 'reconcile') repaired += put.length + replace.length;
        if (replace.length > 0)
          await this.apply(
            kind,
            adapter.batch(
              [],
              replace.map((r) => adapter.keyOf(r)),
            ),
          );
        if (put.length + replace.length > 0)
          await this.apply(kind, adapter.batch([...put, ...replace]));
        if (k.progress) k.progress = { loaded: keysRead, total: page.totalCount };
      },
    });
    if (!result.sound) {
      k.unsoundPasses++;
      this.logger.info(
        { kind, mode, pages: result.pages, reason: result.unsoundReason },
        'mirror sync: full read unsound, nothing removed, reading again',
      );
      return;
    }
    let removed = 0;
    let outOfWindow = 0;
    /** Keys (never data) of records gone from the POS, for the log; the first 100. */
    const gone: (string | number)[] = [];
    if (result.unkeyedSkipped > 0) {
      this.logger.warn(
        { kind, mode, unkeyedSkipped: result.unkeyedSkipped },
        'mirror sync: records without a readable key; nothing removed this time',
      );
    } else {
      const vanished: (string | number)[] = [];
      for (const key of index.keys(kind)) {
        const held = index.get(kind, key) as { changed: Date; start?: Date } | undefined;
        if (!held) continue;
        if (from && held.start && held.start < from) {
          vanished.push(key);
          outOfWindow++;
        } else if (!result.keys.has(key) && held.changed < result.serverTime) {
          vanished.push(key);
          if (gone.length < 100) gone.push(key);
          removed++;
        }
      }
      if (vanished.length > 0) await this.apply(kind, adapter.batch([], vanished));
    }
    const now = new Date(this.deps.clock.now());
    k.removed += removed + outOfWindow;
    k.repaired += repaired;
    k.lastReconciliation = { at: now, removed: removed + outOfWindow, repaired };
    k.state = {
      ...k.state,
      reconciledAt: now,
      ...(mode === 'load' ? { loaded: true, watermark: result.serverTime } : {}),
    };
    k.progress = null;
    await this.saveState(kind);
    this.logger.info(
      {
        kind,
        mode,
        records: result.keys.size,
        pages: result.pages,
        removed,
        ...(gone.length > 0 ? { removedKeys: gone } : {}),
        outOfWindow,
        repaired,
      },
      mode === 'load' ? 'mirror sync: initial load complete' : 'mirror sync: reconciled',
    );
  }

  private async stationsPass(): Promise<void> {
    const k = this.runtime('stations');
    const startedAt = new Date(this.serverNow());
    const list = await this.call('stations', 'GetStations', (api) => api.getStations());
    if (!sameStations(list, this.deps.index.stations()))
      await this.apply('stations', { stations: list });
    const first = !k.state.loaded;
    k.state = {
      ...k.state,
      loaded: true,
      watermark: startedAt,
      reconciledAt: new Date(this.deps.clock.now()),
    };
    if (first) await this.saveState('stations');
  }

  // ------------------------------------------------------------------ plumbing

  private readPage(
    kind: KeyedKind,
    adapter: PagedKindAdapter<KeyedKind>,
    page: PageRequest,
    filter: { changedSince?: Date; from?: Date },
    urgentAt: number | null = null,
  ): Promise<Api300Page<RecordOf[KeyedKind]>> {
    return this.call<Api300Page<RecordOf[KeyedKind]>>(
      kind,
      adapter.operation,
      async (api) => {
        const reply = await adapter.read(api, { ...page, ...filter });
        this.serverClock = { server: reply.serverTime.getTime(), local: this.deps.clock.now() };
        return reply;
      },
      urgentAt,
    );
  }

  /**
   * One gated call within the sync's share. It asks the gate at `sync` priority; unserved
   * within `syncWaitMs` (or shed at once because no slot comes before that), it asks again
   * at `read`. A delta pass passes `urgentAt` (local ms): from then on the kind's data is
   * older than `urgentAfterMs`, and the call asks at `urgent` priority, before writes (on a
   * write slot), so writes that keep the budget full cannot hold a kind's lag much past
   * `urgentAfterMs`: a kind is urgent at most once per `urgentAfterMs` (its delta resets the
   * lag), so writes lose at most one call per kind in that time. The sync's share
   * (budget.ts) still caps how many calls it makes.
   */
  private async call<T>(
    kind: RecordKind,
    operation: Api300Operation,
    invoke: (api: Api300) => Promise<T>,
    urgentAt: number | null = null,
  ): Promise<T> {
    const refused = this.deps.gate.breaker.error();
    if (refused) throw refused;
    if (!this.leading()) throw new NotLeadingError('not the leader');
    const k = this.runtime(kind);
    const ticket: BudgetTicket = await this.budget.acquire();
    if (this.stopping) {
      ticket.cancel();
      throw new SyncStoppedError();
    }
    const top = urgentAt === null ? 1 : 2;
    let rank = k.promote ? 1 : 0;
    for (;;) {
      const now = this.deps.clock.now();
      if (urgentAt !== null && now >= urgentAt) rank = 2;
      let deadline = now + (rank === 0 ? this.options.syncWaitMs : PROMOTED_WAIT_MS);
      if (rank < 2 && urgentAt !== null) deadline = Math.min(deadline, urgentAt);
      try {
        const result = await this.callOnce(
          k,
          operation,
          invoke,
          ticket,
          ESCALATION[rank],
          deadline,
        );
        k.promote = false;
        return result;
      } catch (error) {
        // Shed unserved (no upstream call was made): ask again one step up, holding the place.
        const shed = error instanceof Api300Error && error.code === 'UPSTREAM_RATE_LIMITED';
        if (shed && rank < top && !this.stopping && !ticket.wasStarted()) {
          // Not urgent yet, and no read slot before it is: wait until it is, then ask as one.
          const early = urgentAt !== null && rank === 1 ? urgentAt - this.deps.clock.now() : 0;
          if (early > 0)
            await this.sleep(early).catch((stopped: unknown) => {
              ticket.cancel();
              throw stopped;
            });
          if (!this.stopping) {
            rank++;
            continue;
          }
        }
        if (!ticket.wasStarted()) ticket.cancel();
        throw error;
      }
    }
  }

  private async callOnce<T>(
    k: KindRuntime,
    operation: Api300Operation,
    invoke: (api: Api300) => Promise<T>,
    ticket: BudgetTicket,
    priority: Priority,
    deadline: number,
  ): Promise<T> {
    const pending = this.deps.gate.call(operation, { priority, deadline }, (api) => {
      if (this.stopping) return Promise.reject(new SyncStoppedError());
      // The lead may have passed while the call waited for budget: ask right before calling.
      if (!this.leading()) return Promise.reject(new NotLeadingError('not the leader'));
      ticket.started();
      k.calls++;
      const running = invoke(api);
      this.inFlight.add(running);
      void running.then(
        () => this.inFlight.delete(running),
        () => this.inFlight.delete(running),
      );
      return running;
    });
    pending.catch(() => undefined); // observed below, or abandoned on stop
    return this.untilStopped(pending);
  }

  /**
   * Store first (it survives a restart), then the index (what reads see). Several batches
   * (a delete, then the put that replaces it) reach the index back to back, so no read sees
   * the record gone in between.
   */
  private async apply(kind: RecordKind, ...batches: MirrorBatch[]): Promise<void> {
    if (this.stopping) throw new SyncStoppedError();
    const fence = this.fence();
    for (const batch of batches) await this.deps.store.apply(batch, undefined, fence);
    let changed = 0;
    for (const batch of batches) changed += this.deps.index.apply(batch);
    this.runtime(kind).applied += changed;
  }

  /** The store-write options of the sync: fenced with the lease's epoch when there is a lease. */
  private fence(): MirrorApplyOptions | undefined {
    const lease = this.deps.leadership;
    if (!lease) return undefined;
    if (!this.leading() || lease.epoch === null) throw new NotLeadingError('not the leader');
    return { fence: lease.epoch };
  }

  private async saveState(kind: RecordKind): Promise<void> {
    await this.deps.store.apply({}, { [kind]: this.runtime(kind).state }, this.fence());
  }

  private noteSkipped(kind: RecordKind, page: Api300Page<unknown>): void {
    const skipped = page.skipped ?? [];
    if (skipped.length === 0) return;
    this.runtime(kind).skipped += skipped.length;
    // Keys and element names only: never a value.
    this.logger.warn(
      { kind, skipped: skipped.map((s) => ({ key: s.key, field: s.field })) },
      'mirror sync: records that do not map were left out',
    );
  }

  private untilStopped<T>(promise: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const wake = (): void => reject(new SyncStoppedError());
      this.sleepers.add(wake);
      promise.then(
        (value) => {
          this.sleepers.delete(wake);
          resolve(value);
        },
        (error: unknown) => {
          this.sleepers.delete(wake);
          reject(error);
        },
      );
    });
  }

  /** Waits `ms` by the injected clock; `stop()` ends the wait early (and the task with it). */
  private sleep(ms: number): Promise<void> {
    if (this.stopping) return Promise.reject(new SyncStoppedError());
    return new Promise<void>((resolve, reject) => {
      const wake = (): void => {
        cancel();
        this.sleepers.delete(wake);
        reject(new SyncStoppedError());
      };
      const cancel = this.deps.clock.schedule(ms, () => {
        this.sleepers.delete(wake);
        resolve();
      });
      this.sleepers.add(wake);
    });
  }

  /** Waits until this replica leads, then lets the follower catch up once (shared by the kinds). */
  private whenLeading(): Promise<void> {
    const lease = this.deps.leadership as SyncLeadership;
    this.leaderReady ??= new Promise<void>((resolve, reject) => {
      const done = (): void => {
        off();
        this.sleepers.delete(wake);
      };
      const wake = (): void => {
        done();
        reject(new SyncStoppedError());
      };
      const lead = (): void => {
        done();
        const catchUp = this.deps.catchUp?.() ?? Promise.resolve();
        // Fire and forget: a failed catch-up is logged and leading goes on (the sync's own
        // passes read what it missed); nothing here can reject after the catch.
        void catchUp
          .catch(() => this.logger.warn('mirror sync: catch-up before leading failed'))
          .then(() => {
            this.logger.info({ epoch: lease.epoch }, 'mirror sync: leading');
            resolve();
          });
      };
      const off = lease.onChange(() => {
        if (this.leading()) lead();
      });
      this.sleepers.add(wake);
      if (this.leading()) lead();
    }).finally(() => {
      this.leaderReady = null;
    });
    return this.leaderReady;
  }

  private breakerClosed(): Promise<void> {
    const { breaker } = this.deps.gate;
    return new Promise<void>((resolve, reject) => {
      const done = (): void => {
        off();
        this.sleepers.delete(wake);
      };
      const wake = (): void => {
        done();
        reject(new SyncStoppedError());
      };
      const off = breaker.onChange((state) => {
        if (state === 'closed') {
          done();
          resolve();
        }
      });
      this.sleepers.add(wake);
      if (breaker.state === 'closed') {
        done();
        resolve();
      }
    });
  }
}

/** The licence a Status 20 message names (`… Licence missing: Interface 56 (…).`), else the message. */
export function licenceOf(message: string): string {
  const match = /licen[cs]e missing:\s*(.+?)\.?$/i.exec(message);
  return (match ? match[1] : message).trim();
}

function sameStations(a: readonly Station[], b: readonly Station[]): boolean {
  if (a.length !== b.length) return false;
  const key = (s: Station): string => JSON.stringify([s.number, s.name, s.active]);
  const held = new Set(b.map(key));
  return a.every((s) => held.has(key(s)));
}
