import type { Customer, Reservation, Station, Ticket } from '../../src/domain/models';
import { createRandom } from '../../src/simulator/data';
import {
  CITIES,
  COMPANY_FORMS,
  COMPANY_TRADES,
  FEMALE_FIRST_NAMES,
  LAST_NAMES,
  MAIL_DOMAINS,
  MALE_FIRST_NAMES,
  MOBILE_PREFIXES,
  STATION_NAMES,
  STREETS,
  transliterate,
} from '../../src/simulator/names';

/**
 * Domain records in the mirror's sizes for the mirror benchmark: German names from the
 * simulator's lists (so searches hit umlauts and common surnames), reservations spread over
 * the stations and ±`days`/2 days around `now`, tickets partly tied to reservations.
 */

export interface MirrorData {
  customers: Customer[];
  reservations: Reservation[];
  tickets: Ticket[];
  stations: Station[];
}

export interface MirrorDataSizes {
  customers: number;
  reservations: number;
  tickets: number;
  /** Reservations spread over this many days, centred on `now`. */
  days: number;
}

const DAY = 86_400_000;

export function generateMirrorData(seed: number, sizes: MirrorDataSizes, now: number): MirrorData {
  const random = createRandom(seed);
  const chance = (p: number) => random() < p;
  const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const digits = (n: number) => Array.from({ length: n }, () => int(0, 9)).join('');
  const midnight = Math.floor(now / DAY) * DAY;
  const past = (days: number) =>
    new Date(Math.floor((midnight - random() * days * DAY) / 1000) * 1000);

  const stations: Station[] = STATION_NAMES.map((name, i) => ({
    number: i + 1,
    name,
    active: true,
  }));
  const customers: Customer[] = [];
  for (let i = 0; i < sizes.customers; i++) {
    const female = chance(0.5);
    const firstName = pick(female ? FEMALE_FIRST_NAMES : MALE_FIRST_NAMES);
    const lastName = pick(LAST_NAMES);
    const city = pick(CITIES);
    const business = chance(0.15);
    const created = past(5 * 365);
    customers.push({
      number: 10_001 + i,
      salutation: female ? 'Frau' : 'Herr',
      firstName,
      lastName,
      company: business ? `${lastName} ${pick(COMPANY_TRADES)} ${pick(COMPANY_FORMS)}` : null,
      alias: null,
      gender: female ? 'FEMALE' : 'MALE',
      birthday: chance(0.7) ? `19${int(45, 99)}-0${int(1, 9)}-1${int(0, 9)}` : null,
      street: `${pick(STREETS)} ${int(1, 120)}`,
      zipCode: city.zip,
      city: city.name,
      country: city.country,
      phonePrivate: chance(0.55) ? `+49 ${city.areaCode} ${digits(7)}` : null,
      phoneBusiness: business ? `+49 ${city.areaCode} ${digits(6)}-${int(0, 99)}` : null,
      mobile: chance(0.7) ? `+49 ${pick(MOBILE_PREFIXES)} ${digits(8)}` : null,
      fax: null,
      email: chance(0.8)
        ? `${transliterate(firstName)}.${transliterate(lastName)}`.toLowerCase() +
          `@${pick(MAIL_DOMAINS)}`
        : null,
      homepage: null,
      reachableFrom: null,
      reachableTo: null,
      cardNumber: chance(0.4) ? `20${String(i + 1).padStart(8, '0')}` : null,
      discount: 0,
      priceLevel: 1,
      creditLimit: 0,
      locked: false,
      favourite: chance(0.1),
      memo: chance(0.12) ? 'Stammgast, Fensterplatz' : null,
      created,
      changed: new Date(Math.max(created.getTime(), past(365).getTime())),
    });
  }

  const reservations: Reservation[] = [];
  for (let i = 0; i < sizes.reservations; i++) {
    const day = midnight + int(-sizes.days / 2, sizes.days / 2) * DAY;
    const customer = chance(0.85) ? pick(customers) : null;
    const created = past(60);
    reservations.push({
      id: 500_001 + i,
      stationNumber: int(1, stations.length),
      customerNumber: customer?.number ?? null,
      guestName: customer
        ? `${customer.firstName} ${customer.lastName}`
        : `${pick(FEMALE_FIRST_NAMES)} ${pick(LAST_NAMES)}`,
      phone: customer?.mobile ?? null,
      email: customer?.email ?? null,
      start: new Date(day + int(10, 20) * 3_600_000 + pick([0, 15, 30, 45]) * 60_000),
      durationMinutes: pick([90, 120, 150]),
      persons: pick([1, 2, 2, 2, 3, 4, 4, 6, 8]),
      tables: String(int(1, 40)),
      status: pick([
        'CONFIRMED',
        'CONFIRMED',
        'COMPLETED',
        'COMPLETED',
        'CANCELLED',
        'REQUESTED',
        'SEATED',
        'NO_SHOW',
      ] as const),
      comment: chance(0.15) ? 'Kinderstuhl' : null,
      created,
      changed: created,
    });
  }

  const tickets: Ticket[] = [];
  for (let i = 0; i < sizes.tickets; i++) {
    const reservation = chance(0.25) ? pick(reservations) : null;
    const customer = reservation
      ? reservation.customerNumber
      : chance(0.6)
        ? pick(customers).number
        : null;
    const validFrom = past(365);
    tickets.push({
      number: `GS-${String(i + 1).padStart(7, '0')}`,
      articleNumber: 1000 + int(1, 8),
      articleName: 'Wertgutschein 50 €',
      customerNumber: customer,
      reservationId: reservation?.id ?? null,
      validFrom,
      validTo: new Date(validFrom.getTime() + 365 * DAY),
      price: 50,
      status: pick(['VALID', 'VALID', 'REDEEMED', 'CANCELLED'] as const),
      redeemedAt: null,
      redeemedStation: null,
      created: validFrom,
      changed: validFrom,
    });
  }
  return { customers, reservations, tickets, stations };
}
