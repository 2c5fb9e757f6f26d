import { KEYED_KINDS, type KeyedKind, type Station } from '../../../domain/models';
import { keyOf, replaces } from '../records';
import type { KeyOf, KindState, MirrorBatch, RecordKind, MirrorSnapshot, RecordOf } from '../types';

interface Changes<K extends KeyedKind> {
  put?: readonly RecordOf[K][];
  delete?: readonly KeyOf[K][];
}

export type KindStates = Partial<Record<RecordKind, KindState>>;

/** A copy of a state (its Dates too), so that no caller shares one with a store. */
export function copyStates(states: KindStates | undefined): KindStates {
  const copy: KindStates = {};
  for (const [kind, state] of Object.entries(states ?? {}) as [RecordKind, KindState][]) {
    copy[kind] = {
      watermark: state.watermark && new Date(state.watermark.getTime()),
      loaded: state.loaded,
      reconciledAt: state.reconciledAt && new Date(state.reconciledAt.getTime()),
      licenceMissing: state.licenceMissing,
    };
  }
  return copy;
}

/**
 * The records and states a local store holds, with the mirror's rules: a put wins when its
 * `changed` is newer or equal, a key both put and deleted in one batch ends deleted (as in
 * the index), the station list is replaced whole, a given state replaces that kind's state.
 * `prepare` turns an accepted record into what is held (the memory store freezes it).
 */
export class StoredRecords {
  private readonly records: { [K in KeyedKind]: Map<KeyOf[K], RecordOf[K]> } = {
    customers: new Map(),
    reservations: new Map(),
    tickets: new Map(),
  };
  private stations: Station[] = [];
  private states: KindStates = {};

  constructor(
    private readonly prepare: <K extends KeyedKind>(kind: K, r: RecordOf[K]) => RecordOf[K] = (
      _k,
      r,
    ) => r,
  ) {}

  /** Every record is prepared before anything changes: a failing one leaves the set as it was. */
  apply(batch: MirrorBatch, states?: KindStates): void {
    const prepared = KEYED_KINDS.map((kind) => {
      const changes = batch[kind] as Changes<typeof kind> | undefined;
      return {
        kind,
        put: (changes?.put ?? []).map((r) => this.prepare(kind, r)),
        remove: changes?.delete ?? [],
      };
    });
    const nextStates = copyStates(states);
    for (const { kind, put, remove } of prepared) {
      const held = this.records[kind] as Map<KeyOf[typeof kind], RecordOf[typeof kind]>;
      for (const record of put) {
        const key = keyOf(kind, record);
        if (replaces(record, held.get(key))) held.set(key, record);
      }
      for (const key of remove) held.delete(key);
    }
    if (batch.stations) this.stations = batch.stations.map((s) => ({ ...s }));
    Object.assign(this.states, nextStates);
  }

  /** Adds records known to be unique and current (a snapshot being read back). */
  fill<K extends KeyedKind>(kind: K, records: readonly RecordOf[K][]): void {
    const held = this.records[kind] as Map<KeyOf[K], RecordOf[K]>;
    for (const record of records) held.set(keyOf(kind, record), this.prepare(kind, record));
  }

  count(kind: KeyedKind): number {
    return this.records[kind].size;
  }

  snapshot(position = 0): MirrorSnapshot {
    return {
      customers: [...this.records.customers.values()],
      reservations: [...this.records.reservations.values()],
      tickets: [...this.records.tickets.values()],
      stations: this.stations.map((s) => ({ ...s })),
      states: copyStates(this.states),
      position,
    };
  }
}
