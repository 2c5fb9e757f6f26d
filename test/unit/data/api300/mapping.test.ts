import {
  WireRecord,
  WireShapeError,
  customerFromWire,
  customerQueryToWire,
  customerToWire,
  pageFromWire,
  reservationFromWire,
  reservationQueryToWire,
  reservationToWire,
  setResultFromWire,
  statusFromWire,
  ticketFromWire,
  ticketQueryToWire,
  ticketToWire,
  wireDecimal,
} from '../../../../src/data/api300/mapping';
import { newCustomer, newReservation, newTicket } from '../../../helpers/records';

const customer = newCustomer({
  number: 10001,
  company: null,
  alias: '',
  mobile: null,
  reachableTo: null,
  memo: null,
});

const wireCustomer: WireRecord = {
  CustomerNumber: 10001,
  Salutation: 'Frau',
  FirstName: 'Erika',
  Name: 'Mustermann',
  Company: '',
  Gender: 2,
  Birthday: '1980-05-17T00:00:00',
  Street: 'Hauptstraße 1',
  ReachableFrom: '1970-01-01T09:00:00',
  ReachableTo: null,
  Discount: 5,
  PriceLevel: 2,
  CreditLimit: 150.5,
  Locked: false,
  Favourite: true,
  Created: '2024-08-05T15:21:36',
  Changed: '2026-01-10T08:00:00',
};

describe('writing a customer', () => {
  it('lists the fields in WSDL order, because ASMX reads elements in sequence', () => {
    expect(Object.keys(customerToWire(customer))).toEqual([
      'CustomerNumber',
      'Salutation',
      'FirstName',
      'Name',
      'Gender',
      'Birthday',
      'Street',
      'ZipCode',
      'City',
      'Country',
      'Email',
      'ReachableFrom',
      'ReachableTo',
      'Discount',
      'PriceLevel',
      'CreditLimit',
      'Locked',
      'Favourite',
      'Created',
      'Changed',
    ]);
  });

  it('sends the gender as its code, the birthday as a Date field and reachability as Time fields', () => {
    const wire = customerToWire(customer);
    expect(wire.Gender).toBe(2);
    expect(wire.Birthday).toBe('1980-05-17T00:00:00');
    expect(wire.ReachableFrom).toBe('1970-01-01T09:00:00');
  });

  it('sends missing dates as nil (null) and leaves out missing strings', () => {
    const wire = customerToWire({ ...customer, birthday: null });
    expect(wire.Birthday).toBeNull();
    expect(wire.ReachableTo).toBeNull();
    expect('Company' in wire).toBe(false);
    expect('Alias' in wire).toBe(false);
  });

  it('fills the service-set Created/Changed with .NET DateTime.MinValue', () => {
    const wire = customerToWire(customer);
    expect([wire.Created, wire.Changed]).toEqual(['0001-01-01T00:00:00', '0001-01-01T00:00:00']);
  });

  it('wraps a value that looks like CDATA so node-soap cannot copy it into the XML raw', () => {
    const wire = customerToWire({
      ...customer,
      memo: '<![CDATA[</Memo><Discount>100</Discount><Memo>]]>',
    });
    expect(wire.Memo).toBe(
      '<![CDATA[<![CDATA[</Memo><Discount>100</Discount><Memo>]]]]><![CDATA[>]]>',
    );
  });
});

describe('decimals', () => {
  it('are written as plain xs:decimal text, never in exponent notation', () => {
    expect(wireDecimal(150.5)).toBe('150.5');
    expect(wireDecimal(0.1 + 0.2)).toBe('0.3');
    expect(wireDecimal(1e-7)).toBe('0');
    expect(wireDecimal(1e21 - 1e5)).not.toMatch(/e/);
    expect(wireDecimal(-0)).toBe('0');
    expect(wireDecimal(-12.25)).toBe('-12.25');
  });

  it('refuse NaN and infinities', () => {
    expect(() => wireDecimal(NaN)).toThrow(WireShapeError);
    expect(() => wireDecimal(Infinity)).toThrow(WireShapeError);
  });
});

