import type { Clock } from '../../../platform/clock';
import type { Logger } from '../../../platform/logger';
import type { Api300, Api300Operation } from '../../api300/types';
import { Api300Error } from '../../errors';
import type { UpstreamGate } from '../../gate/gate';
import type { Priority } from '../../options';
import type { MirrorApplyOptions } from '../types';
import { BudgetTicket, SyncBudget, SyncStoppedError } from './budget';
import type { ResolvedSyncOptions } from './options';

/** A promoted call may wait a whole window: the quota frees a slot within 60 s. */
const PROMOTED_WAIT_MS = 65_000;
/** The priorities a sync call climbs when the gate sheds it unserved (see `call`). */
const ESCALATION = ['sync', 'read', 'urgent'] as const satisfies readonly Priority[];

/** What the sync needs of the gate (the real `UpstreamGate` in production and tests). */
export type SyncGate = Pick<UpstreamGate, 'call' | 'breaker' | 'limitReads' | 'readDemand'>;

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
export class NotLeadingError extends Error {
  override readonly name = 'NotLeadingError';
}

/** What the caller keeps per kind (the scheduler's `KindRuntime` holds it). */
export interface CallAccount {
  /** Upstream calls made for the kind (gate retries included). */
  calls: number;
  /** The last call was shed unserved at its highest step (see `call`): start the next at `read`. */
  promote: boolean;
}

export interface SyncCallerDeps {
  gate: SyncGate;
  clock: Clock;
  logger: Logger;
  options: ResolvedSyncOptions;
  leadership?: SyncLeadership;
  catchUp?: () => Promise<void>;
}

/**
 * The sync's road to API300: every call of every kind goes through `call` — the sync's
 * budget ticket (budget.ts), the gate at a priority that climbs when the call is shed
 * unserved, the leader lease asked right before the call — and every wait of the sync
 * (`sleep`, `whenLeading`, `breakerClosed`) ends when `stop()` is called. It also keeps
 * API300's clock as the replies report it.
 */
export class SyncCaller {
  readonly budget: SyncBudget;
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly sleepers = new Set<() => void>();
  private stoppingFlag = false;
  /** API300's clock as last reported, and the local time it arrived. */
  private serverClock: { server: number; local: number } | null = null;
  /** The epoch a fenced apply was refused with: not leading under it, whatever the lease says. */
  private lostEpoch: number | null = null;
  /** Resolves once this replica leads and has caught up; shared by the kinds. */
  private leaderReady: Promise<void> | null = null;

  constructor(private readonly deps: SyncCallerDeps) {
    this.budget = new SyncBudget(
      deps.clock,
      deps.options.maxCallsPerMinute,
      undefined,
      deps.options.loadCallsPerMinute,
      {
        readCalls: deps.options.callsPerMinute - deps.options.writeReserve,
        demand: () => deps.gate.readDemand(),
      },
    );
  }

  get stopping(): boolean {
    return this.stoppingFlag;
  }

  /** Ends every wait and the budget; resolves when the calls already running upstream ended. */
  async stop(tasks: Iterable<Promise<void>>): Promise<void> {
    this.stoppingFlag = true;
    this.budget.stop();
    for (const wake of [...this.sleepers]) wake();
    await Promise.allSettled([...tasks]);
    await Promise.allSettled([...this.inFlight]);
  }

  /** Whether this replica may sync now. */
  leading(): boolean {
    const lease = this.deps.leadership;
    if (!lease) return true;
    return lease.isLeader() && lease.epoch !== null && lease.epoch !== this.lostEpoch;
  }

  /** A fenced store write was refused under `epoch`: not leading under it any more. */
  leaseLost(epoch: number): void {
    this.lostEpoch = epoch;
  }

  /** Whether replicas share the store under a lease (only its leader syncs). */
  get shared(): boolean {
    return this.deps.leadership !== undefined;
  }

  /** The store-write options of the sync: fenced with the lease's epoch when there is a lease. */
  fence(): MirrorApplyOptions | undefined {
    const lease = this.deps.leadership;
    if (!lease) return undefined;
    if (!this.leading() || lease.epoch === null) throw new NotLeadingError('not the leader');
    return { fence: lease.epoch };
  }

  /** API300's clock now, estimated: its last reported time plus the local time since. */
  serverNow(): number {
    const now = this.deps.clock.now();
    return this.serverClock ? this.serverClock.server + (now - this.serverClock.local) : now;
  }

  /** A reply reported API300's clock. */
  noteServerTime(serverTime: Date): void {
    this.serverClock = { server: serverTime.getTime(), local: this.deps.clock.now() };
  }

  /**
   * One gated call within the sync's share.
   *
   * - A page of an initial load (`use: 'load'`) takes a place of the load cap and asks the
   *   gate at `load` priority, before interactive reads (budget.ts: the reads keep the rest).
   * - Any other call asks at `sync` priority; unserved within `syncWaitMs` (or shed at once
   *   because no slot comes before that), it asks again at `read`. A delta pass passes
   *   `urgentAt` (local ms): from then on the kind's data is older than `urgentAfterMs`, and
   *   the call asks at `urgent` priority, before writes (on a write slot), so writes that keep
   *   the budget full cannot hold a kind's lag much past `urgentAfterMs`: a kind is urgent at
   *   most once per `urgentAfterMs` (its delta resets the lag), so writes lose at most one call
   *   per kind in that time. The sync's share (budget.ts) still caps how many calls it makes.
   */
  async call<T>(
    account: CallAccount,
    operation: Api300Operation,
    invoke: (api: Api300) => Promise<T>,
    use: { load?: boolean; urgentAt?: number | null } = {},
  ): Promise<T> {
    const refused = this.deps.gate.breaker.error();
    if (refused) throw refused;
    if (!this.leading()) throw new NotLeadingError('not the leader');
    const ticket: BudgetTicket = await this.budget.acquire(use.load ? 'load' : 'steady');
    if (this.stopping) {
      ticket.cancel();
      throw new SyncStoppedError();
    }
    if (use.load) {
      const deadline = this.deps.clock.now() + PROMOTED_WAIT_MS;
      try {
        return await this.callOnce(account, operation, invoke, ticket, 'load', deadline);
      } catch (error) {
        if (!ticket.wasStarted()) ticket.cancel();
        throw error;
      }
    }
    const urgentAt = use.urgentAt ?? null;
    const top = urgentAt === null ? 1 : 2;
    let rank = account.promote ? 1 : 0;
    for (;;) {
      const now = this.deps.clock.now();
      if (urgentAt !== null && now >= urgentAt) rank = 2;
      let deadline = now + (rank === 0 ? this.deps.options.syncWaitMs : PROMOTED_WAIT_MS);
      if (rank < 2 && urgentAt !== null) deadline = Math.min(deadline, urgentAt);
      try {
        const result = await this.callOnce(
          account,
          operation,
          invoke,
          ticket,
          ESCALATION[rank],
          deadline,
        );
        account.promote = false;
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
    account: CallAccount,
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
      account.calls++;
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
  sleep(ms: number): Promise<void> {
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
  whenLeading(): Promise<void> {
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
        // Leading waits for the catch-up; its failure is logged, never thrown at the caller.
        void catchUp
          .catch(() => this.deps.logger.warn('mirror sync: catch-up before leading failed'))
          .then(() => {
            this.deps.logger.info({ epoch: lease.epoch }, 'mirror sync: leading');
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

  /** Waits until the gate's breaker is closed. */
  breakerClosed(): Promise<void> {
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
