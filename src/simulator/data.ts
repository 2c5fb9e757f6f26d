import {
  ARTICLES,
  CITIES,
  COMPANY_FORMS,
  COMPANY_TRADES,
  COUNTRY_CALLING_CODES,
  FEMALE_FIRST_NAMES,
  LAST_NAMES,
  MAIL_DOMAINS,
  MALE_FIRST_NAMES,
  MEMOS,
  MOBILE_PREFIXES,
  RESERVATION_COMMENTS,
  STATION_NAMES,
  STREETS,
  transliterate,
} from './names';
import {
  CustomerRow,
  FIRST_CUSTOMER_NUMBER,
  FIRST_RESERVATION_ID,
  ReservationRow,
  Store,
  TicketRow,
} from './store';
import { dateOf, fromWallClock, toWallClock, truncateToSecond } from './time';

export interface DataSizes {
  customers: number;
  reservations: number;
  tickets: number;
  stations: number;
}

/** mulberry32: small, fast and good enough for test data; the same seed gives the same stream. */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DAY = 86_400_000;
const MINUTE = 60_000;

/**
 * Seeded POS data. Everything is placed relative to the start of the current Berlin day, so
 * the same seed gives the same data all day long: reservations spread over six weeks either
 * side of today, tickets and customers created over the past years, nothing changed after
 * today's midnight.
 */
