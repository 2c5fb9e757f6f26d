import { API300_OPERATIONS } from '../../../../src/domain/operations';
import {
  instantOfJsonDate,
  jsonDateOf,
  jsonRequestBody,
  readJsonValue,
} from '../../../../src/data/api300/jsonWire';
import { defaultWsdlPath } from '../../../../src/data/api300/soapTransport';
import { readWsdlSchema } from '../../../../src/data/api300/wsdlSchema';
import { WireShapeError } from '../../../../src/data/api300/mapping';

const schema = readWsdlSchema(defaultWsdlPath(), API300_OPERATIONS);

describe('API300 JSON mode ⇄ the neutral wire shape', () => {
  it('takes every operation’s parameters, in order, from the WSDL', () => {
    expect(schema.GetCustomers.parameters.map((p) => p.name)).toEqual([
      'CusToken',
      'AuthToken',
      'CustomerNumbers',
      'SearchText',
      'ChangedSince',
      'PageIndex',
      'PageSize',
    ]);
    expect(schema.GetCustomers.result).toMatchObject({
      kind: 'struct',
      name: 'APICustomersResponse',
    });
  });

  it('reads "\\/Date(ms)\\/" as the UTC instant, with or without an offset suffix', () => {
    expect(instantOfJsonDate('/Date(1795973400000)/')?.toISOString()).toBe(
      '2026-11-29T17:30:00.000Z',
    );
    expect(instantOfJsonDate('/Date(1795973400000+0100)/')?.toISOString()).toBe(
      '2026-11-29T17:30:00.000Z',
    );
    expect(instantOfJsonDate('2026-11-29T18:30:00')).toBeNull();
    expect(jsonDateOf(new Date('2026-11-29T17:30:00Z'))).toBe('"\\/Date(1795973400000)\\/"');
  });

  it('turns instants into Berlin wall clock with its offset, telling autumn’s two 02:30 apart', () => {
    const page = readJsonValue(
      schema.GetCustomers.result,
      {
        __type: 'Hypersoft.API300.APICustomersResponse',
        Status: { Code: 0, ServerDateTime: `/Date(${Date.parse('2026-10-25T00:30:00Z')})/` },
        Customers: [
          { CustomerNumber: 1, Changed: `/Date(${Date.parse('2026-10-25T01:30:00Z')})/` },
        ],
        TotalCount: 1,
        Unknown: 'ignored',
      },
      'GetCustomersResult',
    );
    expect(page).toEqual({
      Status: { Code: 0, ServerDateTime: '2026-10-25T02:30:00+02:00' },
      Customers: { Customer: [{ CustomerNumber: 1, Changed: '2026-10-25T02:30:00+01:00' }] },
      TotalCount: 1,
    });
  });

  it('refuses an object whose __type names another class', () => {
    expect(() =>
      readJsonValue(schema.GetStations.result, { __type: 'X.Customer' }, 'GetStationsResult'),
    ).toThrow(WireShapeError);
  });

  it('writes every parameter: missing lists as [], missing strings and nil dates as null', () => {
    const body = jsonRequestBody(schema.GetReservations.parameters, {
      CusToken: 'c',
      AuthToken: 'a',
      StationNumber: 2,
      CustomerNumbers: { int: [10001, 10002] },
      From: '2026-11-29T00:00:00',
      To: null,
      PageIndex: 0,
      PageSize: 500,
    });
    expect(body).toBe(
      '{"CusToken":"c","AuthToken":"a","ReservationIDs":[],"StationNumber":2,' +
        '"CustomerNumbers":[10001,10002],"From":"\\/Date(1795906800000)\\/","To":null,' +
        '"ChangedSince":null,"PageIndex":0,"PageSize":500}',
    );
  });
});
