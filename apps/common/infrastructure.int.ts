import { Client } from 'pg';
import { ADMIN_DATABASE_URL, freshPostgres, type FreshDatabase } from '../../test/support/databases';
import { loadConfig } from './config';
import { createInfrastructure } from './infrastructure';

jest.setTimeout(120_000);

const MASTER_KEY = Buffer.alloc(32, 5).toString('base64');

async function connectionsTo(db: string): Promise<number> {
  const c = new Client({ connectionString: ADMIN_DATABASE_URL });
  await c.connect();
  try {
    const r = await c.query<{ n: string }>('SELECT count(*)::text AS n FROM pg_stat_activity WHERE datname = $1', [db]);
    return Number(r.rows[0].n);
  } finally {
    await c.end();
  }
}

describe('createInfrastructure (composition root)', () => {
  let f: FreshDatabase;
  beforeAll(async () => {
    f = await freshPostgres();
    await f.db.close();
  });
  afterAll(() => f.drop().catch(() => undefined));

  it('EVENT_STORE=postgres: the SQL store on DATABASE_URL, closed again by close()', async () => {
    const infra = await createInfrastructure(loadConfig({ DATABASE_URL: f.url!, MASTER_KEY, DATA_DIR: '/tmp/pl-infra' }));
    expect(infra.store.backend).toBe('postgres');
    expect(infra.db.kind).toBe('postgres');
    expect(await infra.store.headPosition()).toBeDefined();
    await infra.close();
    for (let i = 0; i < 50 && (await connectionsTo(f.name)) > 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await connectionsTo(f.name)).toBe(0);
  });

  it('EVENT_STORE=eventstoredb loads the EventStoreDB adapter; an unreachable server fails the start and releases the database', async () => {
    const config = loadConfig({
      EVENT_STORE: 'eventstoredb',
      EVENTSTORE_CONNECTION_STRING: 'esdb://127.0.0.1:1?tls=false',
      DATABASE_URL: f.url!,
      MASTER_KEY,
      DATA_DIR: '/tmp/pl-infra',
    });
    await expect(createInfrastructure(config)).rejects.toThrow(/UNAVAILABLE|ECONNREFUSED/);
    for (let i = 0; i < 50 && (await connectionsTo(f.name)) > 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await connectionsTo(f.name)).toBe(0);
  });
});
