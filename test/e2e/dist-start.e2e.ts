import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freshPostgres, type FreshDatabase } from '../support/databases';
import { cleanEnv as withoutServiceVariables, freePort, responseCheck } from '../support/processes';

const cleanEnv = (extra: Record<string, string>) => withoutServiceVariables({ LOG_LEVEL: 'info', HOST: '127.0.0.1', ...extra });

/**
 * The built service as a user runs it (`npm start` = `node dist/apps/main.js`): needs `npm run build`
 * first (the test command builds before this tier). Checks the embedded default end to end, the
 * one-time admin key, ADMIN_API_KEY, and that NestJS 12 (ESM) loads from the CommonJS build.
 */
jest.setTimeout(180_000);

const root = join(__dirname, '../..');
const dist = (p: string) => join(root, 'dist', p);

// Every response of the started APIs is checked against the document they serve (issue 17 item 1);
// a start that sets its own NODE_OPTIONS (the loaded-modules test, which only asks /health) is not.
const check = responseCheck();
afterAll(() => {
  const found = check.found();
  check.remove();
  expect(found).toEqual({ apps: 4, mismatches: '' });
});

interface Started {
  readonly child: ChildProcess;
  readonly url: string;
  stdout(): string;
  stop(): Promise<number | null>;
}

async function start(env: Record<string, string>, script = 'apps/main.js', ready = 'privacy-ledger API listening'): Promise<Started> {
  const port = await freePort();
  const child = spawn(process.execPath, [dist(script)], { cwd: root, env: cleanEnv({ ...check.env, ...env, PORT: String(port) }), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d.toString()));
  child.stderr!.on('data', (d) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 120_000;
  while (!out.includes(ready)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`service did not start (exit ${child.exitCode}):\n${out}\n${err}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child,
    url: `http://127.0.0.1:${port}`,
    stdout: () => out,
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

const KEY_LINE = /^ {4}(pl_[a-f0-9]{16}\.[A-Za-z0-9_-]+)$/m;

describe('node dist/apps/main.js on the embedded default', () => {
  let dataDir: string;
  beforeAll(() => {
    if (!existsSync(dist('apps/main.js'))) throw new Error('dist/apps/main.js is missing: run `npm run build` first');
    dataDir = mkdtempSync(join(tmpdir(), 'pl-start-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  let firstKey = '';

  it('prints an admin key once on the first start, serves /health and /docs, and protects the rest', async () => {
    const s = await start({ DATA_DIR: dataDir });
    try {
      const m = KEY_LINE.exec(s.stdout());
      expect(m).not.toBeNull();
      firstKey = m![1];
      expect(s.stdout().match(/pl_[a-f0-9]{16}\./g)).toHaveLength(1);
      const health = await fetch(`${s.url}/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: 'ok', checks: { event_store: { ok: true, detail: { backend: 'embedded' } }, read_model_db: { ok: true, detail: { kind: 'pglite' } } } });
      expect((await fetch(`${s.url}/docs`)).status).toBe(200);
      expect((await fetch(`${s.url}/docs/openapi.json`)).status).toBe(200);
      expect((await fetch(`${s.url}/demo/lists/stats`)).status).toBe(401);
      const authed = await fetch(`${s.url}/demo/lists/stats`, { headers: { authorization: `Bearer ${firstKey}` } });
      expect(authed.status).toBe(200);
      // the JSON log never carries the key; only the one banner does
      const jsonLines = s.stdout().split('\n').filter((l) => l.startsWith('{'));
      expect(jsonLines.length).toBeGreaterThan(0);
      expect(jsonLines.join('\n')).not.toContain(firstKey);
      expect(existsSync(join(dataDir, 'pglite'))).toBe(true);
      expect(existsSync(join(dataDir, 'master.key'))).toBe(true);
    } finally {
      expect(await s.stop()).toBe(0);
    }
  });

  it('prints no new key on the second start; the first key still works', async () => {
    const s = await start({ DATA_DIR: dataDir });
    try {
      expect(s.stdout()).not.toMatch(KEY_LINE);
      expect(s.stdout()).not.toMatch(/pl_[a-f0-9]{16}\./);
      const authed = await fetch(`${s.url}/demo/lists/stats`, { headers: { authorization: `Bearer ${firstKey}` } });
      expect(authed.status).toBe(200);
    } finally {
      expect(await s.stop()).toBe(0);
    }
  });

  it('an idle embedded service has not loaded what only other setups or later requests use (issue 14, idle memory)', async () => {
    const fresh = mkdtempSync(join(tmpdir(), 'pl-start-modules-'));
    const list = join(fresh, 'loaded-modules.json');
    const hook = join(fresh, 'loaded-modules.cjs');
    writeFileSync(hook, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(list)}, JSON.stringify(Object.keys(require.cache))));`);
    const s = await start({ DATA_DIR: join(fresh, 'data'), NODE_OPTIONS: `--require ${hook}` });
    try {
      expect((await fetch(`${s.url}/health`)).status).toBe(200);
    } finally {
      expect(await s.stop()).toBe(0);
    }
    const packages = new Set((JSON.parse(readFileSync(list, 'utf8')) as string[]).map((f) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(f)?.[1]));
    rmSync(fresh, { recursive: true, force: true });
    expect(packages.has('@electric-sql/pglite')).toBe(true);
    // Kafka, PostgreSQL and EventStoreDB clients: other setups; holidays, consent strings, YAML manifests: loaded by the request that needs them
    for (const unused of ['kafkajs', 'pg', '@eventstore/db-client', 'date-holidays', '@iabgpp/cmpapi', '@iabtechlabtcf/core', 'yaml']) expect([unused, packages.has(unused)]).toEqual([unused, false]);
  });

  it('bootstraps ADMIN_API_KEY as an admin key (and prints nothing)', async () => {
    const fresh = mkdtempSync(join(tmpdir(), 'pl-start-admin-'));
    const adminKey = 'a-configured-admin-key-with-enough-entropy-0123456789';
    const s = await start({ DATA_DIR: fresh, ADMIN_API_KEY: adminKey });
    try {
      expect(s.stdout()).not.toMatch(KEY_LINE);
      const created = await fetch(`${s.url}/demo/lists`, { method: 'POST', headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ title: 'x' }) });
      expect(created.status).toBe(201);
      expect((await fetch(`${s.url}/demo/lists/stats`, { headers: { authorization: `Bearer ${adminKey}x` } })).status).toBe(401);
    } finally {
      expect(await s.stop()).toBe(0);
      rmSync(fresh, { recursive: true, force: true });
    }
  });
});

describe('api and worker as separate processes on PostgreSQL (the docker-compose split, without EventStoreDB)', () => {
  let f: FreshDatabase;
  beforeAll(async () => {
    f = await freshPostgres();
  });
  afterAll(() => f.drop());

  it('the API serves commands, the worker projects them, and readiness follows the worker', async () => {
    const adminKey = 'split-admin-key-0123456789-0123456789';
    const env = { DATABASE_URL: f.url!, MASTER_KEY: Buffer.alloc(32, 4).toString('base64'), ADMIN_API_KEY: adminKey, DATA_DIR: mkdtempSync(join(tmpdir(), 'pl-split-')) };
    const api = await start(env, 'apps/api/main.js');
    const worker = await start(env, 'apps/worker/main.js', 'worker started');
    const auth = { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' };
    try {
      const created = await fetch(`${api.url}/demo/lists`, { method: 'POST', headers: auth, body: JSON.stringify({ title: 'split' }) });
      expect(created.status).toBe(201);
      let counts: Array<{ type: string; count: number }> = [];
      for (let i = 0; i < 200 && !counts.some((c) => c.type === 'demo.list_opened'); i++) {
        await new Promise((r) => setTimeout(r, 100));
        const stats = await fetch(`${api.url}/demo/lists/stats`, { headers: auth });
        counts = stats.status === 200 ? ((await stats.json()) as any).event_counts : [];
      }
      expect(counts).toEqual([{ type: 'demo.list_opened', count: 1 }]);
      const health = await fetch(`${api.url}/health`);
      expect(health.status).toBe(200);
      const body = (await health.json()) as any;
      expect(body.checks.event_store.detail.backend).toBe('postgres');
      expect(body.checks.projections.detail).toEqual(expect.arrayContaining([expect.objectContaining({ projection: 'event_counts', behind: 0 })]));
    } finally {
      expect(await worker.stop()).toBe(0);
      expect(await api.stop()).toBe(0);
    }
  });
});

describe('the CommonJS build loads NestJS 12 (ESM) and keeps the gRPC client out of the default', () => {
  it('node dist/apps/cli/main.js keys scopes', () => {
    const r = spawnSync(process.execPath, [dist('apps/cli/main.js'), 'keys', 'scopes'], { cwd: root, env: cleanEnv({}), encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^admin +everything/m);
    expect(r.stdout).toMatch(/^consent:write /m);
  });

  it('loads the API module graph without @eventstore/db-client; the adapter resolves on demand', () => {
    const script = `
      require(${JSON.stringify(dist('apps/api/src/bootstrap.js'))});
      require(${JSON.stringify(dist('apps/common/infrastructure.js'))});
      const before = Object.keys(require.cache).filter((k) => k.includes('@eventstore/db-client')).length;
      const { EventStoreDbEventStore } = require(${JSON.stringify(dist('libs/eventstore/src/eventstoredb/eventstoredb-event-store.js'))});
      const after = Object.keys(require.cache).filter((k) => k.includes('@eventstore/db-client')).length;
      console.log(JSON.stringify({ before, after, adapter: typeof EventStoreDbEventStore.fromConnectionString }));`;
    const r = spawnSync(process.execPath, ['-e', script], { cwd: root, env: cleanEnv({}), encoding: 'utf8' });
    expect(r.status).toBe(0);
    const res = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(res.before).toBe(0);
    expect(res.after).toBeGreaterThan(0);
    expect(res.adapter).toBe('function');
  });
});
