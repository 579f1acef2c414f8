export * from './port';
export * from './sql/database';
export { PgDatabase } from './sql/pg-database';
export { PgliteDatabase } from './sql/pglite-database';
export { lockKey } from './sql/lock-key';
export { SqlEventStore, type SqlEventStoreOptions } from './postgres/sql-event-store';
export { EVENT_STORE_SCHEMA } from './postgres/schema';
export { EVENT_STORE_MIGRATIONS, migrateEventStore, type Migration } from './postgres/migrations';
export { appendStatement, NOTIFY_CHANNEL as EVENT_STORE_NOTIFY_CHANNEL } from './postgres/append-statement';
export { decodeRow, type EventRow } from './postgres/rows';
// Type-only: the adapter (and the gRPC client) is loaded on demand from '@pl/eventstore/eventstoredb/eventstoredb-event-store'.
export type { EventStoreDbEventStore, EventStoreDbOptions } from './eventstoredb/eventstoredb-event-store';
export { visibilityHorizon, HORIZON_NOT_APPLICABLE, type VisibilityHorizon, type HorizonHolder } from './postgres/visibility-horizon';
