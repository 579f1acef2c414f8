export * from './port';
export * from './sql/database';
export { PgDatabase } from './sql/pg-database';
export { PgliteDatabase } from './sql/pglite-database';
export { lockKey } from './sql/lock-key';
export { SqlEventStore, type SqlEventStoreOptions } from './postgres/sql-event-store';
