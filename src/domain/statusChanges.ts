import type { ReservationStatus } from './models';

/**
 * The status changes a reservation write may make, in one table (the schema docs of
 * `ReservationStatus` say the same). An open reservation (REQUESTED, CONFIRMED) may move between the two, be
 * seated, cancelled or marked a no-show; a seated one may only be completed. COMPLETED,
 * CANCELLED and NO_SHOW are final: a visit that happened, was called off or was missed is a
 * record of the past, and reopening it would rewrite the reservation book (book again
 * instead). Keeping the status is always allowed.
 */
export const RESERVATION_STATUS_CHANGES: Readonly<
  Record<ReservationStatus, readonly ReservationStatus[]>
> = {
  REQUESTED: ['CONFIRMED', 'SEATED', 'CANCELLED', 'NO_SHOW'],
  CONFIRMED: ['REQUESTED', 'SEATED', 'CANCELLED', 'NO_SHOW'],
  SEATED: ['COMPLETED'],
  COMPLETED: [],
  CANCELLED: [],
  NO_SHOW: [],
};

export function reservationStatusChangeAllowed(
  from: ReservationStatus,
  to: ReservationStatus,
): boolean {
  return from === to || RESERVATION_STATUS_CHANGES[from].includes(to);
}
