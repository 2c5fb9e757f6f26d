/**
 * docs/api300-contract.md §8/§9 as data: every structure, array and operation of API300 with its XSD
 * types, in wire order. It is the one description the simulator uses to render the WSDL
 * (`schema/upstream/API300.wsdl` is generated from it and a test keeps both equal), to read
 * request elements into typed values, and to write replies in the right element order.
 */

import type { Api300Operation } from '../domain/operations';

export const NAMESPACE = 'http://tempuri.org/';
export const SERVICE_PATH = '/Service/API300.asmx';

export type Scalar = 'int' | 'string' | 'boolean' | 'decimal' | 'dateTime';

export type StructName =
  | 'APIStatus'
  | 'Customer'
  | 'Reservation'
  | 'Ticket'
  | 'Station'
  | 'SetResult'
  | 'APIGeneralResponse'
  | 'APIStationsResponse'
  | 'APICustomerResponse'
  | 'APICustomersResponse'
  | 'APISetResponse'
  | 'APIReservationsResponse'
  | 'APIReservationResponse'
  | 'APITicketsResponse'
  | 'APITicketResponse';

export type ArrayName =
  | 'ArrayOfCustomer'
  | 'ArrayOfReservation'
  | 'ArrayOfTicket'
  | 'ArrayOfStation'
  | 'ArrayOfSetResult'
  | 'ArrayOfInt'
  | 'ArrayOfString';

export type TypeName = Scalar | StructName | ArrayName;

/**
 * How the service reads a `dateTime` field (§6): `date` keeps only the calendar day, `time`
 * only the time of day, `changedSince` applies the DST rule; everything else is a full
 * Berlin wall-clock date-time.
 */
export type Temporal = 'date' | 'time' | 'changedSince';

export interface FieldSpec {
  name: string;
  type: TypeName;
  /** Only for optional dates: written `xsi:nil="true"` when absent. */
  nillable?: boolean;
  temporal?: Temporal;
}

const f = (name: string, type: TypeName, extra: Partial<FieldSpec> = {}): FieldSpec => ({
  name,
  type,
  ...extra,
});

export const STRUCTS: Record<StructName, FieldSpec[]> = {
  APIStatus: [f('Code', 'int'), f('Message', 'string'), f('ServerDateTime', 'dateTime')],
  Customer: [
    f('CustomerNumber', 'int'),
    f('Salutation', 'string'),
    f('FirstName', 'string'),
    f('Name', 'string'),
    f('Company', 'string'),
    f('Alias', 'string'),
    f('Gender', 'int'),
    f('Birthday', 'dateTime', { nillable: true, temporal: 'date' }),
    f('Street', 'string'),
    f('ZipCode', 'string'),
    f('City', 'string'),
    f('Country', 'string'),
    f('PhonePrivate', 'string'),
    f('PhoneBusiness', 'string'),
    f('Mobile', 'string'),
    f('Fax', 'string'),
    f('Email', 'string'),
    f('Homepage', 'string'),
    f('ReachableFrom', 'dateTime', { nillable: true, temporal: 'time' }),
    f('ReachableTo', 'dateTime', { nillable: true, temporal: 'time' }),
    f('CardNumber', 'string'),
    f('Discount', 'int'),
    f('PriceLevel', 'int'),
    f('CreditLimit', 'decimal'),
    f('Locked', 'boolean'),
    f('Favourite', 'boolean'),
    f('Memo', 'string'),
    f('Created', 'dateTime'),
    f('Changed', 'dateTime'),
  ],
  Reservation: [
    f('ReservationID', 'int'),
    f('StationNumber', 'int'),
    f('CustomerNumber', 'int'),
    f('GuestName', 'string'),
    f('Phone', 'string'),
    f('Email', 'string'),
    f('Start', 'dateTime'),
    f('DurationMinutes', 'int'),
    f('Persons', 'int'),
    f('Tables', 'string'),
    f('Status', 'int'),
    f('Comment', 'string'),
    f('Created', 'dateTime'),
    f('Changed', 'dateTime'),
  ],
  Ticket: [
    f('TicketNumber', 'string'),
    f('ArticleNumber', 'int'),
    f('ArticleName', 'string'),
    f('CustomerNumber', 'int'),
    f('ReservationID', 'int'),
    f('ValidFrom', 'dateTime'),
    f('ValidTo', 'dateTime'),
    f('Price', 'decimal'),
    f('Status', 'int'),
    f('RedeemedAt', 'dateTime', { nillable: true }),
    f('RedeemedStation', 'int'),
    f('Created', 'dateTime'),
    f('Changed', 'dateTime'),
  ],
  Station: [f('StationNumber', 'int'), f('Name', 'string'), f('Active', 'boolean')],
  SetResult: [f('Index', 'int'), f('Number', 'int'), f('Code', 'int'), f('Message', 'string')],
  APIGeneralResponse: [f('Status', 'APIStatus')],
  APIStationsResponse: [f('Status', 'APIStatus'), f('Stations', 'ArrayOfStation')],
  APICustomerResponse: [f('Status', 'APIStatus'), f('Customer', 'Customer')],
  APICustomersResponse: [
    f('Status', 'APIStatus'),
    f('Customers', 'ArrayOfCustomer'),
    f('TotalCount', 'int'),
  ],
  APISetResponse: [f('Status', 'APIStatus'), f('Results', 'ArrayOfSetResult')],
  APIReservationsResponse: [
    f('Status', 'APIStatus'),
    f('Reservations', 'ArrayOfReservation'),
    f('TotalCount', 'int'),
  ],
  APIReservationResponse: [f('Status', 'APIStatus'), f('Reservation', 'Reservation')],
  APITicketsResponse: [
    f('Status', 'APIStatus'),
    f('Tickets', 'ArrayOfTicket'),
    f('TotalCount', 'int'),
  ],
  APITicketResponse: [f('Status', 'APIStatus'), f('Ticket', 'Ticket')],
};

