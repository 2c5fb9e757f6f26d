import { repeatedHourEndedBefore } from '../../../domain/berlinTime';
import type { Clock } from '../../../platform/clock';
import { createLogger, type Logger } from '../../../platform/logger';
import { Api300Error } from '../../errors';
import { opensBreaker } from '../../gate/breaker';
import {
  LeaseLostError,
  type KeyedKind,
  type KindState,
  type MirrorIndex,
  type MirrorStore,
  type RecordKind,
} from '../types';
import { SyncStoppedError } from './budget';
import { NotLeadingError, SyncCaller, type SyncGate, type SyncLeadership } from './caller';
import { resolveSyncOptions, type MirrorSyncOptions, type ResolvedSyncOptions } from './options';
import { SyncPasses, freshState, lagOf, type KindRuntime } from './passes';
import type { KindSyncStatus, MirrorSyncStatus, SyncPhase } from './status';

export type { SyncGate, SyncLeadership } from './caller';
export type { KindSyncStatus, MirrorSyncStatus, SyncPhase } from './status';

/** Reads a replica that does not lead may start per window while the shared mirror loads. */
const FOLLOWER_READS_WHILE_LOADING = 1;

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
   * The kind still loads, and the pages loaded so far answer `key`: the index holds it or it
   * is known absent (passes.ts `covers`). Cheap: a binary search over the pages read.
   */
  covers(kind: KeyedKind, key: string | number): boolean;
  /** While the kind loads: ms until its load is expected to end (passes.ts `loadEtaMs`), or `null`. */
  loadEtaMs(kind: RecordKind): number | null;
  /**
   * The kinds' states as another writer stored them (the store follower's `onStates`). Taken
   * while this replica does not lead, so that when it becomes the leader it resumes from the
   * last leader's watermarks; ignored while it leads (its own fenced writes are the truth).
   */
  adoptStates(states: Partial<Record<RecordKind, KindState>>): void;
  /**
   * Calls `listener` whenever this replica's own sync lets the mirror answer more: a load page
   * applied (its keys covered), a kind loaded. Returns the unsubscribe.
   */
  onProgress(listener: () => void): () => void;
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