describe('reading a customer', () => {
  it('maps wire names, codes and special dates to the domain', () => {
    expect(customerFromWire(wireCustomer)).toEqual({
      ...customer,
      alias: null,
      zipCode: null,
      city: null,
      country: null,
      email: null,
      created: new Date('2024-08-05T13:21:36Z'),
      changed: new Date('2026-01-10T07:00:00Z'),
    });
  });

  it('reads empty strings as null', () => {
    expect(customerFromWire({ ...wireCustomer, FirstName: '' }).firstName).toBeNull();
  });

  it('reads a nil or missing birthday as null', () => {
    expect(customerFromWire({ ...wireCustomer, Birthday: null }).birthday).toBeNull();
    expect(customerFromWire({ ...wireCustomer, Birthday: undefined }).birthday).toBeNull();
  });

  it('refuses an unknown gender code and a value of the wrong type', () => {
    expect(() => customerFromWire({ ...wireCustomer, Gender: 7 })).toThrow(/Gender 7/);
    expect(() => customerFromWire({ ...wireCustomer, Discount: 'many' })).toThrow(WireShapeError);
    expect(() => customerFromWire({ ...wireCustomer, FirstName: { nested: 'x' } })).toThrow(
      WireShapeError,
    );
  });
});

const reservation = newReservation({ customerNumber: null, status: 'NO_SHOW' });

describe('reservations', () => {
  it('are sent with Berlin wall-clock start, status code and 0 for no customer', () => {
    expect(reservationToWire(reservation)).toEqual({
      ReservationID: 0,
      StationNumber: 1,
      CustomerNumber: 0,
      GuestName: 'Tisch am Fenster',
      Start: '2026-12-24T19:00:00',
      DurationMinutes: 120,
      Persons: 4,
      Tables: '12,14',
      Status: 5,
      Created: '0001-01-01T00:00:00',
      Changed: '0001-01-01T00:00:00',
    });
  });

  it('come back with the same values', () => {
    const wire = {
      ...reservationToWire(reservation),
      Created: '2026-11-01T10:00:00',
      Changed: '2026-11-01T10:00:00',
    };
    expect(reservationFromWire(wire)).toEqual({
      ...reservation,
      created: new Date('2026-11-01T09:00:00Z'),
      changed: new Date('2026-11-01T09:00:00Z'),
    });
  });
});

const ticket = newTicket({
  number: 'GS-1',
  validFrom: new Date('2026-06-30T22:00:00Z'),
  validTo: new Date('2027-06-30T21:59:59Z'),
  price: 50,
});

describe('tickets', () => {
  it('are sent with 0 for no reservation and no station, and a nil redemption time', () => {
    const wire = ticketToWire(ticket);
    expect(wire).toMatchObject({
      ReservationID: 0,
      RedeemedStation: 0,
      RedeemedAt: null,
      Price: '50',
      ValidFrom: '2026-07-01T00:00:00',
      ValidTo: '2027-06-30T23:59:59',
    });
  });

  it('read a redeemed ticket with its station and time', () => {
    const wire = {
      ...ticketToWire(ticket),
      Price: 50,
      Status: 1,
      RedeemedAt: '2026-10-25T02:30:00',
      RedeemedStation: 2,
      Created: '2026-07-01T00:00:00',
      Changed: '2026-10-25T02:30:00',
    };
    expect(ticketFromWire(wire)).toMatchObject({
      status: 'REDEEMED',
      redeemedStation: 2,
      redeemedAt: new Date('2026-10-25T00:30:00Z'),
      reservationId: null,
      price: 50,
    });
  });
});

describe('list reads', () => {
  it('leave out empty filters and send nil for a missing changed-since', () => {
    expect(
      customerQueryToWire({ numbers: [], searchText: '', pageIndex: 0, pageSize: 500 }),
    ).toEqual({
      ChangedSince: null,
      PageIndex: 0,
      PageSize: 500,
    });
  });

  it('send number lists as ArrayOfInt/ArrayOfString items', () => {
    expect(
      customerQueryToWire({ numbers: [1, 2], pageIndex: 0, pageSize: 2 }).CustomerNumbers,
    ).toEqual({ int: [1, 2] });
    expect(ticketQueryToWire({ numbers: ['A'], pageIndex: 0, pageSize: 1 }).TicketNumbers).toEqual({
      string: ['A'],
    });
  });

  it('send the reservation filters in WSDL order with 0 for every station', () => {
    const wire = reservationQueryToWire({
      customerNumbers: [10001],
      from: new Date('2026-11-30T23:00:00Z'),
      to: null,
      pageIndex: 1,
      pageSize: 50,
    });
    expect(Object.entries(wire)).toEqual([
      ['StationNumber', 0],
      ['CustomerNumbers', { int: [10001] }],
      ['From', '2026-12-01T00:00:00'],
      ['To', null],
      ['ChangedSince', null],
      ['PageIndex', 1],
      ['PageSize', 50],
    ]);
  });

  it('widen a changed-since in autumn’s repeated hour to 02:00 (DST rule)', () => {
    const wire = ticketQueryToWire({
      changedSince: new Date('2026-10-25T01:15:00Z'),
      pageIndex: 0,
      pageSize: 1,
    });
    expect(wire.ChangedSince).toBe('2026-10-25T02:00:00');
  });

  it('read a page with one item, none, or nil items', () => {
    const Status = { Code: 0, Message: '', ServerDateTime: '2026-07-01T14:00:05' };
    const one = { Status, TotalCount: 7, Customers: { Customer: wireCustomer } };
    expect(pageFromWire(one, 'Customers', 'Customer', customerFromWire)).toMatchObject({
      totalCount: 7,
      items: [{ number: 10001 }],
    });
    expect(
      pageFromWire(
        { Status, TotalCount: 0, Customers: null },
        'Customers',
        'Customer',
        customerFromWire,
      ),
    ).toEqual({ items: [], totalCount: 0, serverTime: new Date('2026-07-01T12:00:05Z') });
    const withNil = { Status, TotalCount: 1, Customers: { Customer: [null, wireCustomer] } };
    expect(pageFromWire(withNil, 'Customers', 'Customer', customerFromWire).items).toHaveLength(1);
  });
});

