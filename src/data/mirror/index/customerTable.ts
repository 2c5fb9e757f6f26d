import type { Customer } from '../../../domain/models';
import { CustomerSearch, customerSearchText } from '../../../domain/search';
import type { CustomerFind, CustomerOrder, FoundPage } from '../types';
import { rankByRelevance, RELEVANCE_ORDER } from './customerSearch';
import { NAME_ORDER, NUMBER_ORDER, nameKeyOf, type CustomerEntry } from './customerEntry';
import { fingerprint, instant, normalizedList, pageOf } from './paging';
import { RecordTable, type GroupIndex } from './recordTable';
import { SortedBucket } from './sortedBucket';

const CUSTOMER_ORDERS: readonly CustomerOrder[] = ['NAME', 'NUMBER', 'RELEVANCE'];

export class CustomerTable extends RecordTable<'customers', CustomerEntry> {
  private readonly byNumber = new SortedBucket(NUMBER_ORDER.compare);
  private readonly byName = new SortedBucket(NAME_ORDER.compare);

  constructor() {
    super('customers');
  }

  protected entryOf(record: Customer): CustomerEntry {
    // The search text sits in the entry itself: one object less to reach per scanned customer.
    const { plain, digraphs } = customerSearchText(record);
    return { record, number: record.number, nameKey: nameKeyOf(record), plain, digraphs };
  }

  protected placements(): SortedBucket<CustomerEntry>[] {
    return [this.byNumber, this.byName];
  }

  protected groups(): GroupIndex<unknown, CustomerEntry>[] {
    return [];
  }

  protected clearBuckets(): void {
    this.byNumber.clear();
    this.byName.clear();
  }

  find(find: CustomerFind): FoundPage<Customer> {
    const search = CustomerSearch.parse(find.search);
    const orderBy = find.orderBy ?? (search ? 'RELEVANCE' : 'NAME');
    if (!CUSTOMER_ORDERS.includes(orderBy)) {
      throw new RangeError(
        `orderBy: ${String(orderBy)} is not allowed; expected one of ${CUSTOMER_ORDERS.join(', ')}`,
      );
    }
    const numbers = normalizedList(find.numbers);
    const since = instant('changedSince', find.changedSince);
    const print = fingerprint('customers', orderBy, {
      numbers: numbers ?? null,
      search: search?.words ?? null,
      changedSince: since ?? null,
    });

    const baseOrder = orderBy === 'NUMBER' ? NUMBER_ORDER : NAME_ORDER;
    const filtered = since !== undefined || search !== null;
    const keep = (e: CustomerEntry) =>
      (since === undefined || e.record.changed.getTime() >= since) &&
      (search === null || search.matches(e));

    let matched: CustomerEntry[] | readonly CustomerEntry[];
    if (numbers) {
      matched = numbers.flatMap((n) => {
        const entry = this.entries.get(n);
        return entry && keep(entry) ? [entry] : [];
      });
    } else if (filtered) {
      // A scan in insertion order (about the order in memory) and a sort of the matches:
      // reading 50,000 entries in name order jumps through the heap and takes several times
      // longer than the sort of the few that match.
      matched = [];
      for (const entry of this.entries.values())
        if (keep(entry)) (matched as CustomerEntry[]).push(entry);
    } else {
      matched = (orderBy === 'NUMBER' ? this.byNumber : this.byName).view();
    }

    if (orderBy === 'RELEVANCE') {
      const ranked = rankByRelevance(matched, search).sort(RELEVANCE_ORDER.compare);
      return pageOf(ranked, RELEVANCE_ORDER, find, print, 'customers', (r) => r.entry.record);
    }
    if (numbers || filtered) (matched as CustomerEntry[]).sort(baseOrder.compare);
    return pageOf(matched, baseOrder, find, print, 'customers', (e) => e.record);
  }
}
