import { frozenRecord } from '../records';
import type { MirrorStore } from '../types';
import { StoredRecords } from './storedRecords';

/**
 * A store that keeps nothing across a restart: `load` returns what this instance was given
 * since it was created (or since `wipe`), so a process that rebuilds its index (after
 * `clear`) needs no new initial load; a new process starts empty and loads from API300.
 * Records are held frozen, the same objects the index holds, so it costs no second copy.
 * Local: `changesSince` reports nothing, `onChange` never fires.
 */
export function createMemoryStore(): MirrorStore {
  let held = new StoredRecords(frozenRecord);
  let closed = false;
  const open = () => {
    if (closed) throw new Error('memory store: closed; create a new store');
  };
  return {
    kind: 'memory',
    load: async () => {
      open();
      return held.snapshot();
    },
    apply: async (batch, states) => {
      open();
      held.apply(batch, states);
    },
    changesSince: async (position) => {
      open();
      return { batch: {}, states: {}, position };
    },
    onChange: () => () => undefined,
    wipe: async () => {
      open();
      held = new StoredRecords(frozenRecord);
    },
    close: async () => {
      closed = true;
    },
  };
}
