/**
 * The simulated POS database: records under their wire names (codec.ts explains the value
 * forms). Rows are replaced whole, never patched (docs/api300-contract.md §7).
 */

export type CustomerRow = {
  CustomerNumber: number;
  Salutation: string | null;
  FirstName: string | null;
  Name: string | null;
  Company: string | null;
  Alias: string | null;
  Gender: number;
  /** `YYYY-MM-DD` */
  Birthday: string | null;
  Street: string | null;
  ZipCode: string | null;
  City: string | null;
  Country: string | null;
  PhonePrivate: string | null;
  PhoneBusiness: string | null;
  Mobile: string | null;
  Fax: string | null;
  Email: string | null;
  Homepage: string | null;
  /** `HH:MM:SS` */
  ReachableFrom: string | null;
  ReachableTo: string | null;
  CardNumber: string | null;
  Discount: number;
  PriceLevel: number;
  CreditLimit: number;
  Locked: boolean;
  Favourite: boolean;
  Memo: string | null;
  Created: number;
  Changed: number;
};

export type ReservationRow = {
  ReservationID: number;
  StationNumber: number;
  CustomerNumber: number;
  GuestName: string | null;
  Phone: string | null;
  Email: string | null;
  Start: number;
  DurationMinutes: number;
  Persons: number;
  Tables: string | null;
  Status: number;
  Comment: string | null;
  Created: number;
  Changed: number;
};

export type TicketRow = {
  TicketNumber: string;
  ArticleNumber: number;
  ArticleName: string | null;
  CustomerNumber: number;
  ReservationID: number;
  ValidFrom: number;
  ValidTo: number;
  Price: number;
  Status: number;
  RedeemedAt: number | null;
  RedeemedStation: number;
  Created: number;
  Changed: number;
};

export type StationRow = {
  StationNumber: number;
  Name: string | null;
  Active: boolean;
};

/** Numbers the service hands out to records created with number/ID 0. */
export const FIRST_CUSTOMER_NUMBER = 10001;
export const FIRST_RESERVATION_ID = 500001;
export const FIRST_TICKET_SERIAL = 10000001;

export class Store {
  readonly customers = new Map<number, CustomerRow>();
  readonly reservations = new Map<number, ReservationRow>();
  readonly tickets = new Map<string, TicketRow>();
  readonly stations: StationRow[] = [];
  /** Card number → customer number; card numbers are unique when set (§9). */
  private readonly cards = new Map<string, number>();
  private nextCustomerNumber = FIRST_CUSTOMER_NUMBER;
  private nextReservationId = FIRST_RESERVATION_ID;
  private nextTicketSerial = FIRST_TICKET_SERIAL;

  putCustomer(row: CustomerRow): void {
    const previous = this.customers.get(row.CustomerNumber);
    if (previous?.CardNumber) this.cards.delete(previous.CardNumber);
    if (row.CardNumber) this.cards.set(row.CardNumber, row.CustomerNumber);
    this.customers.set(row.CustomerNumber, row);
    this.nextCustomerNumber = Math.max(this.nextCustomerNumber, row.CustomerNumber + 1);
  }

  /** The customer holding `cardNumber`, if any. */
  cardHolder(cardNumber: string): number | undefined {
    return this.cards.get(cardNumber);
  }

  putReservation(row: ReservationRow): void {
    this.reservations.set(row.ReservationID, row);
    this.nextReservationId = Math.max(this.nextReservationId, row.ReservationID + 1);
  }

  putTicket(row: TicketRow): void {
    this.tickets.set(row.TicketNumber, row);
  }

  /** Deletes a customer (its card number becomes free); false when there is none. */
  deleteCustomer(number: number): boolean {
    const row = this.customers.get(number);
    if (!row) return false;
    if (row.CardNumber) this.cards.delete(row.CardNumber);
    return this.customers.delete(number);
  }

  deleteReservation(id: number): boolean {
    return this.reservations.delete(id);
  }

  deleteTicket(number: string): boolean {
    return this.tickets.delete(number);
  }

  stationExists(stationNumber: number): boolean {
    return this.stations.some((s) => s.StationNumber === stationNumber);
  }

  allocateCustomerNumber(): number {
    return this.nextCustomerNumber;
  }

  allocateReservationId(): number {
    return this.nextReservationId;
  }

  allocateTicketNumber(): string {
    let number: string;
    do number = `GS${this.nextTicketSerial++}`;
    while (this.tickets.has(number));
    return number;
  }
}
