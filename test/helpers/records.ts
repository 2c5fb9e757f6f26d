import { Api300Error } from '../../src/data/errors';
import { CustomerWrite, ReservationWrite, TicketWrite } from '../../src/domain/models';

/**
 * Domain records for the API300 client tests (unit, golden and integration). The defaults
 * are the records of the golden files: changing one changes those files.
 */

export const newCustomer = (overrides: Partial<CustomerWrite> = {}): CustomerWrite => ({
  number: 0,
  salutation: 'Frau',
  firstName: 'Erika',
  lastName: 'Mustermann',
  company: 'Café & Bar <Süd>',
  alias: null,
  gender: 'FEMALE',
  birthday: '1980-05-17',
  street: 'Hauptstraße 1',
  zipCode: '10115',
  city: 'Berlin',
  country: 'DE',
  phonePrivate: null,
  phoneBusiness: null,
  mobile: '+49 170 1234567',
  fax: null,
  email: 'erika@example.org',
  homepage: null,
  reachableFrom: '09:00:00',
  reachableTo: '17:30:00',
  cardNumber: null,
  discount: 5,
  priceLevel: 2,
  creditLimit: 150.5,
  locked: false,
  favourite: true,
  memo: 'Stammgast',
  ...overrides,
});

export const newReservation = (overrides: Partial<ReservationWrite> = {}): ReservationWrite => ({
  id: 0,
  stationNumber: 1,
  customerNumber: 10002,
  guestName: 'Tisch am Fenster',
  phone: null,
  email: null,
  start: new Date('2026-12-24T18:00:00Z'),
  durationMinutes: 120,
  persons: 4,
  tables: '12,14',
  status: 'CONFIRMED',
  comment: null,
  ...overrides,
});

export const newTicket = (overrides: Partial<TicketWrite> = {}): TicketWrite => ({
  number: 'GOLDEN-1',
  articleNumber: 1002,
  articleName: 'Wertgutschein 50 €',
  customerNumber: 10004,
  reservationId: null,
  validFrom: new Date('2026-10-31T23:00:00Z'),
  validTo: new Date('2027-10-31T22:59:59Z'),
  price: 49.9,
  status: 'VALID',
  redeemedAt: null,
  redeemedStation: null,
  ...overrides,
});

/**
 * The `Api300Error` a call rejects with. Also checks what every such error promises: no
 * token of `secrets` and no piece of XML in its message or details.
 */
export async function failureOf(
  promise: Promise<unknown>,
  secrets: readonly string[] = [],
): Promise<Api300Error> {
  const error = await promise.then(
    () => new Error('expected the call to fail'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Api300Error);
  const failure = error as Api300Error;
  for (const text of [failure.message, JSON.stringify(failure.details)]) {
    for (const secret of secrets) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/<\/?\w+[:>\s]/);
  }
  return failure;
}
