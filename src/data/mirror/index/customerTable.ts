import type { Customer } from '../../../domain/models';
import { CustomerSearch, customerSearchText } from '../../../domain/search';
import type { CustomerFind, CustomerOrder, FoundPage } from '../types';
import { rankByRelevance, rankInNameOrder, RELEVANCE_ORDER } from './customerSearch';
import { NAME_ORDER, NUMBER_ORDER, nameKeyOf, type CustomerEntry } from './customerEntry';
import { fingerprint, instant, normalizedList, pageOf } from './keysetPaging';
import { RecordTable, type GroupIndex } from './recordTable';
import { SortedBucket } from './sortedBucket';

const CUSTOMER_ORDERS: readonly CustomerOrder[] = ['NAME', 'NUMBER', 'RELEVANCE'];

export class CustomerTable extends RecordTable<'customers', CustomerEntry> {
  private readonly byNumber = new SortedBucket(NUMBER_ORDER.compare);
  private readonly byName = new SortedBucket(NAME_ORDER.compare);
  private scans = 0;

  constructor() {
    super('customers');
  }

  protected entryOf(record: Customer): CustomerEntry {
    // The search text sits in the entry itself: one object less to reach per scanned customer.
    const { plain, digraphs } = customerSearchText(record);
    return { record, number: record.number, nameKey: nameKeyOf(record), plain, digraphs, mark: 0 };
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

    let matched: readonly CustomerEntry[];
    let inNameOrder = false;
    if (numbers) {
      matched = numbers.flatMap((n) => {
        const entry = this.entries.get(n);
        return entry && keep(entry) ? [entry] : [];
      });
    } else if (filtered) {
      // A scan in insertion order (about the order in memory): reading 50,000 entries in
      // name order jumps through the heap and takes several times longer. Few matches are
      // then sorted; many (a one-letter search) are picked out of the name order by mark.
      const mark = ++this.scans;
      const hits: CustomerEntry[] = [];
      for (const entry of this.entries.values()) {
        if (keep(entry)) {
          entry.mark = mark;
          hits.push(entry);
        }
      }
      if (orderBy !== 'NUMBER' && hits.length > Math.max(1000, this.entries.size / 16)) {
        matched = this.byName.view().filter((e) => e.mark === mark);
        inNameOrder = true;
      } else {
        matched = hits;
      }
    } else {
      matched = (orderBy === 'NUMBER' ? this.byNumber : this.byName).view();
      inNameOrder = orderBy !== 'NUMBER';
    }

    if (orderBy === 'RELEVANCE') {
      const ranked = !inNameOrder
        ? rankByRelevance(matched, search).sort(RELEVANCE_ORDER.compare)
        : search
          ? rankInNameOrder(matched, search)
          : rankByRelevance(matched, null);
      return pageOf(ranked, RELEVANCE_ORDER, find, print, 'customers', (r) => r.entry.record);
    }
    const ordered =
      orderBy === 'NAME' && inNameOrder
        ? matched
        : filtered || numbers
          ? (matched as CustomerEntry[]).sort(baseOrder.compare)
          : matched;
    return pageOf(ordered, baseOrder, find, print, 'customers', (e) => e.record);
  }
}
