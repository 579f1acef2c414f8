import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CryptoEventCodec, hasSubjectKeysTable, isEncryptedField, MasterKeyRing, SubjectKeyStore } from '@pl/crypto';
import { LOG_START, type RecordedEvent } from '@pl/domain';
import { SqlEventStore, type SqlDatabase } from '@pl/eventstore';
import { runCli } from '../../apps/cli/main';
import { loadConfig } from '../../apps/common/config';
import { PERSONAL_FIELDS } from '../../apps/common/infrastructure';
import { freshPostgres, type FreshDatabase } from '../support/databases';
import { startTestApp, type TestApp } from '../support/app';
import { requestStatusWhen } from '../support/rights';

/**
 * Erasure and backups (docs/rights.md): with the key store in its own database, a backup of the log
 * taken before an erasure decrypts nothing of the erased subject once restored; a backup of the key
 * store taken before the erasure still does, until it expires or its master key is retired.
 */
jest.setTimeout(180_000);

const ANN = 'ann-5521@example.com';
const ANN_VALUES = ['203.0.113.55', 'AnnBrowser/5.5 (unique-ua-5521)', 'ann.private.5521@example.com'];
const BEN = 'ben-6632@example.com';
const BEN_IP = '198.51.100.66';
const OLD_MASTER = Buffer.alloc(32, 7).toString('base64'); // startTestApp's MASTER_KEY
const NEW_MASTER = Buffer.alloc(32, 8).toString('base64');

