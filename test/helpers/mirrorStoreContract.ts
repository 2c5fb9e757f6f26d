import type { MirrorBatch, MirrorSnapshot, MirrorStore } from '../../src/data/mirror/types';
import {
  at,
  changedBy,
  kindState,
  makeCustomer,
  makeReservation,
  makeStation,
  makeTicket,
} from './mirrorRecords';

/**
 * The `MirrorStore` contract (src/data/mirror/types.ts), run against every store. Store
 * agnostic: a store is reached through a "place" (a directory, a database) that a factory
 * creates per test and destroys after it; opening a second instance on the same place is a
 * restart (or, for a shared store, another replica).
 */

export interface MirrorStorePlace {
  /** A store instance on this place. Called again: another process on the same place. */
  open(): Promise<MirrorStore>;
  /** Removes the place (temporary directory, database). Instances are closed before. */
  destroy(): Promise<void>;
}

export interface MirrorStoreContractOptions {
  /** The store keeps its data across a restart (file, PostgreSQL); memory does not. */
  persistent: boolean;
  /** Instances on one place see each other's changes (`changesSince`, `onChange`). */
  shared: boolean;
}

const T0 = at('2026-03-02T10:00:00Z');

function sampleBatch(): MirrorBatch {
  return {
    customers: {
      put: [makeCustomer(1, { changed: T0 }), makeCustomer(2, { lastName: 'Müller', changed: T0 })],
    },
    reservations: {
      put: [
        makeReservation(10, { customerNumber: 1, start: at('2026-03-05T18:30:00Z'), changed: T0 }),
      ],
    },
    tickets: {
      put: [
        makeTicket('T-1', { customerNumber: 1, changed: T0 }),
        makeTicket('T-2', {
          status: 'REDEEMED',
          redeemedAt: at('2026-03-01T09:15:30.250Z'),
          redeemedStation: 2,
          changed: T0,
        }),
      ],
    },
    stations: [makeStation(1), makeStation(2, { active: false })],
  };
}

const byKey = <T>(items: T[], key: (t: T) => number | string) =>
  [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));

/** The snapshot's records in key order (stores may return them in any order). */
function sorted(snapshot: MirrorSnapshot) {
  return {
    customers: byKey(snapshot.customers, (c) => c.number),
    reservations: byKey(snapshot.reservations, (r) => r.id),
    tickets: byKey(snapshot.tickets, (t) => t.number),
    stations: byKey(snapshot.stations, (s) => s.number),
    states: snapshot.states,
  };
}

