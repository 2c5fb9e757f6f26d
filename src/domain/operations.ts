/**
 * Names of the API300 operations (docs/api300-contract.md §8), as counted by the gate and the metrics and
 * served by the simulator.
 */
export const API300_OPERATIONS = [
  'ServerDateTime',
  'GetStations',
  'GetCustomer',
  'GetCustomers',
  'SetCustomer',
  'SetCustomers',
  'GetReservations',
  'SetReservation',
  'SetReservations',
  'GetTickets',
  'SetTicket',
  'RedeemTicket',
] as const;

export type Api300Operation = (typeof API300_OPERATIONS)[number];
