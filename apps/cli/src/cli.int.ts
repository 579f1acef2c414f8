import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, randomUUID } from 'node:crypto';
import { handleCommand } from '@pl/application';
import { LOG_START, comparePositions, demo, type LogPosition } from '@pl/domain';
import { PgDatabase, SqlEventStore } from '@pl/eventstore';
import { ApiKeyStore } from '../../api/src/platform/auth/api-keys';
import { closeSharedRedis, connectSharedRedis } from '../../api/src/platform/shared/redis';
import { PROJECTIONS } from '../../worker/src/registry';
import { freshPostgres, type FreshDatabase } from '../../../test/support/databases';
import { runCli } from '../main';
import { captureCliIo as capture } from '../../../test/support/cli-io';

jest.setTimeout(120_000);

describe('CLI against a fresh PostgreSQL database (DATABASE_URL)', () => {
  let f: FreshDatabase;
  let env: NodeJS.ProcessEnv;
  const cli = async (...argv: string[]) => {
    const io = capture();
    const code = await runCli(argv, { io, env });
    return { code, ...io };
  };
  beforeAll(async () => {
    f = await freshPostgres();
    env = { DATABASE_URL: f.url!, DATA_DIR: mkdtempSync(join(tmpdir(), 'pl-cli-')), MASTER_KEY: Buffer.alloc(32, 3).toString('base64') };
  });
  afterAll(() => f.drop());

  it('keys create prints a working key once; list shows it; revoke makes it fail verification', async () => {
    const created = await cli('keys', 'create', '--name', 'dashboard', '--scopes', 'consent:read,catalog:read');
    expect(created.code).toBe(0);
    const key = created.stdout.find((l) => l.startsWith('pl_'))!;
    expect(key).toMatch(/^pl_[a-f0-9]{16}\.[A-Za-z0-9_-]{40,}$/);
    const id = key.slice(3, 19);
    expect(created.stdout[0]).toBe(`created key ${id} (consent:read, catalog:read)`);

    const keys = new ApiKeyStore(f.db, 0);
    const principal = await keys.verify(key);
    expect(principal?.keyId).toBe(id);
    expect([...principal!.scopes].sort()).toEqual(['catalog:read', 'consent:read']);
    // only the hash is stored
    const stored = await f.db.query<{ secret_hash: Buffer }>('SELECT secret_hash FROM api_keys WHERE id = $1', [id]);
    expect(Buffer.from(stored.rows[0].secret_hash)).toEqual(createHash('sha256').update(key.slice(20)).digest());

    const listed = await cli('keys', 'list');
    expect(listed.code).toBe(0);
    expect(listed.stdout.join('\n')).not.toContain(key.slice(20));
    expect(listed.stdout).toEqual([expect.stringMatching(new RegExp(`^${id}  active   consent:read,catalog:read  dashboard  created `))]);
    // --json: one document on stdout, the same facts
    const json = await cli('keys', 'list', '--json');
    expect(json).toMatchObject({ code: 0, stderr: [] });
    expect(json.stdout).toHaveLength(1);
    expect(JSON.parse(json.stdout[0])).toEqual({ keys: [{ id, name: 'dashboard', scopes: ['consent:read', 'catalog:read'], created_at: expect.any(String), revoked_at: null }] });

    expect((await cli('keys', 'revoke', id)).code).toBe(0);
    expect(await keys.verify(key)).toBeNull();
    expect((await cli('keys', 'list')).stdout[0]).toContain(`${id}  REVOKED`);
    const again = await cli('keys', 'revoke', id);
    expect(again).toMatchObject({ code: 1, stdout: [`no active key ${id}`] });
    const ci = JSON.parse((await cli('keys', 'create', '--name', 'ci', '--scopes', 'audit:read', '--scopes', 'catalog:read', '--json')).stdout.join('\n'));
    expect(ci).toMatchObject({ id: expect.stringMatching(/^[a-f0-9]{16}$/), scopes: ['audit:read', 'catalog:read'], key: expect.stringMatching(/^pl_[a-f0-9]{16}\./) });
    expect((await keys.verify(ci.key))?.keyId).toBe(ci.id);
  });

  it('keys revoke with REDIS_URL deletes the API instances\' shared cache entry: refused at once, not after the TTL', async () => {
    const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/11';
    const redis = (await connectSharedRedis(REDIS_URL))!;
    try {
      const key = (await cli('keys', 'create', '--name', 'shared', '--scopes', 'consent:read')).stdout.find((l) => l.startsWith('pl_'))!;
      const id = key.slice(3, 19);
      // an API instance's store: one minute of shared cache
      const api = new ApiKeyStore(f.db, 60_000, redis);
      expect((await api.verify(key))?.keyId).toBe(id);
      expect(await redis.exists(`pl:apikey:${id}`)).toBe(1);
      const revoked = await runCli(['keys', 'revoke', id], { io: capture(), env: { ...env, REDIS_URL } });
      expect(revoked).toBe(0);
      expect(await api.verify(key)).toBeNull();
    } finally {
      await closeSharedRedis(redis);
    }
  });

  it('refuses unknown scopes and incomplete arguments with exit code 2', async () => {
    const bad = await cli('keys', 'create', '--name', 'x', '--scopes', 'consent:read,everything');
    expect(bad.code).toBe(2);
    expect(bad.stderr.join('\n')).toContain('unknown scopes: everything');
    expect((await cli('keys', 'create', '--name', 'x')).code).toBe(2);
    expect((await cli('keys', 'revoke')).code).toBe(2);
    expect((await cli('keys', 'frobnicate')).code).toBe(2);
    expect((await cli('no-such-command')).code).toBe(2);
    const { rows } = await f.db.query<{ n: string }>("SELECT count(*)::text AS n FROM api_keys WHERE name = 'x'");
    expect(rows[0].n).toBe('0');
  });

  it('refuses arguments with NUL or a lone surrogate, naming the argument, never its value (exit 2, nothing created)', async () => {
    const nul = await cli('keys', 'create', '--name', 'SECRET\u0000', '--scopes', 'consent:read');
    expect(nul.code).toBe(2);
    expect(nul.stderr).toEqual([expect.stringMatching(/^keys: argument 3 must not contain a NUL/)]);
    const lone = await cli('keys', 'create', '--name', 'SECRET\ud800', '--scopes', 'consent:read');
    expect(lone.code).toBe(2);
    expect(lone.stderr.join('\n')).toMatch(/argument 3 .*lone UTF-16 surrogate/);
    expect(nul.stderr.concat(lone.stderr).join('\n')).not.toContain('SECRET');
    // refused before the database is opened: when run alone the key table does not even exist yet
    const table = await f.db.query<{ t: string | null }>("SELECT to_regclass('api_keys')::text AS t");
    if (table.rows[0].t) expect((await f.db.query<{ n: string }>("SELECT count(*)::text AS n FROM api_keys WHERE name LIKE 'SECRET%'")).rows[0].n).toBe('0');
  });

  it('webhooks register refuses internal destinations (exit 2, no address echoed, nothing stored) unless allow-listed', async () => {
    const topics = ['--topics', 'privacy-ledger.consent.events.v1'];
    for (const url of ['http://169.254.169.254/latest/meta-data/', 'http://0x7f.1:6379/', 'http://[::ffff:a00:5]/']) {
      const refused = await cli('webhooks', 'register', '--service', 'crm', '--url', url, ...topics);
      expect(refused.code).toBe(2);
      expect(refused.stderr.join('\n')).toMatch(/OUTBOUND_ALLOWED_PRIVATE_NETWORKS/);
      expect(refused.stderr.join('\n')).not.toMatch(/169\.254|0x7f|127\.0\.0\.1|a00:5|10\.0\.0\.5/);
    }
    expect((await cli('webhooks', 'list')).stdout).toEqual([]);
    const saved = env;
    env = { ...env, OUTBOUND_ALLOWED_PRIVATE_NETWORKS: '127.0.0.1/32' };
    try {
      const ok = await cli('webhooks', 'register', '--service', 'crm', '--url', 'http://127.0.0.1:9/hooks', ...topics);
      expect(ok.code).toBe(0);
    } finally {
      env = saved;
    }
    expect((await cli('webhooks', 'list')).stdout).toEqual([expect.stringMatching(/^crm  active   http:\/\/127\.0\.0\.1:9\/hooks/)]);
  });

  it('lists scopes without touching a database', async () => {
    const r = await runCli(['keys', 'scopes'], { io: capture(), env: { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' } });
    expect(r).toBe(0);
  });

  it('projections rebuild <name> shows progress and gives identical rows; --all rebuilds every projection', async () => {
    const db = new PgDatabase(f.url!);
    const store = new SqlEventStore(db);
    await store.init();
    const ctx = { actor: 'test', correlationId: randomUUID(), now: new Date('2026-01-01T00:00:00Z') };
    let last: LogPosition = LOG_START;
    for (let i = 0; i < 30; i++) {
      const listId = randomUUID();
      last = (await handleCommand(store, demo.demoDecider, `demo-${listId}`, { type: 'OpenList', listId, title: `l${i}`, now: '2026-01-01T00:00:00Z' }, ctx)).appended!.position;
      if (i % 3 === 0) last = (await handleCommand(store, demo.demoDecider, `demo-${listId}`, { type: 'CloseList', listId, now: '2026-01-01T00:00:00Z' }, ctx)).appended!.position;
    }
    // readers see an event once no older transaction is in flight on the server (cluster-wide): wait for that
    for (let i = 0; i < 300 && comparePositions(await store.headPosition(), last) < 0; i++) await new Promise((r) => setTimeout(r, 50));
    try {
      const first = await cli('projections', 'rebuild', 'event_counts');
      expect(first.code).toBe(0);
      expect(first.progressLines.at(-1)).toMatch(/^event_counts: (\d+)\/\1 positions \(100%\)$/);
      expect(first.stdout).toEqual([expect.stringMatching(/^event_counts: rebuilt from 40 events in \d+\.\d s$/)]);
      const counts = async () => (await db.query('SELECT type, count::text AS count FROM rm_event_counts.event_counts ORDER BY type')).rows;
      const before = await counts();
      expect(before).toEqual([
        { type: 'demo.list_closed', count: '10' },
        { type: 'demo.list_opened', count: '30' },
      ]);
      // --json: the progress goes to stderr, stdout holds the one document
      const json = await cli('projections', 'rebuild', 'event_counts', '--json');
      expect(json.code).toBe(0);
      expect(json.progressLines).toEqual([]);
      expect(json.stderr.at(-1)).toMatch(/^event_counts: (\d+)\/\1 positions \(100%\)$/);
      expect(JSON.parse(json.stdout.join('\n'))).toEqual({ rebuilt: [{ name: 'event_counts', events: 40, seconds: expect.any(Number) }] });
      expect(await counts()).toEqual(before);

      const all = await cli('projections', 'rebuild', '--all');
      expect(all.code).toBe(0);
      expect(all.stdout.map((l) => l.split(':')[0])).toEqual(PROJECTIONS.map((p) => p.name));
      const listed = await cli('projections', 'list');
      for (const p of PROJECTIONS) expect(listed.stdout.find((l) => l.startsWith(p.name))).toMatch(/checkpoint \d+:\d+/);

      const unknown = await cli('projections', 'rebuild', 'nope');
      expect(unknown.code).toBe(2);
      expect(unknown.stderr[0]).toContain('known: ');
      // a running worker holds the projection's lock: the rebuild refuses instead of racing it
      const lock = await db.tryLock('projection:event_counts');
      try {
        const busy = await cli('projections', 'rebuild', 'event_counts');
        expect(busy.code).toBe(1);
        expect(busy.stderr.join('\n')).toMatch(/being run by another process/);
      } finally {
        await lock!.release();
      }
    } finally {
      await store.close();
      await db.close();
    }
  });
});
