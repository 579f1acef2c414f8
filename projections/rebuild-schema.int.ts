import { CHECKPOINT_SCHEMA, ensureProjectionSchema, rebuildProjection, schemaOf } from '@pl/application';
import { SqlEventStore, type SqlExecutor } from '@pl/eventstore';
import { PROJECTIONS } from '../apps/worker/src/registry';
import { SQL_BACKENDS, type FreshDatabase } from '../test/support/databases';

jest.setTimeout(120_000);

/** A read model's shape as the catalog has it: tables and columns, indexes, triggers, functions. */
async function shape(db: SqlExecutor, schema: string): Promise<string[]> {
  const q = async (sql: string) => (await db.query<{ d: string }>(sql, [schema])).rows.map((r) => r.d);
  return [
    ...(await q(`SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable AS d FROM information_schema.columns WHERE table_schema = $1`)),
    ...(await q(`SELECT 'index ' || indexname || ': ' || replace(indexdef, $1 || '.', '') AS d FROM pg_indexes WHERE schemaname = $1`)),
    ...(await q(`SELECT 'trigger ' || c.relname || '.' || t.tgname AS d FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND NOT t.tgisinternal`)),
    ...(await q(`SELECT 'function ' || p.proname AS d FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = $1`)),
  ].sort();
}

/**
 * A rebuild creates a read model's indexes and triggers after its replay (`ProjectionDefinition.indexes`):
 * the read model it switches in has exactly the shape of one created live, for every read model.
 */
describe.each(SQL_BACKENDS)('every rebuilt read model has the live shape, on %s', (_name, open) => {
  let f: FreshDatabase;
  beforeAll(async () => {
    f = await open();
    await new SqlEventStore(f.db).init();
    await f.db.exec(CHECKPOINT_SCHEMA);
  });
  afterAll(async () => {
    await f.drop();
  });

  it.each(PROJECTIONS.map((p) => [p.name, p] as const))('%s', async (_n, def) => {
    await ensureProjectionSchema(f.db, def);
    const live = await shape(f.db, schemaOf(def));
    expect(live.some((d) => d.startsWith('index '))).toBe(true);
    await rebuildProjection(f.db, new SqlEventStore(f.db), def);
    expect(await shape(f.db, schemaOf(def))).toEqual(live);
  });
});
