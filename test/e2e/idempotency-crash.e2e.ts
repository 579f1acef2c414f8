import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { consentRecordBody } from '../support/consent-body';
import { freshPostgres, type FreshDatabase } from '../support/databases';
import { cleanEnv, freePort, responseCheck } from '../support/processes';

/**
 * Idempotency-Key across a crash (issue 14, defect 2): the built service is killed (SIGKILL, from a
 * test hook at exactly that point) after a keyed command's events are appended and before its answer
 * is stored. Restarted, a retry with the same key answers with the recorded consent and appends
 * nothing. Needs `npm run build` first, like the other tests of the built service.
 */
jest.setTimeout(420_000);

const root = join(__dirname, '../..');
const main = join(root, 'dist/apps/main.js');
const adminKey = randomBytes(32).toString('base64url');
const KILL_HOOK = 'PL_TEST_KILL_BEFORE_IDEMPOTENT_ANSWER';

// Every response of the started services is checked against the document they serve (issue 17 item 1).
const check = responseCheck();
afterAll(() => {
  const found = check.found();
  check.remove();
  expect(found).toEqual({ apps: 4, mismatches: '' });
});

interface Service {
  readonly url: string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<unknown>;
}

async function start(env: Record<string, string>): Promise<Service> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [main], {
    cwd: root,
    env: cleanEnv({ ...check.env, LOG_LEVEL: 'info', HOST: '127.0.0.1', PORT: String(port), ADMIN_API_KEY: adminKey, IDEMPOTENCY_LEASE_SECONDS: '1', ...env }, [KILL_HOOK]),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d.toString()));
  child.stderr!.on('data', (d) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  for (const deadline = Date.now() + 120_000; !out.includes('privacy-ledger API listening'); ) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`service did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    exited,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

const call = async (s: Service, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
  const res = await fetch(`${s.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${adminKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
};

const backends: ReadonlyArray<readonly [string, () => Promise<{ env: Record<string, string>; done(): Promise<void> }>]> = [
  [
    'embedded (PGlite)',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'pl-idem-crash-'));
      return { env: { DATA_DIR: dir }, done: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  ],
  [
    'PostgreSQL',
    async () => {
      const f: FreshDatabase = await freshPostgres();
      const dir = mkdtempSync(join(tmpdir(), 'pl-idem-crash-pg-'));
      return { env: { DATABASE_URL: f.url!, MASTER_KEY: Buffer.alloc(32, 5).toString('base64'), DATA_DIR: dir }, done: async () => { rmSync(dir, { recursive: true, force: true }); await f.drop(); } };
    },
  ],
];

describe.each(backends)('Idempotency-Key after kill -9 between append and stored answer, %s', (_name, open) => {
  beforeAll(() => {
    if (!existsSync(main)) throw new Error('dist/apps/main.js is missing: run `npm run build` first');
  });

  it('a retry after the restart answers with the recorded consent and appends nothing', async () => {
    const backend = await open();
    const user = `crash-${randomUUID()}@example.com`;
    const key = randomUUID();
    const body = consentRecordBody(user);
    try {
      const doomed = await start({ ...backend.env, [KILL_HOOK]: '1' });
      await expect(call(doomed, 'POST', '/consent/record', body, { 'idempotency-key': key })).rejects.toThrow();
      expect(await doomed.exited).toEqual({ code: null, signal: 'SIGKILL' });

      const s = await start(backend.env);
      try {
        let retry = await call(s, 'POST', '/consent/record', body, { 'idempotency-key': key });
        // the dead request's lease (IDEMPOTENCY_LEASE_SECONDS=1) may not have run out yet
        for (let i = 0; retry.status === 409 && i < 50; i++) {
          await new Promise((r) => setTimeout(r, 200));
          retry = await call(s, 'POST', '/consent/record', body, { 'idempotency-key': key });
        }
        expect(retry.status).toBe(201);
        const history = await call(s, 'GET', `/consent/${encodeURIComponent(user)}/history`);
        expect(history.body.events.map((e: { type: string }) => e.type)).toEqual(['consent.given']);
        const [given] = history.body.events;
        expect(retry.body.consent_id).toBe(given.data.consent_id);
        expect(retry.body.events).toEqual([{ event_id: given.event_id, type: 'consent.given' }]);
        expect(retry.body.renewed).toBe(false);

        // the answer is stored now: the next retry is a replay of it
        const again = await call(s, 'POST', '/consent/record', body, { 'idempotency-key': key });
        expect(again.headers.get('idempotent-replayed')).toBe('true');
        expect(again.body).toEqual(retry.body);
        // and validate sees the one consent
        const v = await call(s, 'GET', `/consent/validate?user_id=${encodeURIComponent(user)}&data_category=user.contact.email&processing_purpose=marketing.communications.email`);
        expect(v.body).toMatchObject({ processing_allowed: true, consent_id: given.data.consent_id });
      } finally {
        await s.stop();
      }
    } finally {
      await backend.done();
    }
  });
});
