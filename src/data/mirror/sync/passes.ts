import { widenChangedSince } from '../../../domain/berlinTime';
import { API300_MAX_RECORDS, type KeyedKind, type Station } from '../../../domain/models';
import type { Clock } from '../../../platform/clock';
import type { Logger } from '../../../platform/logger';
import type { Api300Page } from '../../api300/types';
import type {
  KeyOf,
  KindState,
  LoadedPage,
  MirrorBatch,
  MirrorIndex,
  MirrorStore,
  RecordKind,
  RecordOf,
} from '../types';
import { SYNC_WINDOW_MS, SyncStoppedError } from './budget';
import type { CallAccount, SyncCaller } from './caller';
import { adapterOf, type PagedKindAdapter } from './kinds';
import type { ResolvedSyncOptions } from './options';
import { readPass, type PageRequest } from './readPass';
import type { KindSyncStatus } from './status';

const DAY_MS = 86_400_000;
/**
 * Pages of one kind's initial load asked for at once (readPass.ts `readAhead`): a page takes
 * about a second to travel and parse, so read one after the other the pages' latency, not
 * the load's budget, would bound the load.
 */
const LOAD_READ_AHEAD = 3;

/** What the sync keeps per kind: the reported counters and its own bookkeeping. */
export interface KindRuntime
  extends
    CallAccount,
    Pick<
      KindSyncStatus,
      | 'progress'
      | 'lastError'
      | 'applied'
      | 'skipped'
      | 'removed'
      | 'repaired'
      | 'unsoundPasses'
      | 'lastReconciliation'
    > {
  state: KindState;
  /**
   * During the initial load: per page read so far, in key order, its highest key and the
   * local time it was read (see `covers`); `null` when no load runs.
   */
  coverage: LoadedPage[] | null;
  failures: number;
  /** The last licence check (local ms); `null`: check at once. */
  licenceCheckedAt: number | null;
}

export const freshState = (): KindState => ({
  watermark: null,
  loaded: false,
  reconciledAt: null,
  licenceMissing: null,
});

/** How far a kind is behind API300 (its clock now, estimated, minus the watermark); `null` before its load. */
export function lagOf(state: KindState, serverNow: number): number | null {
  const watermark = state.watermark;
  return watermark === null ? null : Math.max(0, serverNow - watermark.getTime());
}

export interface SyncPassesDeps {
  caller: SyncCaller;
  index: MirrorIndex;
  store: MirrorStore;
  clock: Clock;
  logger: Logger;
  options: ResolvedSyncOptions;
  runtime(kind: RecordKind): KindRuntime;
  /** Told when the mirror may answer more: a load page applied, a kind loaded. */
  progressed(): void;
}

/**
 * The passes of one kind: the initial load and the reconciliation (`fullPass`), the
 * changed-since delta (`deltaPass`) and the station list (`stationsPass`). Each reads through
 * the caller and writes store first, then index.
 *
 * - Watermarks come from API300's clock (page 0's `serverTime` of a sound pass), never the
 *   local one; a delta asks from `watermark − overlapMs`, widened by the DST rule.
 * - A pass that could have missed a record (readPass.ts) does not move the watermark.
 * - Each page goes to the store, then the index, as it arrives; the watermark is stored after
 *   the pass's last page. A load interrupted by a restart starts again at page 0 (positions
 *   shift, so a page number is no place to resume from) but keeps what it had: records apply
 *   newer-or-equal, and the completed load removes what vanished meanwhile.
 */
export class SyncPasses {
  constructor(private readonly deps: SyncPassesDeps) {}

