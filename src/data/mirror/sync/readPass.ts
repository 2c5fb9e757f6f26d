import { API300_MAX_RECORDS } from '../../../domain/models';
import type { Api300Page } from '../../api300/types';

/**
 * One pass over a list read (a changed-since delta or a full read), paged so that no record
 * can be skipped unseen.
 *
 * The trap (docs/api300-contract.md §11): API300 orders a list by key and pages it by position. When the
 * set changes between two page reads, records move: one that enters below the current page
 * pushes later records one position on (they are read twice, or pushed past the page the
 * first TotalCount made last), one that leaves (a record deleted in the POS) pulls later
 * records one position back — and the record at the start of the next page slips into the
 * page already read. Counts cannot tell: one record in and one out leave TotalCount as it was.
 *
 * The scheme:
 * 1. Pages overlap. Page 0 is `[0, 500)`; every next page starts at least one position
 *    before the previous one ended (`nextPage` picks a `PageSize`/`PageIndex` pair). The
 *    overlap grows by about two records a page (page 10 brings 480 new records, page 20
 *    460; never fewer than 420 within 400 pages): 2,000 records take 5 pages, not 4.
 * 2. Each boundary is checked: the next page's first key must not be above the previous
 *    page's last key. Pages are contiguous runs of the key order at their own moment, so a
 *    page starting at or below key K covers every key from K to its own last one that the set
 *    held when it was read. By induction over the pages, every record in the set for the
 *    whole pass was read. A boundary that fails the check (records left the set before it)
 *    makes the pass unsound: the caller keeps what it read (applying a record twice is harmless) but
 *    does not move its watermark, and reads again.
 * 3. The pass goes on while the latest page's TotalCount says there is more, so records
 *    pushed on by newcomers are read too.
 * 4. Records entering the set after page 0 was answered carry `Changed` ≥ page 0's server time
 *    (the service stamps `Changed` from the clock it reports), so the next pass, asking
 *    changed-since from that time, sees them.
 *
 * Hence a record present in the set from the first page to the last is always read, and the
 * watermark (page 0's server time) moves only past a pass for which that holds.
 *
 * Records that did not map (`Api300Page.skipped`) take part with their key when it is
 * readable; a boundary without a readable key on either side counts as failed (sound, rare).
 */

export interface PageRequest {
  pageIndex: number;
  pageSize: number;
}

/** Where page `pageIndex` of size `pageSize` starts and ends (positions). */
const startOf = (p: PageRequest): number => p.pageIndex * p.pageSize;
const endOf = (p: PageRequest): number => startOf(p) + p.pageSize;

export const FIRST_PAGE: PageRequest = { pageIndex: 0, pageSize: API300_MAX_RECORDS };

/**
 * The page after one that ended at position `end`: the `PageSize`/`PageIndex` pair (size
 * ≤ 500) that starts before `end` and reaches furthest past it.
 */
export function nextPage(end: number): PageRequest {
  let best: PageRequest = { pageIndex: end - 1, pageSize: 1 };
  let bestReach = end;
  for (let size = API300_MAX_RECORDS; size >= 1; size--) {
    const pageIndex = Math.floor((end - 1) / size);
    const reach = (pageIndex + 1) * size;
    if (reach > bestReach) {
      best = { pageIndex, pageSize: size };
      bestReach = reach;
      if (reach - end >= size - 1) break; // overlap of one: no size below can do better
    }
  }
  return best;
}

export interface PassResult<K> {
  /** Every record in the set for the whole pass was read. */
  sound: boolean;
  /** Why not, for the log. */
  unsoundReason?: string;
  /** API300's clock when page 0 was answered: the watermark this pass may set. */
  serverTime: Date;
  /** Keys read (mapped records, and skipped ones whose key was readable). */
  keys: Set<K>;
  /** Records skipped without a readable key. */
  unkeyedSkipped: number;
  /** The latest TotalCount. */
  total: number;
  pages: number;
}

export interface PassReader<T, K> {
  read(page: PageRequest): Promise<Api300Page<T>>;
  /**
   * Pages asked for at once once page 0 told the TotalCount (default 1: one after the
   * other). The pages are still checked and handed to `onPage` in order; the proof above
   * never relies on the order in which pages are read, only on each being a contiguous run
   * at its own moment, on consecutive pages overlapping, and on page 0 being answered
   * before any other is asked for (the watermark). A page read past the end is dropped.
   */
  readAhead?: number;
  keyOf(record: T): K;
  /** API300's key order (numbers numerically, ticket numbers by UTF-16 code units). */
  compare(a: K, b: K): number;
  /**
   * Told of each page as it arrives, before the next is asked for: `lastKey` is the page's
   * highest key, and while `sound` holds, every record with a key up to it that was in the
   * set when its page was read has been read.
   */
  onPage(
    page: Api300Page<T>,
    progress: { serverTime: Date; keysRead: number; sound: boolean; lastKey: K | undefined },
  ): Promise<void>;
}

export async function readPass<T, K>(reader: PassReader<T, K>): Promise<PassResult<K>> {
  const keys = new Set<K>();
  const ahead = Math.max(1, Math.floor(reader.readAhead ?? 1));
  let unkeyedSkipped = 0;
  let previousLast: K | undefined;
  let serverTime: Date | undefined;
  let unsoundReason: string | undefined;
  let pages = 0;
  /** The latest TotalCount, once page 0 told it. */
  let total: number | undefined;
  let planned: PageRequest | null = FIRST_PAGE;
  const asked: Array<{ request: PageRequest; reply: Promise<Api300Page<T>> }> = [];
  const ask = (): void => {
    while (planned && asked.length < (total === undefined ? 1 : ahead)) {
      if (total !== undefined && startOf(planned) >= total) return;
      const request: PageRequest = planned;
      const reply = reader.read(request);
      reply.catch(() => undefined); // observed in its turn, or dropped after the last page
      asked.push({ request, reply });
      planned = nextPage(endOf(request));
      if (total === undefined) return; // the others wait for page 0's TotalCount
    }
  };
  for (;;) {
    ask();
    const next = asked.shift();
    if (!next) throw new Error('readPass: no page asked for before the pass was done');
    const { request } = next;
    const page = await next.reply;
    pages++;
    total = page.totalCount;
    serverTime ??= page.serverTime;
    const pageKeys = page.items.map((r) => reader.keyOf(r));
    for (const skipped of page.skipped ?? []) {
      if (skipped.key === null) unkeyedSkipped++;
      else pageKeys.push(skipped.key as K);
    }
    for (const key of pageKeys) keys.add(key);
    const sorted = [...pageKeys].sort(reader.compare);
    const returned = page.items.length + (page.skipped?.length ?? 0);
    if (pages > 1 && unsoundReason === undefined) {
      if (previousLast === undefined || sorted.length === 0) {
        unsoundReason = `page ${pages} or the one before it has no readable key`;
      } else if (reader.compare(sorted[0], previousLast) > 0) {
        unsoundReason = `page ${pages} starts above the previous page's last key: records left the set meanwhile`;
      }
    }
    previousLast = sorted.length > 0 ? sorted[sorted.length - 1] : undefined;
    await reader.onPage(page, {
      serverTime,
      keysRead: keys.size,
      sound: unsoundReason === undefined,
      lastKey: previousLast,
    });
    const done = returned < request.pageSize || startOf(request) + returned >= page.totalCount;
    if (done) {
      return {
        sound: unsoundReason === undefined,
        ...(unsoundReason === undefined ? {} : { unsoundReason }),
        serverTime,
        keys,
        unkeyedSkipped,
        total: page.totalCount,
        pages,
      };
    }
  }
}
