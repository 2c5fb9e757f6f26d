import {
  decodeCursor,
  encodeCursor,
  fetchSlice,
  pagesFor,
  readSlice,
  toConnection,
} from '../../../../src/graphql/resolvers/connection';

describe('cursors', () => {
  it('round-trip positions and refuse anything else', () => {
    expect(decodeCursor(encodeCursor(1234))).toBe(1234);
    expect(decodeCursor('bm9wZQ==')).toBeNull();
    expect(decodeCursor(Buffer.from('offset:01').toString('base64'))).toBeNull();
    expect(decodeCursor(Buffer.from('offset:-1').toString('base64'))).toBeNull();
  });

  it('start the next page after the cursor’s position', () => {
    expect(readSlice(10, encodeCursor(9))).toEqual({
      slice: { offset: 10, count: 10 },
      issues: [],
    });
    expect(readSlice(undefined, null).slice).toEqual({ offset: 0, count: 50 });
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

describe('toConnection', () => {
  it('reports an empty page past the end without cursors', () => {
    expect(toConnection({ offset: 10, count: 5 }, { items: [], totalCount: 10 })).toEqual({
      edges: [],
      pageInfo: { hasNextPage: false, hasPreviousPage: true, startCursor: null, endCursor: null },
      totalCount: 10,
    });
  });
});