/**
 * The mirror's sync: per kind an independent task that loads the kind, then keeps it fresh
 * with changed-since deltas and reconciles it with a periodic full read. Everything reaches
 * API300 through the gate at `sync` priority, within the sync's own share of the budget
 * (budget.ts). See docs in the option fields and readPass.ts for the paging guarantee.
 *
 * This file is the scheduler: which pass each kind runs next and when, and what the sync
 * reports. The passes (and their watermark guarantees) are in passes.ts, the road to the
 * gate (budget ticket, priorities, leadership, waits) in caller.ts.
 *
 * Guarantees:
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
  private readonly caller: SyncCaller;
  private readonly passes: SyncPasses;
  private readonly logger: Logger;
  private readonly kinds = new Map<RecordKind, KindRuntime>();
  private readonly tasks = new Set<Promise<void>>();
  private readonly progressListeners = new Set<() => void>();
  private running = false;

  constructor(private readonly deps: MirrorSyncDeps) {
    this.options = resolveSyncOptions(deps.options);
    this.logger = deps.logger ?? createLogger('silent');
    this.caller = new SyncCaller({
      gate: deps.gate,
      clock: deps.clock,
      logger: this.logger,
      options: this.options,
      leadership: deps.leadership,
      catchUp: deps.catchUp,
    });
    this.passes = new SyncPasses({
      caller: this.caller,
      index: deps.index,
      store: deps.store,
      clock: deps.clock,
      logger: this.logger,
      options: this.options,
      runtime: (kind) => this.runtime(kind),
      progressed: () => {
        for (const listener of [...this.progressListeners]) listener();
      },
    });
    for (const kind of this.options.kinds) {
      this.kinds.set(kind, {
        state: { ...freshState(), ...deps.states?.[kind] },
        coverage: null,
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

  private get stopping(): boolean {
    return this.caller.stopping;
  }

  start(): void {
    if (this.running || this.stopping) return;
    this.running = true;
    this.boundReadsWhileLoading();
    for (const kind of this.kinds.keys()) {
      const task = this.runKind(kind).finally(() => this.tasks.delete(task));
      this.tasks.add(task);
    }
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.deps.gate.limitReads(null);
    await this.caller.stop(this.tasks);
    this.running = false;
  }

  /**
   * While a kind still loads, interactive reads keep what the load's share leaves of the read
   * budget (`callsPerMinute − writeReserve − loadCallsPerMinute`, at least one call): the gate
   * bounds them, so the load's pages find their share free. A replica that does not lead
   * (shared store) keeps `FOLLOWER_READS_WHILE_LOADING` a window: its reads draw on the same
   * budget (one Redis quota) as the leader's load, which it cannot see queue; the load of
   * the demo data then ends within seconds and every replica answers from the mirror.
   */
  private boundReadsWhileLoading(): void {
    const loading = [...this.kinds].some(
      ([kind, k]) => kind !== 'stations' && !k.state.loaded && k.state.licenceMissing === null,
    );
    const leading = this.caller.leading();
    const { callsPerMinute, writeReserve, loadCallsPerMinute } = this.options;
    this.caller.budget.setLoading(leading && loading);
    this.deps.gate.limitReads(
      !loading
        ? null
        : leading
          ? Math.max(1, callsPerMinute - writeReserve - loadCallsPerMinute)
          : FOLLOWER_READS_WHILE_LOADING,
    );
  }

  adoptStates(states: Partial<Record<RecordKind, KindState>>): void {
    if (this.caller.leading()) return;
    for (const [kind, state] of Object.entries(states) as [RecordKind, KindState][]) {
      const k = this.kinds.get(kind);
      if (k && state) {
        k.state = { ...state };
        this.passes.adoptCoverage(kind);
      }
    }
    if (this.running && !this.stopping) this.boundReadsWhileLoading();
  }

  onProgress(listener: () => void): () => void {
    this.progressListeners.add(listener);
    return () => this.progressListeners.delete(listener);
  }

  ready(kind: RecordKind): boolean {
    const runtime = this.kinds.get(kind);
    return !!runtime && runtime.state.loaded && runtime.state.licenceMissing === null;
  }

  covers(kind: KeyedKind, key: string | number): boolean {
    const runtime = this.kinds.get(kind);
    if (!runtime || runtime.state.loaded || runtime.state.licenceMissing !== null) return false;
    return this.passes.covers(kind, key);
  }

  loadEtaMs(kind: RecordKind): number | null {
    const runtime = this.kinds.get(kind);
    if (!runtime || runtime.state.loaded) return null;
    return this.passes.loadEtaMs(kind);
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
      leading: this.caller.leading(),
      callsPerMinute: this.caller.budget.maxCalls,
      callsInWindow: this.caller.budget.inWindow(),
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
    if (k.failures > 0 && this.caller.leading()) return 'failed';
    if (!k.state.loaded) return 'loading';
    const allowedMs =
      this.options.laggingAfterMs + (kind === 'stations' ? this.options.stationsIntervalMs : 0);
    if (lag !== null && lag * 1000 > allowedMs) return 'lagging';
    return 'synced';
  }

  private lagMs(k: KindRuntime): number | null {
    return lagOf(k.state, this.caller.serverNow());
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
            await this.caller.sleep(due - clock.now());
            continue;
          }
        }
        if (!this.caller.leading()) {
          this.boundReadsWhileLoading(); // a follower's bound while the leader loads
          await this.caller.whenLeading();
          continue;
        }
        if (this.deps.gate.breaker.state === 'open') {
          await this.caller.breakerClosed();
          continue;
        }
        this.boundReadsWhileLoading();
        if (kind === 'stations') await this.passes.stationsPass();
        else if (!k.state.loaded || k.state.watermark === null)
          await this.passes.fullPass(kind, 'load');
        else if (this.reconcileDue(k)) await this.passes.fullPass(kind, 'reconcile');
        else await this.passes.deltaPass(kind);
        this.boundReadsWhileLoading();
        k.failures = 0;
        k.lastError = null;
        if (k.state.licenceMissing !== null) {
          this.logger.info({ kind }, 'mirror sync: licence present again');
          k.state = { ...k.state, licenceMissing: null };
          await this.passes.saveState(kind);
        }
        await this.caller.sleep(
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
        this.caller.leaseLost(error.epoch);
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
        await this.passes.saveState(kind).catch(() => undefined);
      }
      return;
    }
    if (code === 'UPSTREAM_RATE_LIMITED') {
      // The gate shed the call unserved: no upstream call was made. Ask at read priority next.
      k.promote = true;
      const retryAfter = (error as Api300Error).details.retryAfter ?? 1;
      await this.caller.sleep(retryAfter * 1000);
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
    await this.caller.sleep(backoff);
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
    const serverNow = this.caller.serverNow();
    const ended = repeatedHourEndedBefore(new Date(serverNow - this.options.overlapMs));
    return ended !== null && at.getTime() < ended.getTime() - serverNow + now;
  }
}

/** The licence a Status 20 message names (`… Licence missing: Interface 56 (…).`), else the message. */
export function licenceOf(message: string): string {
  const match = /licen[cs]e missing:\s*(.+?)\.?$/i.exec(message);
  return (match ? match[1] : message).trim();
}
