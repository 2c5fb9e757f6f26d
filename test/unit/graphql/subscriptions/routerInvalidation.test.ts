import type { RecordChange } from '../../../../src/domain/changes';
import { staleTags } from '../../../../src/graphql/subscriptions/cacheTags';
import { makeReservation, makeTicket } from '../../../helpers/mirrorRecords';

describe('stale tags of a change', () => {
  it('name the record, the lists of its kind and the entities that nest it, before and after', () => {
    const before = makeReservation(42, { customerNumber: 7 });
    const change: RecordChange = {
      kind: 'reservations',
      before,
      after: { ...before, customerNumber: 8 },
    };
    expect(staleTags(change).sort()).toEqual(
      ['customer-7', 'customer-8', 'reservation-42', 'reservations'].sort(),
    );
    const ticket = makeTicket('T1', { customerNumber: 7, reservationId: 42 });
    expect(staleTags({ kind: 'tickets', before: null, after: ticket }).sort()).toEqual(
      ['customer-7', 'reservation-42', 'ticket-T1', 'tickets'].sort(),
    );
  });
});