describe('a page with a record that does not map', () => {
  const Status = { Code: 0, Message: '', ServerDateTime: '2026-07-01T14:00:05' };
  const page = (...customers: WireRecord[]) =>
    pageFromWire(
      { Status, TotalCount: customers.length, Customers: { Customer: customers } },
      'Customers',
      'Customer',
      customerFromWire,
    );

  it('keeps the records that map and lists the others by key and field, never by value', () => {
    const read = page(
      { ...wireCustomer, CustomerNumber: 10001 },
      { ...wireCustomer, CustomerNumber: 10002, Gender: 9 },
      { ...wireCustomer, CustomerNumber: 10003, Birthday: '1980-13-45T00:00:00' },
      { ...wireCustomer, CustomerNumber: 10004 },
    );
    expect(read.items.map((c) => c.number)).toEqual([10001, 10004]);
    expect(read.totalCount).toBe(4);
    expect(read.skipped).toEqual([
      { key: 10002, field: 'Gender' },
      { key: 10003, field: 'Birthday' },
    ]);
    expect(JSON.stringify(read.skipped)).not.toContain('1980');
  });

  it('names no key when the key itself is unreadable', () => {
    const read = page({ ...wireCustomer, CustomerNumber: 'x' });
    expect(read.items).toEqual([]);
    expect(read.skipped).toEqual([{ key: null, field: 'CustomerNumber' }]);
  });

  it('still refuses a reply whose list is not a list', () => {
    expect(() =>
      pageFromWire(
        { Status, TotalCount: 1, Customers: 'x' },
        'Customers',
        'Customer',
        customerFromWire,
      ),
    ).toThrow(WireShapeError);
  });

  it('names a reservation by its ReservationID and a ticket by its TicketNumber text', () => {
    const reservations = pageFromWire(
      {
        Status,
        TotalCount: 2,
        Reservations: { Reservation: [{ ReservationID: 5, Status: 99 }, { Status: 99 }] },
      },
      'Reservations',
      'Reservation',
      reservationFromWire,
    );
    expect(reservations.skipped?.map((s) => s.key)).toEqual([5, null]);
    const tickets = pageFromWire(
      {
        Status,
        TotalCount: 3,
        Tickets: {
          Ticket: [
            { TicketNumber: 'T-1', Status: 99 },
            { TicketNumber: 7, Status: 99 },
            { TicketNumber: '', Status: 99 },
          ],
        },
      },
      'Tickets',
      'Ticket',
      ticketFromWire,
    );
    expect(tickets.skipped?.map((s) => s.key)).toEqual(['T-1', null, null]);
  });
});

describe('status and set results', () => {
  it('reads the status code and message', () => {
    expect(statusFromWire({ Status: { Code: 40, Message: 'Customer 1 not found.' } })).toEqual({
      code: 40,
      message: 'Customer 1 not found.',
    });
  });

  it('calls a reply without a status malformed', () => {
    expect(() => statusFromWire({})).toThrow(WireShapeError);
    expect(() => statusFromWire(undefined)).toThrow(WireShapeError);
  });

  it('reads one set result per record', () => {
    expect(
      setResultFromWire({ Index: 1, Number: 0, Code: 30, Message: 'Discount 101 out of range' }),
    ).toEqual({
      index: 1,
      number: 0,
      code: 30,
      message: 'Discount 101 out of range',
    });
  });
});
