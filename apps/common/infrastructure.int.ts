import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { ADMIN_DATABASE_URL, freshPostgres, type FreshDatabase } from '../../test/support/databases';
import { testPki } from '../../test/support/tls';
import { loadConfig } from './config';
import { DataDirInUseError } from './data-dir-lock';
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

  it("OUTBOUND_CA_FILE: every outbound HTTPS call trusts the operator's CA beside the bundled roots", async () => {
    const pki = testPki();
    const infra = await createInfrastructure(loadConfig({ DATABASE_URL: f.url!, MASTER_KEY, DATA_DIR: '/tmp/pl-infra', OUTBOUND_CA_FILE: pki.caFile }));
    try {
      expect(infra.outbound.ca).toContain(pki.caPem.trim());
      expect(infra.outbound.ca!.length).toBeGreaterThan(1);
    } finally {
      await infra.close();
      pki.dispose();
    }
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

describe('the embedded default guards its DATA_DIR (PGlite is single-process)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pl-datadir-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a second opening while the first is open, and allows it after close', async () => {
    const config = loadConfig({ DATA_DIR: dir });
    const first = await createInfrastructure(config);
    expect(readFileSync(join(dir, 'pglite.pid'), 'utf8')).toBe(String(process.pid));
    await expect(createInfrastructure(config)).rejects.toBeInstanceOf(DataDirInUseError);
    await first.close();
    expect(existsSync(join(dir, 'pglite.pid'))).toBe(false);
    const again = await createInfrastructure(config);
    expect(again.store.backend).toBe('embedded');
    await again.close();
  });

  it('refuses while another live process holds it, and takes over a file its dead holder left', async () => {
    const holder = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      writeFileSync(join(dir, 'pglite.pid'), String(holder.pid));
      await expect(createInfrastructure(loadConfig({ DATA_DIR: dir }))).rejects.toThrow(new RegExp(`in use by process ${holder.pid}`));
    } finally {
      holder.kill('SIGKILL');
      await new Promise((r) => holder.once('exit', r));
    }
    const infra = await createInfrastructure(loadConfig({ DATA_DIR: dir }));
    expect(readFileSync(join(dir, 'pglite.pid'), 'utf8')).toBe(String(process.pid));
    await infra.close();
  });
});
