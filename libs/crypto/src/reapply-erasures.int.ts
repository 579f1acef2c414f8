import { randomBytes, randomUUID } from 'node:crypto';
import { SqlEventStore } from '@pl/eventstore';
import { SQL_BACKENDS, type FreshDatabase } from '../../../test/support/databases';
import { ipsOf, recordIp, testMetadata } from '../../../test/support/crypto-fixtures';
import { SubjectKeyStore } from './key-store';
import { MasterKeyRing, masterKeyId } from './master-key';
import { Pseudonymizer } from './pseudonym';
import { reapplyErasures } from './reapply-erasures';

const pseudo = new Pseudonymizer(randomBytes(32));
const master = randomBytes(32);

describe.each(SQL_BACKENDS)('re-applying erasures after a key-store backup is restored, on %s', (_name, open) => {
  let fresh: FreshDatabase;
  let store: SqlEventStore;
  let keys: SubjectKeyStore;

  beforeAll(async () => {
    fresh = await open();
    store = new SqlEventStore(fresh.db);
    await store.init();
    keys = new SubjectKeyStore(fresh.db, new MasterKeyRing({ id: masterKeyId(master), key: master }));
    await keys.init();
  });
  afterAll(async () => {
    await keys.close();
    await store.close();
    await fresh.drop();
  });

  const record = (sub: string, ip: string) => recordIp(store, keys, sub, ip);
  const ipOf = (sub: string) => ipsOf(store, keys, `consent-${sub}`);
  async function erase(sub: string): Promise<void> {
    await keys.shred(sub);
    const data = { request_id: randomUUID(), subject_key: sub, erased: { data_keys_shredded: 1, read_models_purged: [] }, retained: [] };
    await store.append(`dsr-${randomUUID()}`, [{ type: 'rights.subject_erased', data, metadata: testMetadata(randomUUID()) }], 'no_stream');
  }

  it("shreds again the keys of subjects erased after the backup, keeps a returning subject's new key and every other key", async () => {
    const [ann, ben, cid] = ['ann@example.com', 'ben@example.com', 'cid@example.com'].map((e) => pseudo.subject(e));
    await record(cid, '192.0.2.31');
    await record(ann, '192.0.2.32');
    await record(ben, '192.0.2.33');
    await erase(ben);
    await record(ben, '192.0.2.34'); // ben came back: a new key, for events after his erasure
    await fresh.db.exec('CREATE TABLE subject_keys_backup AS SELECT * FROM subject_keys'); // the key-store backup
    await erase(ann);
    expect(await ipOf(ann)).toEqual([null]);

    await fresh.db.exec('DELETE FROM subject_keys; INSERT INTO subject_keys SELECT * FROM subject_keys_backup'); // restored
    expect(await ipOf(ann)).toEqual(['192.0.2.32']); // her key is back with the backup
    expect(await reapplyErasures(store, keys, 2)).toEqual({ erasedSubjects: 2, shredded: 1 });
    expect(await ipOf(ann)).toEqual([null]);
    expect(await ipOf(ben)).toEqual([null, '192.0.2.34']);
    expect(await ipOf(cid)).toEqual(['192.0.2.31']);
    expect(await reapplyErasures(store, keys)).toEqual({ erasedSubjects: 2, shredded: 0 });
  });
});
