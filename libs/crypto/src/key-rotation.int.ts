import { randomBytes } from 'node:crypto';
import { SqlEventStore, type SqlDatabase } from '@pl/eventstore';
import { SQL_BACKENDS, type FreshDatabase } from '../../../test/support/databases';
import { ipsOf, recordIp } from '../../../test/support/crypto-fixtures';
import { SubjectKeyStore } from './key-store';
import { MasterKeyRing, masterKeyId, type MasterKey } from './master-key';
import { Pseudonymizer } from './pseudonym';

const pseudo = new Pseudonymizer(randomBytes(32));
const mk = (): MasterKey => {
  const key = randomBytes(32);
  return { id: masterKeyId(key), key };
};

/** A copy of the key table as a backup would hold it (the rows, not the live table). */
async function snapshotKeys(db: SqlDatabase): Promise<void> {
  await db.exec('DROP TABLE IF EXISTS subject_keys_backup; CREATE TABLE subject_keys_backup AS SELECT * FROM subject_keys');
}

/** The backup restored in place of the live table, for a key store that reads it. */
async function restoreKeys(db: SqlDatabase): Promise<void> {
  await db.exec('DELETE FROM subject_keys; INSERT INTO subject_keys SELECT * FROM subject_keys_backup');
}

describe.each(SQL_BACKENDS)('master-key rotation and retirement on %s', (_name, open) => {
  let fresh: FreshDatabase;
  let store: SqlEventStore;
  const old = mk();
  const current = mk();

  beforeAll(async () => {
    fresh = await open();
    store = new SqlEventStore(fresh.db);
    await store.init();
  });
  afterAll(async () => {
    await store.close();
    await fresh.drop();
  });

  const record = (keys: SubjectKeyStore, email: string, ip: string) => recordIp(store, keys, pseudo.subject(email), ip);
  const ipOf = async (keys: SubjectKeyStore, stream: string) => (await ipsOf(store, keys, stream))[0];

  it('re-wraps under the current key; once the retired key is gone, a key-store backup from before the rotation unwraps nothing', async () => {
    const before = new SubjectKeyStore(fresh.db, new MasterKeyRing(old));
    await before.init();
    const streams = [await record(before, 'ann@example.com', '192.0.2.11'), await record(before, 'ben@example.com', '192.0.2.12')];
    await snapshotKeys(fresh.db); // the nightly backup, taken before the rotation

    const rotating = new SubjectKeyStore(fresh.db, new MasterKeyRing(current, [old]));
    expect(await rotating.inventory()).toEqual([
      { masterKeyId: current.id, dataKeys: 0, status: 'current' },
      { masterKeyId: old.id, dataKeys: 2, status: 'previous' },
    ]);
    expect(await rotating.rewrap(1)).toBe(2);
    expect(await rotating.rewrap()).toBe(0); // idempotent
    expect((await rotating.inventory()).map((u) => [u.status, u.dataKeys])).toEqual([['current', 2], ['previous', 0]]);

    // retirement: the old key leaves the configuration; the live store still reads everything
    const retired = new SubjectKeyStore(fresh.db, new MasterKeyRing(current));
    expect(await ipOf(retired, streams[0])).toBe('192.0.2.11');
    expect(await ipOf(retired, streams[1])).toBe('192.0.2.12');

    // the pre-rotation backup restored: without the destroyed key not one data key unwraps
    await restoreKeys(fresh.db);
    expect((await retired.inventory()).find((u) => u.status === 'unknown')).toEqual({ masterKeyId: old.id, dataKeys: 2, status: 'unknown' });
    for (const s of streams) await expect(ipOf(retired, s)).rejects.toThrow(/not configured/);
    // (as long as the old key exists, that backup still reads: why it must be destroyed)
    expect(await ipOf(new SubjectKeyStore(fresh.db, new MasterKeyRing(current, [old])), streams[0])).toBe('192.0.2.11');
  });

  it('leaves keys wrapped by an unconfigured master key alone and still re-wraps the others', async () => {
    await fresh.db.exec('DELETE FROM subject_keys');
    const lost = mk();
    await record(new SubjectKeyStore(fresh.db, new MasterKeyRing(lost)), 'cid@example.com', '192.0.2.13');
    const stream = await record(new SubjectKeyStore(fresh.db, new MasterKeyRing(old)), 'dot@example.com', '192.0.2.14');
    const rotating = new SubjectKeyStore(fresh.db, new MasterKeyRing(current, [old]));
    expect(await rotating.rewrap()).toBe(1);
    expect(await rotating.inventory()).toEqual([
      { masterKeyId: current.id, dataKeys: 1, status: 'current' },
      { masterKeyId: old.id, dataKeys: 0, status: 'previous' },
      { masterKeyId: lost.id, dataKeys: 1, status: 'unknown' },
    ]);
    expect(await ipOf(new SubjectKeyStore(fresh.db, new MasterKeyRing(current)), stream)).toBe('192.0.2.14');
  });
});
