import { CursorError } from '../../../../src/data/errors';
import {
  decodeOffsetCursor,
  encodeOffsetCursor,
  fetchSlice,
  offsetListPage,
  pagesFor,
  sliceOf,
} from '../../../../src/data/repository/offsetPaging';

describe('offset cursors', () => {
  it('round-trip positions and refuse anything else', () => {
    expect(decodeOffsetCursor(encodeOffsetCursor(1234))).toBe(1234);
    expect(decodeOffsetCursor('bm9wZQ==')).toBeNull();
    expect(decodeOffsetCursor(Buffer.from('offset:01').toString('base64'))).toBeNull();
    expect(decodeOffsetCursor(Buffer.from('offset:-1').toString('base64'))).toBeNull();
  });

  it('start the next page after the cursor’s position', () => {
    expect(sliceOf(10, encodeOffsetCursor(9))).toEqual({ offset: 10, count: 10 });
    expect(sliceOf(50, undefined)).toEqual({ offset: 0, count: 50 });
  });

  it('refuse a cursor that is not an offset', () => {
    expect(() => sliceOf(10, 'bm9wZQ==')).toThrow(CursorError);
  });
});

describe('pagesFor', () => {
  it('uses one aligned page when the slice starts on a page boundary', () => {
    expect(pagesFor({ offset: 100, count: 50 })).toEqual([{ pageIndex: 2, pageSize: 50 }]);
  });

  it('finds a larger page size that holds an unaligned slice', () => {
    expect(pagesFor({ offset: 5, count: 10 })).toEqual([{ pageIndex: 0, pageSize: 15 }]);
  });

  it('falls back to two pages when no size up to 500 holds the slice', () => {
    expect(pagesFor({ offset: 1, count: 500 })).toEqual([
      { pageIndex: 0, pageSize: 500 },
      { pageIndex: 1, pageSize: 500 },
    ]);
  });

  it('fetchSlice cuts exactly the slice out of the pages read', async () => {
    const list = Array.from({ length: 1200 }, (_, i) => i);
    const read = ({ pageIndex, pageSize }: { pageIndex: number; pageSize: number }) =>
      Promise.resolve({
        items: list.slice(pageIndex * pageSize, (pageIndex + 1) * pageSize),
        totalCount: list.length,
      });

    for (const slice of [
      { offset: 1, count: 500 },
      { offset: 7, count: 13 },
      { offset: 1190, count: 50 },
    ]) {
      const page = await fetchSlice(slice, read);
      expect(page.items).toEqual(list.slice(slice.offset, slice.offset + slice.count));
    }
  });
});

describe('offsetListPage', () => {
  it('reports an empty page past the end without cursors', () => {
    expect(offsetListPage({ offset: 10, count: 5 }, { items: [], totalCount: 10 })).toEqual({
      items: [],
      cursors: [],
      endCursor: null,
      totalCount: 10,
      hasNextPage: false,
      source: 'upstream',
    });
  });

  it('with a local filter: positions as cursors, the end past the last examined, no count', () => {
    const page = offsetListPage(
      { offset: 4, count: 3 },
      { items: ['a', 'B', 'c'], totalCount: 20 },
      (s) => s === s.toLowerCase(),
    );
    expect(page.items).toEqual(['a', 'c']);
    expect(page.cursors.map(decodeOffsetCursor)).toEqual([4, 6]);
    expect(decodeOffsetCursor(page.endCursor!)).toBe(6);
    expect(page.totalCount).toBeNull();
    expect(page.hasNextPage).toBe(true);
  });
});
