import type { RecordChange } from '../../../../src/domain/changes';
import {
  changeKindOf,
  reservationEvent,
  ticketEvent,
} from '../../../../src/graphql/subscriptions/events';
import {
  SLOW_CONSUMER,
  SubscriptionRefusedError,
  createChangeHub,
} from '../../../../src/graphql/subscriptions/hub';
import { makeReservation, makeTicket } from '../../../helpers/mirrorRecords';

const created = (id: number, stationNumber = 1): RecordChange => ({
  kind: 'reservations',
  before: null,
  after: makeReservation(id, { stationNumber }),
});

describe('change hub', () => {
  it('hands each subscriber the events its filter makes, in order', async () => {
    const hub = createChangeHub({ maxSubscribers: 10, bufferSize: 10, now: () => 0 });
    const board = hub.subscribe((c) => reservationEvent(c, { stationNumber: 2 }));
    hub.publish([created(1, 1), created(2, 2), created(3, 2)]);
    expect((await board.next()).value).toMatchObject({ change: 'CREATED', id: 2 });
    expect((await board.next()).value).toMatchObject({ change: 'CREATED', id: 3 });
  });

  it('ends a subscriber that falls more than its buffer behind, with the slow-consumer marker last', async () => {
    const hub = createChangeHub({ maxSubscribers: 10, bufferSize: 2 });
    const slow = hub.subscribe((c) => reservationEvent(c, {}));
    hub.publish([created(1), created(2), created(3)]);
    expect(await slow.next()).toEqual({ value: SLOW_CONSUMER, done: false });
    expect(await slow.next()).toEqual({ value: undefined, done: true });
    expect(hub.size()).toBe(0);
    expect(hub.slowConsumers()).toBe(1);
  });

  it('refuses subscribers past its bound and after closing; closing ends every stream', async () => {
    const hub = createChangeHub({ maxSubscribers: 1, bufferSize: 10 });
    const one = hub.subscribe((c) => reservationEvent(c, {}));
    expect(() => hub.subscribe(() => undefined)).toThrow(SubscriptionRefusedError);
    const waiting = one.next();
    hub.close();
    expect(await waiting).toEqual({ value: undefined, done: true });
    expect(() => hub.subscribe(() => undefined)).toThrow(/shutting down/);
  });

  it('frees a subscriber’s place when its consumer returns', async () => {
    const hub = createChangeHub({ maxSubscribers: 1, bufferSize: 10 });
    await hub.subscribe(() => undefined).return!();
    expect(() => hub.subscribe(() => undefined)).not.toThrow();
  });
});

describe('change kinds', () => {
  it('says cancelled and redeemed when the status became so, removed when the record went', () => {
    const r = makeReservation(1);
    expect(
      changeKindOf({ kind: 'reservations', before: r, after: { ...r, status: 'CANCELLED' } }),
    ).toBe('CANCELLED');
    expect(changeKindOf({ kind: 'reservations', before: r, after: { ...r, persons: 9 } })).toBe(
      'CHANGED',
    );
    expect(changeKindOf({ kind: 'reservations', before: r, after: null })).toBe('REMOVED');
    const t = makeTicket('A');
    expect(
      changeKindOf({ kind: 'tickets', before: null, after: { ...t, status: 'REDEEMED' } }),
    ).toBe('REDEEMED');
  });

  it('tells a reservation moved out of a filtered station as a change of that station', () => {
    const before = makeReservation(1, { stationNumber: 2 });
    const change = {
      kind: 'reservations',
      before,
      after: { ...before, stationNumber: 3 },
      at: new Date(0),
    } as const;
    expect(reservationEvent(change, { stationNumber: 2 })).toMatchObject({
      change: 'CHANGED',
      id: 1,
    });
    expect(reservationEvent(change, { stationNumber: 4 })).toBeUndefined();
    expect(ticketEvent(change, {})).toBeUndefined();
  });
});
