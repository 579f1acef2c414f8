import { randomBytes, randomUUID } from 'node:crypto';
import { SqlEventStore } from '@pl/eventstore';
import { SQL_BACKENDS, type FreshDatabase } from '../../../test/support/databases';
import { CryptoEventCodec, PersonalFieldRegistry } from './event-codec';
import { SubjectKeyStore } from './key-store';
import { copySubjectKeys, dropSourceKeys, hasSubjectKeysTable } from './key-store-migration';
import { MasterKeyRing, masterKeyId } from './master-key';
import { Pseudonymizer } from './pseudonym';

const pseudo = new Pseudonymizer(randomBytes(32));
const registry = new PersonalFieldRegistry([{ type: 'test.recorded', paths: ['ip_address'] }]);
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

  async function record(email: string, ip: string): Promise<{ sub: string; stream: string }> {
    const sub = pseudo.subject(email);
    const stream = `consent-${sub}`;
    const eid = randomUUID();
    const [enc] = await new CryptoEventCodec(oldKeys, registry).encode(stream, [{ type: 'test.recorded', data: { subject_key: sub, ip_address: ip } }], [eid]);
    await store.append(stream, [{ type: enc.type, data: enc.data, metadata: { event_id: eid, occurred_at: '', recorded_at: '', actor: 't', correlation_id: 'c', causation_id: null } }], 'any');
    return { sub, stream };
  }

  it('copies every key (the new store then decrypts the old events), changes nothing when run again, follows shreds, drops the old table only when identical', async () => {
    const ann = await record('ann@example.com', '192.0.2.21');
    const ben = await record('ben@example.com', '192.0.2.22');
    expect(await copySubjectKeys(logDb.db, keyDb.db, 1)).toEqual({ sourceKeys: 2, inserted: 2, replaced: 0, deleted: 0, inSync: true });
    expect(await copySubjectKeys(logDb.db, keyDb.db, 1)).toEqual({ sourceKeys: 2, inserted: 0, replaced: 0, deleted: 0, inSync: true });
    const moved = new SubjectKeyStore(keyDb.db, ring());
    const [d] = await new CryptoEventCodec(moved, registry).decode((await store.readStream(ann.stream)).events);
    expect(d.data.ip_address).toBe('192.0.2.21');

    // the old table is still the truth: an erasure there, and a new key, reach the new store on the next run
    await oldKeys.shred(ben.sub);
    await record('cid@example.com', '192.0.2.23');
    expect(await copySubjectKeys(logDb.db, keyDb.db)).toEqual({ sourceKeys: 2, inserted: 1, replaced: 0, deleted: 1, inSync: true });
    moved.clearCache();
    expect((await new CryptoEventCodec(moved, registry).decode((await store.readStream(ben.stream)).events))[0].erased).toBe(true);

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
