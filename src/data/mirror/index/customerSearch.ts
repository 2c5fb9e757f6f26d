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

/**
 * Matches (already in name order) ranked by `search.score`, best first. Scores are small
 * integers, so a bucket per score keeps name order within each without a second sort.
 * Without a search every score is 0 and the order is the name order.
 */
export function rankByRelevance(
  matchesInNameOrder: readonly CustomerEntry[],
  search: CustomerSearch | null,
): RankedCustomer[] {
  if (!search) return matchesInNameOrder.map((entry) => ({ entry, score: 0 }));
  const byScore: RankedCustomer[][] = [];
  for (const entry of matchesInNameOrder) {
    const score = search.score(entry.text);
    (byScore[score] ??= []).push({ entry, score });
  }
  const ranked: RankedCustomer[] = [];
  for (let score = byScore.length - 1; score >= 0; score--) {
    const bucket = byScore[score];
    if (bucket) for (const r of bucket) ranked.push(r);
  }
  return ranked;
}
