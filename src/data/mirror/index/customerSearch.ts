import type { CustomerSearch } from '../../../domain/search';
import type { CustomerEntry } from './customerEntry';
import { compareText, type Order } from './keysetPaging';

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
 * Matches with their scores (0 each without a search). In name order already: scores are
 * small integers, so a stable bucket per score yields the relevance order without a sort;
 * otherwise sort the result with `RELEVANCE_ORDER`.
 */
export function rankInNameOrder(
  matchesInNameOrder: readonly CustomerEntry[],
  search: CustomerSearch,
): RankedCustomer[] {
  const byScore: RankedCustomer[][] = [];
  for (const entry of matchesInNameOrder) {
    const score = search.score(entry);
    (byScore[score] ??= []).push({ entry, score });
  }
  const ranked: RankedCustomer[] = [];
  for (let score = byScore.length - 1; score >= 0; score--) {
    for (const r of byScore[score] ?? []) ranked.push(r);
  }
  return ranked;
}

/** Matches with their scores (0 each without a search); sort with `RELEVANCE_ORDER`. */
export function rankByRelevance(
  matches: readonly CustomerEntry[],
  search: CustomerSearch | null,
): RankedCustomer[] {
  return matches.map((entry) => ({ entry, score: search ? search.score(entry) : 0 }));
}
