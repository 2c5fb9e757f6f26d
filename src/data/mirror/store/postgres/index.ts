/**
 * The shared mirror on PostgreSQL: the store (records, kind states, change feed) and the
 * leader lease that lets one replica at a time sync. docs/mirror.md, "Shared mode".
 */
export { createPostgresStore, type PostgresMirrorStore, type PostgresStoreOptions } from './store';
export {
  createLeaderLease,
  type LeaderLease,
  type LeaderLeaseOptions,
  type LeaseStatus,
} from './lease';
export { MirrorSchemaError, SCHEMA_VERSION } from './schema';
export { LeaseLostError } from '../../types';