/** pg_dump of one database, restored with psql into a fresh one: a backup as an operator takes it. */
async function backup(source: FreshDatabase): Promise<FreshDatabase> {
  const copy = await freshPostgres('pl_backup');
  const dump = spawnSync('pg_dump', ['--no-owner', '--no-privileges', source.url!], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (dump.status !== 0) throw new Error(`pg_dump failed: ${dump.stderr}`);
  const restore = spawnSync('psql', ['-q', '-v', 'ON_ERROR_STOP=1', copy.url!], { input: dump.stdout, encoding: 'utf8' });
  if (restore.status !== 0) throw new Error(`psql restore failed: ${restore.stderr}`);
  return copy;
}

/** A marketing consent over HTTP, its proof carrying the personal values the test looks for. */
const consent = (app: TestApp, user_id: string, ip_address: string, user_agent: string, extra: Record<string, unknown> = {}) =>
  app.request('POST', '/consent/record', {
    user_id, data_categories: ['user.contact.email'], processing_purposes: ['marketing'], consent_status: 'granted', consent_timestamp: new Date(Date.now() - 60_000).toISOString(),
    legal_basis: 'consent', consent_version: 'v1', consent_metadata: { ip_address, user_agent, method: 'checkbox', ...extra },
  });

async function allEvents(db: SqlDatabase): Promise<RecordedEvent[]> {
  const store = new SqlEventStore(db);
  const out: RecordedEvent[] = [];
  for (let after = LOG_START; ; ) {
    const page = await store.readAll(after, { maxCount: 200 });
    if (!page.length) return out;
    out.push(...page);
    after = page[page.length - 1].position;
  }
}

const fieldsOf = (e: RecordedEvent, sub: string): number => (JSON.stringify(e.data).match(new RegExp(`"sub":"${sub}"`, 'g')) ?? []).length;
const dataText = (events: readonly RecordedEvent[]): string => JSON.stringify(events.map((e) => e.data));
const ring = (env: Record<string, string>) => MasterKeyRing.fromConfig(loadConfig({ DATA_DIR: '/tmp/pl-backups', ...env }));

describe('erasure and backups: the key store in its own PostgreSQL database', () => {
  let log: FreshDatabase;
  let keys: FreshDatabase;
  let app: TestApp;
  let ann: string;
  let ben: string;
  let logBackup: FreshDatabase;
  let keysBackup: FreshDatabase;

  beforeAll(async () => {
    [log, keys] = [await freshPostgres(), await freshPostgres()];
    app = await startTestApp({ database: log, env: { KEYSTORE_DATABASE_URL: keys.url! } });
    ann = app.infra.pseudonymizer.subject(ANN);
    ben = app.infra.pseudonymizer.subject(BEN);
    expect((await consent(app, ANN, ANN_VALUES[0], ANN_VALUES[1], { email: ANN_VALUES[2] })).status).toBe(201);
    expect((await consent(app, BEN, BEN_IP, 'BenBrowser/1.0')).status).toBe(201);
    // the nightly backups, taken before the erasure: the log database and the key store, each on its own
    logBackup = await backup(log);
    keysBackup = await backup(keys);
    const erased = await app.request('POST', '/data-subject/erasure', { user_id: ANN });
    expect(erased.status).toBe(202);
    expect(await requestStatusWhen(app, erased.body.request_id, (r) => r.status === 'completed')).toMatchObject({ verified: true, ledger_erased: true });
    app.infra.keys.clearCache();
  });
  afterAll(async () => {
    await app?.close();
    for (const db of [logBackup, keysBackup, keys, log]) await db?.drop();
  });

  it('the log database holds no key; the live log holds no personal value in clear', async () => {
    expect(await hasSubjectKeysTable(log.db)).toBe(false);
    expect(await hasSubjectKeysTable(keys.db)).toBe(true);
    const raw = (await log.db.query<{ d: string }>('SELECT string_agg(data::text, chr(10)) AS d FROM es_events')).rows[0].d;
    for (const v of [ANN, ...ANN_VALUES]) expect(raw).not.toContain(v);
    // /health and /metrics: where the keys are and how many each master key status wraps (hers is gone)
    const health = await app.request('GET', '/health', undefined, null);
    expect(health.body.checks.key_store).toEqual({ ok: true, detail: { location: 'own database', kind: 'postgres', data_keys: { current: 1, previous: 0, unknown: 0 } } });
    expect(String((await app.request('GET', '/metrics', undefined, null)).body)).toMatch(/^pl_data_keys\{status="current"\} 1$/m);
  });

  it('a pre-erasure backup of the log, restored alone beside the live key store, decrypts nothing of the erased subject', async () => {
    expect(await hasSubjectKeysTable(logBackup.db)).toBe(false); // the backup itself carries no data key
    const events = await allEvents(logBackup.db);
    const raw = dataText(events);
    for (const v of [ANN, ...ANN_VALUES]) expect(raw).not.toContain(v);
    const annEvents = events.filter((e) => fieldsOf(e, ann) > 0);
    expect(annEvents.length).toBeGreaterThan(0); // her consent proof is in the backup, encrypted

    const decoded = await app.infra.codec.decode(events);
    for (const v of ANN_VALUES) expect(dataText(decoded)).not.toContain(v);
    const annDecoded = decoded.filter((_d, i) => fieldsOf(events[i], ann) > 0);
    expect(annDecoded).toHaveLength(annEvents.length);
    for (const e of annDecoded) {
      expect(e.erased).toBe(true);
      expect(e.decrypted_fields ?? []).toEqual([]);
    }
    // the restored log is still useful: the other subject's fields decrypt, and the accountability facts read
    expect(dataText(decoded)).toContain(BEN_IP);
    expect(decoded.find((d) => d.type === 'consent.given' && d.streamId.endsWith(ann))).toMatchObject({ data: { processing_purposes: ['marketing'] } });
  });

  it('a pre-erasure backup of the key store still decrypts her fields (hence its short retention), until the master key that wrapped it is retired', async () => {
    const events = (await allEvents(logBackup.db)).filter((e) => fieldsOf(e, ann) > 0);
    const oldBackupReader = new CryptoEventCodec(new SubjectKeyStore(keysBackup.db, ring({ MASTER_KEY: OLD_MASTER })), PERSONAL_FIELDS);
    const readable = dataText(await oldBackupReader.decode(events));
    for (const v of ANN_VALUES) expect(readable).toContain(v);

    // rotation: a new master key, every live data key re-wrapped, the old key removed and destroyed
    await app.close();
    const dataDir = mkdtempSync(join(tmpdir(), 'pl-backups-'));
    const rotating = { DATABASE_URL: log.url!, KEYSTORE_DATABASE_URL: keys.url!, DATA_DIR: dataDir, MASTER_KEY: NEW_MASTER, MASTER_KEYS_PREVIOUS: OLD_MASTER };
    expect(await runCli(['rewrap-keys'], { env: rotating, io: { out: () => undefined, err: () => undefined, progress: () => undefined } })).toBe(0);
    const retired = ring({ MASTER_KEY: NEW_MASTER });
    await expect(new CryptoEventCodec(new SubjectKeyStore(keysBackup.db, retired), PERSONAL_FIELDS).decode(events)).rejects.toThrow(/not configured/);
    const live = new CryptoEventCodec(new SubjectKeyStore(keys.db, retired), PERSONAL_FIELDS);
    const benEvents = (await allEvents(logBackup.db)).filter((e) => fieldsOf(e, ben) > 0);
    expect(dataText(await live.decode(benEvents))).toContain(BEN_IP);
    expect(benEvents.flatMap((e) => Object.values(e.data.proof ?? {})).some(isEncryptedField)).toBe(true);
  });
});

describe('erasure and backups: the default, keys in the log database', () => {
  it('a pre-erasure backup of the log database alone decrypts the erased subject with the master key (what the start-up warning says)', async () => {
    const log = await freshPostgres();
    const app = await startTestApp({ database: log });
    let logBackup: FreshDatabase | null = null;
    try {
      expect((await consent(app, ANN, ANN_VALUES[0], ANN_VALUES[1])).status).toBe(201);
      logBackup = await backup(log);
      const erased = await app.request('POST', '/data-subject/erasure', { user_id: ANN });
      expect(await requestStatusWhen(app, erased.body.request_id, (r) => r.status === 'completed')).toMatchObject({ ledger_erased: true });
      const fromBackup = new CryptoEventCodec(new SubjectKeyStore(logBackup.db, ring({ MASTER_KEY: OLD_MASTER })), PERSONAL_FIELDS);
      expect(dataText(await fromBackup.decode(await allEvents(logBackup.db)))).toContain(ANN_VALUES[0]);
    } finally {
      await app.close();
      await logBackup?.drop();
      await log.drop();
    }
  });
});

describe('the key store on /health', () => {
  it('is not ready, naming the key store, when its database is gone', async () => {
    const [log, keys] = [await freshPostgres(), await freshPostgres()];
    const app = await startTestApp({ database: log, env: { KEYSTORE_DATABASE_URL: keys.url! } });
    try {
      expect((await app.request('GET', '/health', undefined, null)).status).toBe(200);
      await keys.drop(); // FORCE: the service's connections are cut, and the database does not come back
      const down = await app.request('GET', '/health', undefined, null);
      expect(down.status).toBe(503);
      expect(down.body.checks).toMatchObject({ event_store: { ok: true }, read_model_db: { ok: true }, key_store: { ok: false, detail: { location: 'own database', error: 'unreachable' } } });
    } finally {
      await app.close();
      await log.drop();
    }
  });
});
