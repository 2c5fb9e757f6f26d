import type { Customer } from './models';

/**
 * The customer fields API300's `SearchText` looks in (CONTRACT.md §8: name, first name,
 * company, e-mail, phones, card number). The mirror searches the same fields.
 */
export const SEARCHED_FIELDS = [
  'lastName',
  'firstName',
  'company',
  'email',
  'phonePrivate',
  'phoneBusiness',
  'mobile',
  'cardNumber',
] as const satisfies readonly (keyof Customer)[];

/** `SearchText` as API300 applies it: the whole text contained, case-insensitive, in one field. */
export function matchesApi300Search(customer: Customer, search: string): boolean {
  const needle = search.toLowerCase();
  return SEARCHED_FIELDS.some((field) => customer[field]?.toLowerCase().includes(needle));
}