/** Item element name and type of each `ArrayOfX` (ASMX names the item after its type). */
export const ARRAYS: Record<ArrayName, { item: string; type: Scalar | StructName }> = {
  ArrayOfCustomer: { item: 'Customer', type: 'Customer' },
  ArrayOfReservation: { item: 'Reservation', type: 'Reservation' },
  ArrayOfTicket: { item: 'Ticket', type: 'Ticket' },
  ArrayOfStation: { item: 'Station', type: 'Station' },
  ArrayOfSetResult: { item: 'SetResult', type: 'SetResult' },
  ArrayOfInt: { item: 'int', type: 'int' },
  ArrayOfString: { item: 'string', type: 'string' },
};

/** The operations of docs/api300-contract.md §8; the product's gate and metrics name them the same way. */
export type OperationName = Api300Operation;

export type Licence = 'customers' | 'reservations' | 'tickets';

export interface OperationSpec {
  /** Parameters after `CusToken`, `AuthToken`. */
  parameters: FieldSpec[];
  result: StructName;
  /** `null`: valid tokens suffice (§4). */
  licence: Licence | null;
  /** `wsdl:documentation` of the operation, as `[WebMethod(Description = …)]` would write it. */
  description: string;
}

const changedSince = f('ChangedSince', 'dateTime', { nillable: true, temporal: 'changedSince' });
const paging = [f('PageIndex', 'int'), f('PageSize', 'int')];

