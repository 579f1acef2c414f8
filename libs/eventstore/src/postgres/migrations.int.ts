import { LOG_START } from '@pl/domain';
import { freshPglite, freshPostgres, type FreshDatabase } from '../../../../test/support/databases';
import { PgDatabase } from '../sql/pg-database';
import { EVENT_STORE_MIGRATIONS, migrateEventStore } from './migrations';
import { SqlEventStore } from './sql-event-store';

const versions = EVENT_STORE_MIGRATIONS.map((m) => m.version);

describe('event store schema migrations', () => {
  describe('PostgreSQL', () => {
    let fresh: FreshDatabase;
    beforeAll(async () => {
      fresh = await freshPostgres('pl_es_migrate');
    }, 60_000);
    afterAll(async () => fresh?.drop(), 60_000);

    it('is applied once when several processes start at the same time', async () => {
      const others = Array.from({ length: 5 }, () => new PgDatabase({ connectionString: fresh.url!, max: 2 }));
      try {
        const applied = await Promise.all([fresh.db, ...others].map((db) => migrateEventStore(db)));
        expect(applied.flat().sort()).toEqual(versions);
        await Promise.all([fresh.db, ...others].map((db) => new SqlEventStore(db).init()));
      } finally {
        await Promise.all(others.map((db) => db.close()));
      }
      const rows = await fresh.db.query<{ version: number }>('SELECT version FROM es_schema_migrations ORDER BY version');
      expect(rows.rows.map((r) => r.version)).toEqual(versions);
    }, 60_000);

    it('applies only the migrations not yet recorded', async () => {
      const next = { version: 1000, name: 'test: additive column', sql: 'ALTER TABLE es_events ADD COLUMN IF NOT EXISTS test_note text' };
      expect(await migrateEventStore(fresh.db, [...EVENT_STORE_MIGRATIONS, next])).toEqual([1000]);
      expect(await migrateEventStore(fresh.db, [...EVENT_STORE_MIGRATIONS, next])).toEqual([]);
      const col = await fresh.db.query(`SELECT 1 FROM information_schema.columns WHERE table_name = 'es_events' AND column_name = 'test_note'`);
      expect(col.rowCount).toBe(1);
    }, 60_000);
  });

  it('runs on PGlite and is idempotent', async () => {
    const fresh = await freshPglite();
    try {
      expect(await migrateEventStore(fresh.db)).toEqual(versions);
      expect(await migrateEventStore(fresh.db)).toEqual([]);
      const store = new SqlEventStore(fresh.db);
      await store.init();
      expect((await fresh.db.query('SELECT version FROM es_schema_migrations')).rowCount).toBe(versions.length);
      expect(await store.headPosition()).toEqual(LOG_START);
      expect(await store.readAll(LOG_START)).toEqual([]);
    } finally {
      await fresh.drop();
    }
  }, 60_000);
});
