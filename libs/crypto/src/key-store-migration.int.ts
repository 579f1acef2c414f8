import { randomBytes } from 'node:crypto';
import { SqlEventStore } from '@pl/eventstore';
import { SQL_BACKENDS, type FreshDatabase } from '../../../test/support/databases';
import { ipsOf, recordIp } from '../../../test/support/crypto-fixtures';
import { SubjectKeyStore } from './key-store';
import { copySubjectKeys, dropSourceKeys, hasSubjectKeysTable } from './key-store-migration';
import { MasterKeyRing, masterKeyId } from './master-key';
import { Pseudonymizer } from './pseudonym';

const pseudo = new Pseudonymizer(randomBytes(32));
const master = randomBytes(32);
const ring = () => new MasterKeyRing({ id: masterKeyId(master), key: master });

describe.each(SQL_BACKENDS)('moving the data keys out of the log database on %s', (_name, open) => {
  let logDb: FreshDatabase;
  let keyDb: FreshDatabase;
  let store: SqlEventStore;
  let oldKeys: SubjectKeyStore;

  beforeAll(async () => {
    [logDb, keyDb] = [await open(), await open()];
    store = new SqlEventStore(logDb.db);
    await store.init();
    oldKeys = new SubjectKeyStore(logDb.db, ring());
    await oldKeys.init();
  });
  afterAll(async () => {
    await oldKeys.close();
    await store.close();
    await logDb.drop();
    await keyDb.drop();
  });

  const record = async (email: string, ip: string) => ({ sub: pseudo.subject(email), stream: await recordIp(store, oldKeys, pseudo.subject(email), ip) });

  it('copies every key (the new store then decrypts the old events), changes nothing when run again, follows shreds, drops the old table only when identical', async () => {
    const ann = await record('ann@example.com', '192.0.2.21');
    const ben = await record('ben@example.com', '192.0.2.22');
    expect(await copySubjectKeys(logDb.db, keyDb.db, 1)).toEqual({ sourceKeys: 2, inserted: 2, replaced: 0, deleted: 0, inSync: true });
    expect(await copySubjectKeys(logDb.db, keyDb.db, 1)).toEqual({ sourceKeys: 2, inserted: 0, replaced: 0, deleted: 0, inSync: true });
    const moved = new SubjectKeyStore(keyDb.db, ring());
    expect(await ipsOf(store, moved, ann.stream)).toEqual(['192.0.2.21']);

    // the old table is still the truth: an erasure there, and a new key, reach the new store on the next run
    await oldKeys.shred(ben.sub);
    await record('cid@example.com', '192.0.2.23');
    expect(await copySubjectKeys(logDb.db, keyDb.db)).toEqual({ sourceKeys: 2, inserted: 1, replaced: 0, deleted: 1, inSync: true });
    expect(await ipsOf(store, moved, ben.stream)).toEqual([null]);

    // a key created in the old table after the copy (a process still running on it): no drop
    await record('dot@example.com', '192.0.2.24');
    expect(await dropSourceKeys(logDb.db, keyDb.db)).toBe(false);
    expect(await hasSubjectKeysTable(logDb.db)).toBe(true);
    await copySubjectKeys(logDb.db, keyDb.db);
    expect(await dropSourceKeys(logDb.db, keyDb.db)).toBe(true);
    expect(await hasSubjectKeysTable(logDb.db)).toBe(false);
    expect((await keyDb.db.query('SELECT count(*)::int AS n FROM subject_keys')).rows[0].n).toBe(3);
  });
});