export function generateData(seed: number, sizes: DataSizes, now: number): Store {
  const random = createRandom(seed);
  const chance = (p: number): boolean => random() < p;
  const int = (min: number, max: number): number => min + Math.floor(random() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const digits = (n: number): string => Array.from({ length: n }, () => int(0, 9)).join('');

  const today = toWallClock(now);
  const midnight = fromWallClock({ ...today, hour: 0, minute: 0, second: 0 });
  const pastInstant = (maxDays: number): number =>
    truncateToSecond(midnight - random() * maxDays * DAY);
  const between = (from: number, to: number): number =>
    truncateToSecond(from + random() * Math.max(0, to - from));

  const store = new Store();
  for (let n = 1; n <= sizes.stations; n++) {
    store.stations.push({
      StationNumber: n,
      Name: STATION_NAMES[n - 1] ?? `Filiale ${n}`,
      Active: n <= STATION_NAMES.length || chance(0.8),
    });
  }

  const customers: CustomerRow[] = [];
  for (let i = 0; i < sizes.customers; i++) {
    const gender = chance(0.46) ? 2 : chance(0.9) ? 1 : chance(0.3) ? 3 : 0;
    const firstName = pick(
      gender === 2
        ? FEMALE_FIRST_NAMES
        : gender === 1
          ? MALE_FIRST_NAMES
          : chance(0.5)
            ? FEMALE_FIRST_NAMES
            : MALE_FIRST_NAMES,
    );
    const lastName = pick(LAST_NAMES);
    const city = chance(0.93) ? pick(CITIES.filter((c) => c.country === 'DE')) : pick(CITIES);
    const calling = COUNTRY_CALLING_CODES[city.country];
    const isBusiness = chance(0.15);
    const company = isBusiness
      ? `${lastName} ${pick(COMPANY_TRADES)} ${pick(COMPANY_FORMS)}`
      : null;
    const mailName = `${transliterate(firstName)}.${transliterate(lastName)}`.toLowerCase();
    const created = pastInstant(5 * 365);
    customers.push({
      CustomerNumber: FIRST_CUSTOMER_NUMBER + i,
      Salutation: gender === 2 ? 'Frau' : gender === 1 ? 'Herr' : null,
      FirstName: firstName,
      Name: lastName,
      Company: company,
      Alias: chance(0.08) ? firstName.slice(0, 3) + (chance(0.5) ? 'i' : 'y') : null,
      Gender: gender,
      Birthday: chance(0.7)
        ? dateOf({
            year: int(1945, 2006),
            month: int(1, 12),
            day: int(1, 28),
            hour: 0,
            minute: 0,
            second: 0,
          })
        : null,
      Street: `${pick(STREETS)} ${int(1, 120)}${chance(0.1) ? pick(['a', 'b', 'c']) : ''}`,
      ZipCode: city.zip,
      City: city.name,
      Country: city.country,
      PhonePrivate: chance(0.55) ? `${calling} ${city.areaCode} ${digits(int(6, 8))}` : null,
      PhoneBusiness: isBusiness
        ? `${calling} ${city.areaCode} ${digits(int(5, 7))}-${int(0, 99)}`
        : null,
      Mobile: chance(0.7) ? `${calling} ${pick(MOBILE_PREFIXES)} ${digits(int(7, 8))}` : null,
      Fax: isBusiness && chance(0.3) ? `${calling} ${city.areaCode} ${digits(6)}-99` : null,
      Email: chance(0.8)
        ? isBusiness
          ? `${mailName}@${transliterate(lastName).toLowerCase()}-${transliterate(company!.split(' ')[1]).toLowerCase()}.de`
          : `${mailName}${chance(0.4) ? int(1, 99) : ''}@${pick(MAIL_DOMAINS)}`
        : null,
      Homepage:
        isBusiness && chance(0.6)
          ? `https://www.${transliterate(lastName).toLowerCase()}-${transliterate(company!.split(' ')[1]).toLowerCase()}.de`
          : null,
      ReachableFrom: chance(0.2) ? `${String(int(7, 10)).padStart(2, '0')}:00:00` : null,
      ReachableTo: null,
      CardNumber: chance(0.4) ? `20${String(i + 1).padStart(8, '0')}` : null,
      Discount: chance(0.8) ? 0 : pick([3, 5, 10, 15, 20]),
      PriceLevel: chance(0.85) ? 1 : int(2, 3),
      CreditLimit: isBusiness ? pick([500, 1000, 2500, 5000]) : 0,
      Locked: chance(0.02),
      Favourite: chance(0.1),
      Memo: chance(0.12) ? pick(MEMOS) : null,
      Created: created,
      Changed: between(created, midnight),
    });
    const last = customers[customers.length - 1];
    if (last.ReachableFrom)
      last.ReachableTo = `${String(int(16, 20)).padStart(2, '0')}:${pick(['00', '30'])}:00`;
  }
  for (const row of customers) store.putCustomer(row);

  const reservations: ReservationRow[] = [];
  for (let i = 0; i < sizes.reservations; i++) {
    const dayOffset = int(-42, 42);
    const day = toWallClock(midnight + dayOffset * DAY + 12 * 3_600_000);
    const start = fromWallClock({
      ...day,
      hour: int(11, 21),
      minute: pick([0, 15, 30, 45]),
      second: 0,
    });
    const duration = pick([90, 120, 120, 150, 180]);
    const customer = customers.length > 0 && chance(0.85) ? pick(customers) : null;
    const guestFirst = pick(chance(0.5) ? FEMALE_FIRST_NAMES : MALE_FIRST_NAMES);
    const guestLast = pick(LAST_NAMES);
    let status: number;
    if (start + duration * MINUTE < now) status = chance(0.8) ? 3 : chance(0.6) ? 4 : 5;
    else if (start <= now) status = 2;
    else status = chance(0.7) ? 1 : chance(0.7) ? 0 : 4;
    const created = truncateToSecond(Math.min(midnight, start - int(1, 30) * DAY) - random() * DAY);
    const table = int(1, 40);
    reservations.push({
      ReservationID: FIRST_RESERVATION_ID + i,
      StationNumber: sizes.stations > 0 ? int(1, sizes.stations) : 1,
      CustomerNumber: customer?.CustomerNumber ?? 0,
      GuestName: customer ? `${customer.FirstName} ${customer.Name}` : `${guestFirst} ${guestLast}`,
      Phone: customer
        ? (customer.Mobile ?? customer.PhonePrivate)
        : `+49 ${pick(MOBILE_PREFIXES)} ${digits(8)}`,
      Email: customer ? customer.Email : null,
      Start: start,
      DurationMinutes: duration,
      Persons: pick([1, 2, 2, 2, 3, 4, 4, 5, 6, 8, 12]),
      Tables: chance(0.15) ? `${table},${table + 1}` : String(table),
      Status: status,
      Comment: chance(0.15) ? pick(RESERVATION_COMMENTS) : null,
      Created: created,
      Changed: between(created, Math.min(midnight, start)),
    });
  }
  for (const row of reservations) store.putReservation(row);

  for (let i = 0; i < sizes.tickets; i++) {
    const article = pick(ARTICLES);
    const reservation = reservations.length > 0 && chance(0.25) ? pick(reservations) : null;
    const customer = reservation
      ? null
      : customers.length > 0 && chance(0.7)
        ? pick(customers)
        : null;
    const created = pastInstant(2 * 365);
    const validTo =
      fromWallClock({ ...toWallClock(created), hour: 23, minute: 59, second: 59 }) +
      article.validYears * 365 * DAY;
    const status = chance(0.7) ? 0 : chance(0.67) ? 1 : 2;
    const redeemedAt = status === 1 ? between(created, Math.min(midnight, validTo)) : null;
    const row: TicketRow = {
      TicketNumber: store.allocateTicketNumber(),
      ArticleNumber: article.number,
      ArticleName: article.name,
      CustomerNumber: reservation?.CustomerNumber ?? customer?.CustomerNumber ?? 0,
      ReservationID: reservation?.ReservationID ?? 0,
      ValidFrom: created,
      ValidTo: validTo,
      Price: article.price,
      Status: status,
      RedeemedAt: redeemedAt,
      RedeemedStation: redeemedAt !== null && sizes.stations > 0 ? int(1, sizes.stations) : 0,
      Created: created,
      Changed: redeemedAt ?? between(created, midnight),
    };
    store.putTicket(row);
  }
  return store;
}
