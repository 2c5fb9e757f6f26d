import type { CustomerSearch } from '../../../domain/search';
import type { CustomerEntry } from './customerEntry';
import { compareText, type Order } from './paging';

/** A matching customer with its relevance score. */
export interface RankedCustomer {
  readonly entry: CustomerEntry;
  readonly score: number;
}

/** Best score first, then name order (last name, first name, number). */
export const RELEVANCE_ORDER: Order<RankedCustomer> = {
  name: 'RELEVANCE',
  shape: ['number', 'string', 'number'],
  key: (r) => [-r.score, r.entry.nameKey, r.entry.number],
  compare: (a, b) =>
    b.score - a.score ||
    compareText(a.entry.nameKey, b.entry.nameKey) ||
    a.entry.number - b.entry.number,
};

/** Matches with their scores (0 each without a search); sort with `RELEVANCE_ORDER`. */
export function rankByRelevance(
  matches: readonly CustomerEntry[],
  search: CustomerSearch | null,
): RankedCustomer[] {
  return matches.map((entry) => ({ entry, score: search ? search.score(entry) : 0 }));
}
