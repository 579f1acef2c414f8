import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasSubjectKeysTable } from '@pl/crypto';
import { freshPostgres, type FreshDatabase } from '../../../../test/support/databases';
import { loadConfig } from '../../../common/config';
import { createInfrastructure, LegacyKeyTableError } from '../../../common/infrastructure';
import { keyStoreNotices } from '../../../common/key-store-notices';
import { runCli } from '../../main';
import type { CliIo } from '../command';

jest.setTimeout(120_000);

const OLD_MASTER = Buffer.alloc(32, 11).toString('base64');
const NEW_MASTER = Buffer.alloc(32, 12).toString('base64');
const SUBJECTS = ['sub_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 'sub_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'];

async function cli(env: NodeJS.ProcessEnv, ...argv: string[]) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const io: CliIo = { out: (l) => stdout.push(l), err: (l) => stderr.push(l), progress: (l) => stdout.push(l) };
  const code = await runCli(argv, { io, env });
  return { code, stdout: stdout.join('\n'), stderr: stderr.join('\n') };
}

/** The unwrapped data key of each subject, as the service would use it. */
async function dataKeys(env: NodeJS.ProcessEnv): Promise<string[]> {
  const infra = await createInfrastructure(loadConfig(env));
  try {
    return await Promise.all(SUBJECTS.map(async (s) => (await infra.keys.keyFor(s)).key.toString('hex')));
  } finally {
    await infra.close();
  }
}

describe('an existing PostgreSQL deployment moves its data keys to KEYSTORE_DATABASE_URL, then rotates the master key', () => {
  let log: FreshDatabase;
  let keys: FreshDatabase;
  let before: NodeJS.ProcessEnv;
  let after: NodeJS.ProcessEnv;

  beforeAll(async () => {
    [log, keys] = [await freshPostgres(), await freshPostgres()];
    before = { DATABASE_URL: log.url!, MASTER_KEY: OLD_MASTER, DATA_DIR: mkdtempSync(join(tmpdir(), 'pl-keystore-')) };
    after = { ...before, KEYSTORE_DATABASE_URL: keys.url! };
  });
  afterAll(async () => {
    await log.drop();
    await keys.drop();
  });

  it('warns while the keys share the log database, refuses to start on the new store until the keys moved, then reads the same keys there', async () => {
    const original = await dataKeys(before);
    const shared = await createInfrastructure(loadConfig(before));
    expect((await keyStoreNotices(shared)).map((n) => n.fields.key_store)).toContain('log database');
    await shared.close();

    await expect(createInfrastructure(loadConfig(after))).rejects.toBeInstanceOf(LegacyKeyTableError);
    expect((await cli(after, 'keystore', 'status')).stdout).toMatch(/still holds a subject_keys table/);
    const copied = await cli(after, 'keystore', 'migrate');
    expect(copied).toMatchObject({ code: 0, stdout: expect.stringContaining('copied 2 data key(s): 2 inserted') });
    await expect(createInfrastructure(loadConfig(after))).rejects.toBeInstanceOf(LegacyKeyTableError);
    const dropped = await cli(after, 'keystore', 'migrate', '--drop-source');
    expect(dropped).toMatchObject({ code: 0, stdout: expect.stringContaining('0 inserted') });
    expect(await hasSubjectKeysTable(log.db)).toBe(false);
    expect(await dataKeys(after)).toEqual(original);

    const apart = await createInfrastructure(loadConfig(after));
    expect(apart.keysDb).not.toBe(apart.db);
    expect(await keyStoreNotices(apart)).toEqual([]);
    await apart.close();
    expect((await cli(after, 'keystore', 'migrate')).stdout).toMatch(/nothing to migrate/);
    expect(await cli(after, 'keystore', 'reapply-erasures')).toMatchObject({ code: 0, stdout: '0 erased subject(s) in the log; 0 restored key(s) shredded again' });
  });

  it('rewrap-keys moves every key to the new master key and says when the old one can be retired', async () => {
    const original = await dataKeys(after);
    const rotating = { ...after, MASTER_KEY: NEW_MASTER, MASTER_KEYS_PREVIOUS: OLD_MASTER };
    const r = await cli(rotating, 'rewrap-keys');
    expect(r).toMatchObject({ code: 0, stdout: expect.stringMatching(/re-wrapped 2 data key\(s\)[\s\S]*remove MASTER_KEYS_PREVIOUS/) });
    expect((await cli(rotating, 'keystore', 'status')).stdout).toMatch(/previous\s+0 data key/);
    // retired: the new key alone reads every subject; the old one alone reads nothing any more
    expect(await dataKeys({ ...after, MASTER_KEY: NEW_MASTER })).toEqual(original);
    await expect(dataKeys(after)).rejects.toThrow(/not configured/);
  });
});

describe('the embedded default with the key store in a PGlite directory of its own', () => {
  let dataDir: string;
  let keyDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'pl-data-'));
    keyDir = mkdtempSync(join(tmpdir(), 'pl-keys-'));
  });
  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(keyDir, { recursive: true, force: true });
  });

  it('keeps the keys out of DATA_DIR and guards the directory like DATA_DIR', async () => {
    const infra = await createInfrastructure(loadConfig({ DATA_DIR: dataDir, MASTER_KEY: OLD_MASTER, KEYSTORE_DATABASE_URL: keyDir }));
    await infra.keys.keyFor(SUBJECTS[0]);
    expect(infra.keysDb.kind).toBe('pglite');
    expect(await hasSubjectKeysTable(infra.db)).toBe(false);
    expect((await infra.keysDb.query('SELECT count(*)::int AS n FROM subject_keys')).rows[0].n).toBe(1);
    expect(existsSync(join(keyDir, 'pglite.pid'))).toBe(true);
    await expect(createInfrastructure(loadConfig({ DATA_DIR: mkdtempSync(join(tmpdir(), 'pl-data-')), MASTER_KEY: OLD_MASTER, KEYSTORE_DATABASE_URL: keyDir }))).rejects.toThrow(/in use by process/);
    await infra.close();
    expect(existsSync(join(keyDir, 'pglite.pid'))).toBe(false);
  });
});
