import { refusalOf, statusError } from '../../../../src/data/api300/refusals';

describe("API300's refusals in local validation's terms", () => {
  it('names a record field in GraphQL terms, with the value and what is allowed', () => {
    expect(
      refusalOf('Reservation.StationNumber: 99 is out of range (allowed: one of 1, 2, 3).'),
    ).toEqual({ field: 'stationNumber', value: 99, allowed: 'one of 1, 2, 3' });
    expect(
      refusalOf("Customer.Name: 'x' is out of range (allowed: at most 50 characters)."),
    ).toEqual(expect.objectContaining({ field: 'lastName' }));
    expect(
      refusalOf(
        'Ticket.ReservationID: 77 is out of range (allowed: 0 (none) or an existing reservation ID).',
      ),
    ).toEqual({
      field: 'reservationId',
      value: 77,
      allowed: '0 (none) or an existing reservation ID',
    });
  });

  it('names the parameters of RedeemTicket too', () => {
    expect(refusalOf('StationNumber: 9 is out of range (allowed: one of 1, 2).')).toEqual({
      field: 'stationNumber',
      value: 9,
      allowed: 'one of 1, 2',
    });
  });

  it('withholds personal data, keeping the length API300 gave', () => {
    const cut = `'${'x'.repeat(40)}…' (130 characters)`;
    expect(
      refusalOf(`Customer.Memo: ${cut} is out of range (allowed: at most 2000 characters).`)?.value,
    ).toBe('(withheld: personal data, 130 characters)');
    expect(
      refusalOf(
        "Customer.CardNumber: 'K-1' is out of range (allowed: a card number no other customer holds (held by 17)).",
      ),
    ).toEqual({
      field: 'cardNumber',
      value: '(withheld: personal data, 3 characters)',
      allowed: 'a card number no other customer holds (held by 17)',
    });
    expect(refusalOf("Customer.Country: 'de' is out of range (allowed: ISO code).")?.value).toBe(
      'de',
    );
  });

  it('withholds a message in another form, which may quote personal data, and gives no refusal', () => {
    expect(refusalOf('PageSize: 0 is out of range (allowed: 1..500).')).toBeNull();
    expect(refusalOf('Something else went wrong.')).toBeNull();
    const error = statusError('GetCustomers', 30, "E-mail 'anna.mueller@example.de' is odd.");
    expect(error).toMatchObject({
      code: 'UPSTREAM_VALIDATION',
      message: expect.stringMatching(
        /^API300 GetCustomers answered Status\.Code 30: API300 refused a value; its message is withheld/,
      ),
      details: { statusCode: 30, operation: 'GetCustomers' },
    });
    expect(error.message).not.toContain('anna');
    expect(error.details.refusal).toBeUndefined();
  });

  it('words Codes 40, 41 and 99 itself, keeping only a known reason of a conflict', () => {
    expect(statusError('GetCustomer', 40, 'Customer Anna Müller (4711) not found.').message).toBe(
      'API300 GetCustomer answered Status.Code 40: the customer does not exist',
    );
    expect(statusError('RedeemTicket', 41, "Ticket 'T-1' is already redeemed.").message).toBe(
      'API300 RedeemTicket answered Status.Code 41: the ticket is already redeemed',
    );
    expect(statusError('SetReservation', 41, 'Guest Anna Müller is seated.').message).toBe(
      "API300 SetReservation answered Status.Code 41: the reservation's state does not allow this change",
    );
    const internal = statusError('SetCustomer', 99, 'NullReference at Anna Müller, Hauptstr. 1');
    expect(internal.code).toBe('UPSTREAM_INTERNAL');
    expect(internal.message).not.toMatch(/Anna|Hauptstr/);
  });

  it('rewords a refusal and types every other Status code', () => {
    expect(
      statusError('SetReservation', 30, 'Reservation.Persons: 0 is out of range (allowed: 1..500).')
        .message,
    ).toBe('Refused by API300: persons got 0, allowed: 1..500 (SetReservation).');
    expect(statusError('RedeemTicket', 41, "Ticket 'T' is already redeemed.").code).toBe(
      'CONFLICT',
    );
    expect(statusError('GetReservations', 20, 'Licence missing: Interface 56.').code).toBe(
      'UPSTREAM_LICENCE_MISSING',
    );
  });
});
