import type { Customer } from '../../../domain/models';
import { foldText, type CustomerSearchText } from '../../../domain/search';
import { compareText, type Order } from './keysetPaging';

/** A held customer with its precomputed sort and search keys. */
export interface CustomerEntry extends CustomerSearchText {
  readonly record: Customer;
  readonly number: number;
  /**
   * Folded last name, NUL, folded first name: compared by code units it orders by last
   * name, then first name, in every replica alike. A customer without a last name sorts
   * after every named one.
   */
  readonly nameKey: string;
  /**
   * Scratch of the query running now (queries are synchronous, one at a time): the number of
   * the last scan that matched this entry, so that many matches can be picked out of the
   * name order instead of sorted.
   */
  mark: number;
}

const NO_NAME = '\uffff';

export function nameKeyOf(customer: Customer): string {
  const last = customer.lastName ? foldText(customer.lastName) : '';
  const first = customer.firstName ? foldText(customer.firstName) : '';
  return `${last || NO_NAME}\u0000${first}`;
}

export const compareByName = (a: CustomerEntry, b: CustomerEntry): number =>
  compareText(a.nameKey, b.nameKey) || a.number - b.number;

export const NAME_ORDER: Order<CustomerEntry> = {
  name: 'NAME',
  shape: ['string', 'number'],
  key: (e) => [e.nameKey, e.number],
  compare: compareByName,
};

export const NUMBER_ORDER: Order<CustomerEntry> = {
  name: 'NUMBER',
  shape: ['number'],
  key: (e) => [e.number],
  compare: (a, b) => a.number - b.number,
};