  async deltaPass<K extends KeyedKind>(kind: K): Promise<void> {
    const { caller, options } = this.deps;
    const k = this.deps.runtime(kind);
    const adapter = adapterOf(kind);
    const watermark = k.state.watermark as Date;
    const changedSince = widenChangedSince(new Date(watermark.getTime() - options.overlapMs));
    // When the kind's data turns `urgentAfterMs` old (local ms): its calls then outrank reads.
    const urgentAt =
      this.deps.clock.now() + options.urgentAfterMs - (lagOf(k.state, caller.serverNow()) ?? 0);
    const result = await readPass({
      read: (page) => this.readPage(kind, adapter, page, { changedSince }, { urgentAt }),
      keyOf: (r) => adapter.keyOf(r),
      compare: (a, b) => adapter.compare(a, b),
      onPage: async (page) => {
        this.noteSkipped(kind, page);
        if (page.items.length > 0) await this.apply(kind, adapter.batch(page.items));
      },
    });
    if (!result.sound) {
      k.unsoundPasses++;
      this.deps.logger.info(
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
  async fullPass<K extends KeyedKind>(kind: K, mode: 'load' | 'reconcile'): Promise<void> {
    const k = this.deps.runtime(kind);
    const { index, logger } = this.deps;
    const adapter = adapterOf(kind);
    const daysBack = this.deps.options.reservationsDaysBack;
    const from =
      kind === 'reservations' && daysBack !== null
        ? new Date(this.deps.caller.serverNow() - daysBack * DAY_MS)
        : undefined;
    if (mode === 'load') {
      k.progress = { loaded: 0, total: null };
      k.coverage = [];
      logger.info({ kind }, 'mirror sync: initial load');
    }
    let repaired = 0;
    const result = await readPass({
      read: (page) =>
        this.readPage(kind, adapter, page, from ? { from } : {}, { load: mode === 'load' }),
      readAhead: mode === 'load' ? LOAD_READ_AHEAD : 1,
      keyOf: (r) => adapter.keyOf(r),
      compare: (a, b) => adapter.compare(a, b),
      onPage: async (page, { serverTime, keysRead, sound, lastKey }) => {
        this.noteSkipped(kind, page);
        const put: (typeof page.items)[number][] = [];
        const replace: (typeof page.items)[number][] = [];
        for (const record of page.items) {
          const held = index.get(kind, adapter.keyOf(record));
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
        if (mode !== 'load') return;
        const covered = k.coverage !== null;
        if (k.coverage && sound && lastKey !== undefined)
          k.coverage.push({
            lastKey,
            at: this.deps.clock.now(),
            loaded: keysRead,
            total: page.totalCount,
          });
        else k.coverage = null; // a boundary failed: nothing past it is known complete
        if (covered) await this.publishCoverage(kind);
        this.deps.progressed();
      },
    });
    k.coverage = null;
    if (!result.sound) {
      k.unsoundPasses++;
      logger.info(
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
      logger.warn(
        { kind, mode, unkeyedSkipped: result.unkeyedSkipped },
        'mirror sync: records without a readable key; nothing removed this time',
      );
    } else {
      const vanished: KeyOf[K][] = [];
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
      ...(mode === 'load' ? { loaded: true, watermark: result.serverTime, loadPages: null } : {}),
    };
    k.progress = null;
    await this.saveState(kind);
    if (mode === 'load') this.deps.progressed();
    logger.info(
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

  async stationsPass(): Promise<void> {
    const k = this.deps.runtime('stations');
    const startedAt = new Date(this.deps.caller.serverNow());
    const list = await this.deps.caller.call(k, 'GetStations', (api) => api.getStations());
    if (!sameStations(list, this.deps.index.stations()))
      await this.apply('stations', { stations: list });
    const first = !k.state.loaded;
    k.state = {
      ...k.state,
      loaded: true,
      watermark: startedAt,
      reconciledAt: new Date(this.deps.clock.now()),
    };
    if (first) {
      await this.saveState('stations');
      this.deps.progressed();
    }
  }

  /**
   * Whether the running initial load of `kind` can answer `key` already: the pages read so
   * far form one contiguous run of the key order from its start (readPass.ts), so a key up to
   * the last page's highest key was read if it existed when its page was read — held in the
   * index, or known absent. Answered only while that page is at most `urgentAfterMs` old (the
   * lag a loaded kind is held near), since a load's pages are not refreshed until the load
   * completes and the first delta runs.
   */
  covers(kind: KeyedKind, key: string | number): boolean {
    const coverage = this.deps.runtime(kind).coverage;
    if (!coverage || coverage.length === 0) return false;
    const compare = adapterOf(kind).compare;
    let low = 0;
    let high = coverage.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (compare(coverage[mid].lastKey, key) < 0) low = mid + 1;
      else high = mid;
    }
    if (low === coverage.length) return false;
    return this.deps.clock.now() - coverage[low].at <= this.deps.options.urgentAfterMs;
  }

  /**
   * Shared store (a lease): stores the load's pages with the kind's state after each page,
   * so replicas that do not lead answer the keys they cover (`adoptCoverage`). The store
   * commits a page's records before this state, and a follower reads both from one snapshot:
   * a follower that sees a page also holds its records. Local stores need none.
   */
  private async publishCoverage(kind: KeyedKind): Promise<void> {
    if (!this.deps.caller.shared) return;
    const k = this.deps.runtime(kind);
    k.state = { ...k.state, loadPages: k.coverage ? [...k.coverage] : null };
    await this.saveState(kind);
  }

  /** A replica that does not lead: the leader's load pages, as its stored state tells them. */
  adoptCoverage(kind: RecordKind): void {
    const k = this.deps.runtime(kind);
    k.coverage = !k.state.loaded && k.state.loadPages ? [...k.state.loadPages] : null;
  }

  /**
   * While `kind`'s initial load runs: the ms until it is expected to end — the longer of two
   * estimates: its pages at the pace read so far (records per ms between its first and last
   * page), and its pages still to read at the load's share a window (a start burst is fast,
   * but a large load is bound by the budget). `null` before its first page.
   */
  loadEtaMs(kind: RecordKind): number | null {
    const pages = this.deps.runtime(kind).coverage;
    const last = pages?.[pages.length - 1];
    if (!pages || !last || last.loaded === undefined || last.total === undefined) return null;
    const left = Math.max(0, last.total - last.loaded);
    const sinceLast = this.deps.clock.now() - last.at;
    const share = Math.max(1, this.deps.options.loadCallsPerMinute);
    const pagesLeft = Math.ceil(left / API300_MAX_RECORDS);
    // Whole windows of the share still needed (the current window's places may be spent).
    const byBudget = Math.floor(pagesLeft / share) * SYNC_WINDOW_MS;
    const first = pages[0];
    const read = last.loaded - (first.loaded ?? last.loaded);
    const byPace = read > 0 ? left * ((last.at - first.at) / read) : 0;
    return Math.max(0, Math.max(byBudget, byPace) - sinceLast);
  }

  /** Stores the kind's state (fenced when there is a lease). */
  async saveState(kind: RecordKind): Promise<void> {
    await this.deps.store.apply(
      {},
      { [kind]: this.deps.runtime(kind).state },
      this.deps.caller.fence(),
    );
  }

  private readPage<K extends KeyedKind>(
    kind: K,
    adapter: PagedKindAdapter<K>,
    page: PageRequest,
    filter: { changedSince?: Date; from?: Date },
    use: { load?: boolean; urgentAt?: number | null },
  ): Promise<Api300Page<RecordOf[K]>> {
    const { caller } = this.deps;
    return caller.call<Api300Page<RecordOf[K]>>(
      this.deps.runtime(kind),
      adapter.operation,
      async (api) => {
        const reply = await adapter.read(api, { ...page, ...filter });
        caller.noteServerTime(reply.serverTime);
        return reply;
      },
      use,
    );
  }

  /**
   * Store first (it survives a restart), then the index (what reads see). Several batches
   * (a delete, then the put that replaces it) reach the index back to back, so no read sees
   * the record gone in between.
   */
  private async apply(kind: RecordKind, ...batches: MirrorBatch[]): Promise<void> {
    if (this.deps.caller.stopping) throw new SyncStoppedError();
    const fence = this.deps.caller.fence();
    for (const batch of batches) await this.deps.store.apply(batch, undefined, fence);
    let changed = 0;
    for (const batch of batches) changed += this.deps.index.apply(batch);
    this.deps.runtime(kind).applied += changed;
  }

  private noteSkipped(kind: RecordKind, page: Api300Page<unknown>): void {
    const skipped = page.skipped ?? [];
    if (skipped.length === 0) return;
    this.deps.runtime(kind).skipped += skipped.length;
    // Keys and element names only: never a value.
    this.deps.logger.warn(
      { kind, skipped: skipped.map((s) => ({ key: s.key, field: s.field })) },
      'mirror sync: records that do not map were left out',
    );
  }
}

function sameStations(a: readonly Station[], b: readonly Station[]): boolean {
  if (a.length !== b.length) return false;
  const key = (s: Station): string => JSON.stringify([s.number, s.name, s.active]);
  const held = new Set(b.map(key));
  return a.every((s) => held.has(key(s)));
}
