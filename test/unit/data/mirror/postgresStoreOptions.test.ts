import { createPostgresStore } from '../../../../src/data/mirror/store/postgres';

describe('createPostgresStore options', () => {
  it('refuses an option outside its range, naming the option, the value and the range', () => {
    expect(() =>
      createPostgresStore({ connectionString: 'postgres://x@127.0.0.1/db', maxConnections: 0 }),
    ).toThrow('maxConnections=0 is not allowed: expected an integer from 1 to 100');
    expect(() =>
      createPostgresStore({
        connectionString: 'postgres://x@127.0.0.1/db',
        tombstoneRetentionMs: -1,
      }),
    ).toThrow(/tombstoneRetentionMs=-1 is not allowed/);
  });

  it('refuses an empty connection string', () => {
    expect(() => createPostgresStore({ connectionString: ' ' })).toThrow(
      'connectionString is not allowed: expected a postgres:// URL',
    );
  });

  it('connects to nothing until it is used, so a replica boots while the database is away', async () => {
    const store = createPostgresStore({ connectionString: 'postgres://x@127.0.0.1:1/db' });
    expect(store.kind).toBe('postgres');
    expect(store.listening()).toBe(false);
    await store.close();
    await expect(store.ready()).rejects.toThrow('the mirror store is closed');
  });
});
