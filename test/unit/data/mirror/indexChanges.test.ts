import { createMirrorIndex } from '../../../../src/data/mirror/index';
import type { RecordChange } from '../../../../src/domain/changes';
import {
  changedBy,
  makeCustomer,
  makeReservation,
  makeStation,
  makeTicket,
} from '../../../helpers/mirrorRecords';

function listened() {
  const index = createMirrorIndex();
  const calls: RecordChange[][] = [];
  const unsubscribe = index.onChanges((changes) => calls.push([...changes]));
  return { index, calls, unsubscribe };
}

describe('mirror index: change events', () => {
  it('tells each apply once, with the held and the new version of every record it changed', () => {
    const { index, calls } = listened();
    const first = makeReservation(10);
    index.apply({ reservations: { put: [first] }, customers: { put: [makeCustomer(1)] } });
    const moved = changedBy(first, 60, { status: 'CANCELLED' });
    index.apply({ reservations: { put: [moved] } });

    expect(calls).toHaveLength(2);
    expect(calls[0]).toEqual([
      { kind: 'customers', before: null, after: makeCustomer(1) },
      { kind: 'reservations', before: null, after: first },
    ]);
    expect(calls[1]).toEqual([{ kind: 'reservations', before: first, after: moved }]);
  });

  it('tells a delete with the removed record and nothing as its new version', () => {
    const { index, calls } = listened();
    index.apply({ tickets: { put: [makeTicket('A')] } });
    index.apply({ tickets: { delete: ['A', 'missing'] } });
    expect(calls[1]).toEqual([{ kind: 'tickets', before: makeTicket('A'), after: null }]);
  });

  it('tells nothing for a put equal to the held record, an older one, or a quiet apply', () => {
    const { index, calls } = listened();
    const held = makeCustomer(1);
    index.apply({ customers: { put: [held] } });
    index.apply({ customers: { put: [{ ...held }] } });
    index.apply({ customers: { put: [changedBy(held, -60, { lastName: 'Older' })] } });
    index.apply({ customers: { put: [makeCustomer(2)] } }, { quiet: true });
    expect(calls).toHaveLength(1);
    expect(index.count('customers')).toBe(2);
  });

  it('tells station changes: a new, a renamed and a dropped station', () => {
    const { index, calls } = listened();
    index.apply({ stations: [makeStation(1), makeStation(2)] });
    index.apply({ stations: [makeStation(1, { name: 'Terrasse' }), makeStation(3)] });
    expect(calls[1]).toEqual([
      { kind: 'stations', before: makeStation(1), after: makeStation(1, { name: 'Terrasse' }) },
      { kind: 'stations', before: null, after: makeStation(3) },
      { kind: 'stations', before: makeStation(2), after: null },
    ]);
  });

  it('keeps applying when a listener throws, and tells no one after unsubscribing', () => {
    const { index, calls, unsubscribe } = listened();
    index.onChanges(() => {
      throw new Error('listener broke');
    });
    expect(index.apply({ customers: { put: [makeCustomer(1)] } })).toBe(1);
    unsubscribe();
    index.apply({ customers: { put: [makeCustomer(2)] } });
    expect(calls).toHaveLength(1);
    expect(index.count('customers')).toBe(2);
  });
});