export const OPERATIONS: Record<OperationName, OperationSpec> = {
  ServerDateTime: {
    parameters: [],
    result: 'APIGeneralResponse',
    licence: null,
    description: 'Returns the server time (Europe/Berlin wall-clock) in Status.ServerDateTime.',
  },
  GetStations: {
    parameters: [],
    result: 'APIStationsResponse',
    licence: null,
    description: 'Returns every station (current data, no history).',
  },
  GetCustomer: {
    parameters: [f('CustomerNumber', 'int')],
    result: 'APICustomerResponse',
    licence: 'customers',
    description: 'Returns one customer. Code 40 when it does not exist. Needs Interface 55.',
  },
  GetCustomers: {
    parameters: [
      f('CustomerNumbers', 'ArrayOfInt'),
      f('SearchText', 'string'),
      changedSince,
      ...paging,
    ],
    result: 'APICustomersResponse',
    licence: 'customers',
    description:
      'Pages through customers. Empty CustomerNumbers = no filter; SearchText matches names, company, e-mail, phones and card number; PageIndex from 0, PageSize 1..500. Needs Interface 55.',
  },
  SetCustomer: {
    parameters: [f('Customer', 'Customer')],
    result: 'APICustomerResponse',
    licence: 'customers',
    description:
      'Stores the whole customer record (fields left out are cleared). CustomerNumber 0 creates. Gender: 0 unknown, 1 male, 2 female, 3 diverse. Needs Interface 55.',
  },
  SetCustomers: {
    parameters: [f('Customers', 'ArrayOfCustomer')],
    result: 'APISetResponse',
    licence: 'customers',
    description:
      'Stores 1..500 whole customer records, each on its own. More than 500: Code 31. Needs Interface 55.',
  },
  GetReservations: {
    parameters: [
      f('ReservationIDs', 'ArrayOfInt'),
      f('StationNumber', 'int'),
      f('CustomerNumbers', 'ArrayOfInt'),
      f('From', 'dateTime', { nillable: true }),
      f('To', 'dateTime', { nillable: true }),
      changedSince,
      ...paging,
    ],
    result: 'APIReservationsResponse',
    licence: 'reservations',
    description:
      'Pages through reservations; filters combine with AND, Start in [From, To). StationNumber 0 = all. Needs Interface 56.',
  },
  SetReservation: {
    parameters: [f('Reservation', 'Reservation')],
    result: 'APIReservationResponse',
    licence: 'reservations',
    description:
      'Stores the whole reservation (ReservationID 0 creates). Status: 0 requested, 1 confirmed, 2 seated, 3 completed, 4 cancelled, 5 no-show. Needs Interface 56.',
  },
  SetReservations: {
    parameters: [f('Reservations', 'ArrayOfReservation')],
    result: 'APISetResponse',
    licence: 'reservations',
    description:
      'Stores 1..500 whole reservations, each on its own. More than 500: Code 31. Needs Interface 56.',
  },
  GetTickets: {
    parameters: [
      f('TicketNumbers', 'ArrayOfString'),
      f('CustomerNumbers', 'ArrayOfInt'),
      f('ReservationIDs', 'ArrayOfInt'),
      changedSince,
      ...paging,
    ],
    result: 'APITicketsResponse',
    licence: 'tickets',
    description:
      'Pages through tickets; empty lists = no filter, filters combine with AND. Needs the ticketing licence.',
  },
  SetTicket: {
    parameters: [f('Ticket', 'Ticket')],
    result: 'APITicketResponse',
    licence: 'tickets',
    description:
      'Issues or changes a whole ticket. Status: 0 valid, 1 redeemed, 2 cancelled. Needs the ticketing licence.',
  },
  RedeemTicket: {
    parameters: [f('TicketNumber', 'string'), f('StationNumber', 'int')],
    result: 'APITicketResponse',
    licence: 'tickets',
    description:
      'Redeems a ticket at a station. Code 41 when redeemed, cancelled or outside its validity.',
  },
};

export const OPERATION_NAMES = Object.keys(OPERATIONS) as OperationName[];

export const TOKEN_PARAMETERS: FieldSpec[] = [f('CusToken', 'string'), f('AuthToken', 'string')];

/** Every parameter of an operation in wire order, tokens first. */
export function parametersOf(operation: OperationName): FieldSpec[] {
  return [...TOKEN_PARAMETERS, ...OPERATIONS[operation].parameters];
}

export function isScalar(type: TypeName): type is Scalar {
  return (
    type === 'int' ||
    type === 'string' ||
    type === 'boolean' ||
    type === 'decimal' ||
    type === 'dateTime'
  );
}

export function isArray(type: TypeName): type is ArrayName {
  return type in ARRAYS;
}

export function isOperation(name: string): name is OperationName {
  return Object.prototype.hasOwnProperty.call(OPERATIONS, name);
}