export function describeMirrorStoreContract(
  name: string,
  makePlace: () => Promise<MirrorStorePlace>,
  options: MirrorStoreContractOptions,
): void {
  describe(`MirrorStore contract: ${name}`, () => {
    let place: MirrorStorePlace;
    const opened: MirrorStore[] = [];
    const open = async () => {
      const store = await place.open();
      opened.push(store);
      return store;
    };

    beforeEach(async () => {
      place = await makePlace();
    });

    afterEach(async () => {
      for (const store of opened.splice(0)) await store.close().catch(() => undefined);
      await place.destroy();
    });

    it('names its kind', async () => {
      expect((await open()).kind).toMatch(/\S/);
    });

    it('loads nothing from a new place', async () => {
      const snapshot = await (await open()).load();
      expect(snapshot).toMatchObject({
        customers: [],
        reservations: [],
        tickets: [],
        stations: [],
        states: {},
      });
      expect(typeof snapshot.position).toBe('number');
    });

    it('loads what was applied, Dates as Dates with the same instant', async () => {
      const store = await open();
      await store.apply(sampleBatch());
      const loaded = sorted(await store.load());
      const batch = sampleBatch();
      expect(loaded.customers).toEqual(batch.customers!.put);
      expect(loaded.reservations).toEqual(batch.reservations!.put);
      expect(loaded.tickets).toEqual(batch.tickets!.put);
      expect(loaded.stations).toEqual(batch.stations);
      expect(loaded.tickets[1].redeemedAt).toBeInstanceOf(Date);
      expect(loaded.tickets[1].redeemedAt!.toISOString()).toBe('2026-03-01T09:15:30.250Z');
      expect(loaded.reservations[0].start).toBeInstanceOf(Date);
    });

    it('stores the kind states given with a batch; a later state replaces only its kind', async () => {
      const store = await open();
      await store.apply(
        {},
        { customers: kindState(), reservations: kindState({ loaded: false, watermark: null }) },
      );
      const reconciled = kindState({
        reconciledAt: at('2026-03-02T12:30:00Z'),
        licenceMissing: 'Tickets',
      });
      await store.apply({}, { customers: reconciled });
      const { states } = await store.load();
      expect(states).toEqual({
        customers: reconciled,
        reservations: kindState({ loaded: false, watermark: null }),
      });
      expect(states.customers!.watermark).toBeInstanceOf(Date);
    });

    it('keeps the newer-or-equal changed of a record: an older copy never wins', async () => {
      const store = await open();
      const original = makeCustomer(1, { lastName: 'Original', changed: T0 });
      await store.apply({ customers: { put: [changedBy(original, 60, { lastName: 'Newer' })] } });
      await store.apply({ customers: { put: [changedBy(original, -60, { lastName: 'Older' })] } });
      expect((await store.load()).customers).toEqual([
        changedBy(original, 60, { lastName: 'Newer' }),
      ]);
      await store.apply({
        customers: { put: [changedBy(original, 60, { lastName: 'Same second' })] },
      });
      expect((await store.load()).customers.map((c) => c.lastName)).toEqual(['Same second']);
    });

    it('keeps the newest of several copies of one record in one batch', async () => {
      const store = await open();
      const r = makeReservation(5, { changed: T0 });
      await store.apply({
        reservations: {
          put: [changedBy(r, 120, { persons: 8 }), r, changedBy(r, 60, { persons: 6 })],
        },
      });
      expect((await store.load()).reservations.map((x) => x.persons)).toEqual([8]);
    });

    it('deletes records; a key both put and deleted in one batch ends deleted', async () => {
      const store = await open();
      await store.apply(sampleBatch());
      await store.apply({
        customers: { put: [makeCustomer(3, { changed: T0 })], delete: [1, 3, 999] },
        tickets: { delete: ['T-2'] },
      });
      const loaded = sorted(await store.load());
      expect(loaded.customers.map((c) => c.number)).toEqual([2]);
      expect(loaded.tickets.map((t) => t.number)).toEqual(['T-1']);
      expect(loaded.reservations.map((r) => r.id)).toEqual([10]);
    });

    it('replaces the station list whole', async () => {
      const store = await open();
      await store.apply(sampleBatch());
      await store.apply({ stations: [makeStation(3)] });
      expect((await store.load()).stations).toEqual([makeStation(3)]);
    });

    it('applies a batch whole or not at all: a bad record rejects it and stores none of it', async () => {
      const store = await open();
      await store.apply(sampleBatch());
      const bad = { ...makeCustomer(7), changed: 'yesterday' as unknown as Date };
      await expect(
        store.apply(
          { customers: { put: [makeCustomer(6, { changed: T0 }), bad], delete: [2] } },
          { customers: kindState({ loaded: false }) },
        ),
      ).rejects.toThrow(/changed/);
      const loaded = sorted(await store.load());
      expect(loaded.customers.map((c) => c.number)).toEqual([1, 2]);
      expect(loaded.states).toEqual({});
    });

    it('applies concurrent calls of one instance completely, in call order', async () => {
      const store = await open();
      const c = makeCustomer(1, { changed: T0 });
      await Promise.all([
        store.apply({ customers: { put: [c] } }),
        store.apply({ customers: { put: [changedBy(c, 1, { city: 'Köln' })] } }),
        store.apply({ customers: { put: [makeCustomer(2, { changed: T0 })] } }),
      ]);
      expect(sorted(await store.load()).customers.map((x) => [x.number, x.city])).toEqual([
        [1, 'Köln'],
        [2, null],
      ]);
    });

    it('wipes every record and state; it goes on working afterwards', async () => {
      const store = await open();
      await store.apply(sampleBatch(), { customers: kindState() });
      await store.wipe();
      expect(await store.load()).toMatchObject({
        customers: [],
        reservations: [],
        tickets: [],
        stations: [],
        states: {},
      });
      await store.apply({ customers: { put: [makeCustomer(4, { changed: T0 })] } });
      expect((await store.load()).customers.map((c) => c.number)).toEqual([4]);
    });

    if (options.persistent) {
      it('survives a restart: a new instance on the same place loads records and states', async () => {
        const first = await open();
        await first.apply(sampleBatch(), { customers: kindState() });
        await first.apply({ customers: { delete: [2] } });
        await first.close();
        const second = await open();
        const loaded = sorted(await second.load());
        expect(loaded.customers.map((c) => c.number)).toEqual([1]);
        expect(loaded.tickets).toEqual(sampleBatch().tickets!.put);
        expect(loaded.stations).toEqual(sampleBatch().stations);
        expect(loaded.states).toEqual({ customers: kindState() });
      });

      it('keeps newer-or-equal across a restart and resumes applying', async () => {
        const first = await open();
        const c = makeCustomer(1, { changed: T0 });
        await first.apply({ customers: { put: [changedBy(c, 60, { city: 'Bonn' })] } });
        await first.close();
        const second = await open();
        await second.apply({ customers: { put: [c, makeCustomer(2, { changed: T0 })] } });
        await second.close();
        const third = await open();
        expect(sorted(await third.load()).customers.map((x) => [x.number, x.city])).toEqual([
          [1, 'Bonn'],
          [2, null],
        ]);
      });

      it('a wipe is a wipe after a restart too', async () => {
        const first = await open();
        await first.apply(sampleBatch(), { tickets: kindState() });
        await first.wipe();
        await first.close();
        expect(await (await open()).load()).toMatchObject({
          customers: [],
          tickets: [],
          stations: [],
          states: {},
        });
      });
    } else {
      it('keeps nothing across a restart: a new instance on the same place starts empty', async () => {
        const first = await open();
        await first.apply(sampleBatch(), { customers: kindState() });
        await first.close();
        expect(await (await open()).load()).toMatchObject({
          customers: [],
          stations: [],
          states: {},
        });
      });
    }

    if (options.shared) {
      it("reports another instance's changes after a position, and tells its listeners", async () => {
        const writer = await open();
        const reader = await open();
        await writer.apply({ customers: { put: [makeCustomer(9, { changed: T0 })] } });
        const { position } = await reader.load();
        const heard = new Promise<void>((resolve) => {
          const stop = reader.onChange(() => {
            stop();
            resolve();
          });
        });
        await writer.apply(
          { customers: { put: [makeCustomer(1, { changed: T0 })], delete: [9] } },
          { customers: kindState() },
        );
        await heard;
        const changes = await reader.changesSince(position);
        expect(changes.position).toBeGreaterThan(position);
        expect(changes.batch.customers?.put).toEqual([makeCustomer(1, { changed: T0 })]);
        expect(changes.batch.customers?.delete).toEqual([9]);
        expect(changes.states.customers).toEqual(kindState());
        const none = await reader.changesSince(changes.position);
        expect(none.batch.customers?.put ?? []).toEqual([]);
        expect(none.position).toBe(changes.position);
      });
    } else {
      it('is local: changesSince reports nothing and onChange never fires', async () => {
        const store = await open();
        await store.apply(sampleBatch());
        const listener = jest.fn();
        const stop = store.onChange(listener);
        await store.apply({ customers: { put: [makeCustomer(5, { changed: T0 })] } });
        const changes = await store.changesSince(0);
        expect(changes.batch).toEqual({});
        expect(changes.states).toEqual({});
        expect(changes.position).toBe(0);
        stop();
        expect(listener).not.toHaveBeenCalled();
      });
    }
  });
}
