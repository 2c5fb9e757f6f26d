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
    return {
      record,
      number: record.number,
      nameKey: nameKeyOf(record),
      text: customerSearchText(record),
    };
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
    let matched: readonly CustomerEntry[];
    if (numbers) {
      const held: CustomerEntry[] = [];
      for (const n of numbers) {
        const entry = this.entries.get(n);
        if (entry) held.push(entry);
      }
      matched = held.sort(baseOrder.compare);
    } else {
      matched = (orderBy === 'NUMBER' ? this.byNumber : this.byName).view();
    }
    if (since !== undefined || search) {
      matched = matched.filter(
        (e) =>
          (since === undefined || e.record.changed.getTime() >= since) &&
          (!search || search.matches(e.text)),
      );
    }

    if (orderBy === 'RELEVANCE') {
      return pageOf(
        rankByRelevance(matched, search),
        RELEVANCE_ORDER,
        find,
        print,
        'customers',
        (r) => r.entry.record,
      );
    }
    return pageOf(matched, baseOrder, find, print, 'customers', (e) => e.record);
  }
}
