import { randomBytes } from 'node:crypto';
import { SqlEventStore, type SqlDatabase } from '@pl/eventstore';
import type { DomainEvent } from '@pl/domain';
import { SQL_BACKENDS, type FreshDatabase } from '../../../test/support/databases';
import { CryptoEventCodec, PersonalFieldRegistry } from './event-codec';
import { SubjectKeyStore } from './key-store';
import { MasterKeyRing, masterKeyId } from './master-key';
import { Pseudonymizer } from './pseudonym';

const pseudo = new Pseudonymizer(randomBytes(32));
const registry = new PersonalFieldRegistry([{ type: 'test.recorded', paths: ['proof.ip_address', 'proof.user_agent', 'notes', 'items.*.text'] }]);
const ring = (k = randomBytes(32)) => new MasterKeyRing({ id: masterKeyId(k), key: k });

describe.each(SQL_BACKENDS)('crypto-shredding on %s', (_name, open) => {
  let fresh: FreshDatabase;
  let store: SqlEventStore;
  let keys: SubjectKeyStore;
  let codec: CryptoEventCodec;
  const masterKey = randomBytes(32);

  beforeAll(async () => {
    fresh = await open();
    store = new SqlEventStore(fresh.db);
    await store.init();
    keys = new SubjectKeyStore(fresh.db, ring(masterKey));
    await keys.init();
    codec = new CryptoEventCodec(keys, registry);
  });
  afterAll(async () => {
    await keys.close();
    await store.close();
    await fresh.drop();
  });

  const event = (sub: string): DomainEvent => ({
    type: 'test.recorded',
    data: { subject_key: sub, purpose: 'analytics', proof: { ip_address: '198.51.100.23', user_agent: 'Agent/1.0 (secret)', method: 'checkbox' }, notes: { free: 'text about Alice' }, items: [{ text: 'first item' }, { text: null }] },
  });

  async function appendFor(sub: string) {
    const stream = `consent-${sub}`;
    const ids = [crypto.randomUUID()];
    const [enc] = await codec.encode(stream, [event(sub)], ids);
    await store.append(stream, [{ type: enc.type, data: enc.data, metadata: { event_id: ids[0], occurred_at: '', recorded_at: '', actor: 't', correlation_id: 'c', causation_id: null } }], 'no_stream');
    return stream;
  }

  it('stores no personal value in clear, decrypts for entitled readers, keeps non-personal fields readable', async () => {
    const sub = pseudo.subject('alice@example.com');
    const stream = await appendFor(sub);
    const dump = await fresh.db.query<{ data: string }>('SELECT data FROM es_events WHERE stream_id = $1', [stream]);
    for (const secret of ['198.51.100.23', 'Agent/1.0', 'Alice', 'first item']) expect(dump.rows[0].data).not.toContain(secret);
    expect(dump.rows[0].data).toContain('"method":"checkbox"');
    const [decoded] = await codec.decode((await store.readStream(stream)).events);
    expect(decoded.erased).toBeUndefined();
    expect(decoded.data).toEqual(event(sub).data);
    const [omitted] = codec.omitPersonal((await store.readStream(stream)).events);
    expect(omitted.data.proof).toEqual({ ip_address: null, user_agent: null, method: 'checkbox' });
  });

  it('a ciphertext moved to another field or stream does not decrypt (AAD)', async () => {
    const sub = pseudo.subject('bob@example.com');
    const stream = await appendFor(sub);
    const [e] = (await store.readStream(stream)).events;
    const swapped = { ...e, data: { ...e.data, proof: { ...e.data.proof, ip_address: e.data.proof.user_agent } } };
    await expect(codec.decode([swapped])).rejects.toThrow();
    await expect(codec.decode([{ ...e, streamId: 'consent-other' }])).rejects.toThrow();
  });

  it('an event whose personal fields are all empty creates no data key (a shredded subject stays shredded)', async () => {
    const sub = pseudo.subject('grace-empty@example.com');
    const before = await fresh.db.query('SELECT 1 FROM subject_keys WHERE subject_key = $1', [sub]);
    expect(before.rows).toHaveLength(0);
    const [enc] = await codec.encode(`consent-${sub}`, [{ type: 'test.recorded', data: { subject_key: sub, purpose: 'x', proof: { ip_address: null, user_agent: null }, notes: null, items: [] } }], [crypto.randomUUID()]);
    expect(enc.data).toMatchObject({ proof: { ip_address: null, user_agent: null } });
    const after = await fresh.db.query('SELECT 1 FROM subject_keys WHERE subject_key = $1', [sub]);
    expect(after.rows).toHaveLength(0);
  });

  it('a ciphertext copied into another event of the same stream does not decrypt (bound to the event id)', async () => {
    const sub = pseudo.subject('frank-bound@example.com');
    const stream = await appendFor(sub);
    const [e] = (await store.readStream(stream)).events;
    const copied = { ...e, metadata: { ...e.metadata, event_id: crypto.randomUUID() } };
    await expect(codec.decode([copied])).rejects.toThrow(/does not belong/);
  });

  it('shred deletes every key of the subject in one statement: past events become undecryptable, others are untouched', async () => {
    const carol = pseudo.subject('carol@example.com');
    const dave = pseudo.subject('dave@example.com');
    const sCarol = await appendFor(carol);
    const sDave = await appendFor(dave);
    // a second codec instance with a warm cache (another API instance)
    const other = new SubjectKeyStore(fresh.db, ring(masterKey));
    await other.init();
    const otherCodec = new CryptoEventCodec(other, registry);
    expect((await otherCodec.decode((await store.readStream(sCarol)).events))[0].erased).toBeUndefined();

    expect(await keys.shred(carol)).toBe(1);
    expect((await fresh.db.query('SELECT 1 FROM subject_keys WHERE subject_key = $1', [carol])).rowCount).toBe(0);
    const [gone] = await codec.decode((await store.readStream(sCarol)).events);
    expect(gone.erased).toBe(true);
    expect(gone.erased_fields!.sort()).toEqual(['items.0.text', 'notes', 'proof.ip_address', 'proof.user_agent']);
    expect(gone.data.proof).toEqual({ ip_address: null, user_agent: null, method: 'checkbox' });
    expect(gone.data.purpose).toBe('analytics');
    // the other instance's cache is cleared through NOTIFY (PostgreSQL) or misses on its TTL
    if (fresh.db.kind === 'postgres') {
      await new Promise((r) => setTimeout(r, 300));
      expect((await otherCodec.decode((await store.readStream(sCarol)).events))[0].erased).toBe(true);
    }
    // a new key for the same subject later does not revive old events
    await appendFor(pseudo.subject('carol@example.com')).catch(() => undefined);
    expect((await codec.decode((await store.readStream(sCarol)).events))[0].erased).toBe(true);
    expect((await codec.decode((await store.readStream(sDave)).events))[0].data.proof.ip_address).toBe('198.51.100.23');
    await other.close();
  });

  it('fetches or creates the data keys of many subjects in at most three statements; two stores racing for the same new subjects end with one key each', async () => {
    const subs = Array.from({ length: 300 }, (_, i) => pseudo.subject(`many-${i}@example.com`));
    const existing = await keys.keyFor(subs[0]);
    let statements = 0;
    const db = fresh.db;
    const counting: SqlDatabase = {
      kind: db.kind,
      query: (sql, params, options) => {
        statements++;
        return db.query(sql, params, options);
      },
      exec: (sql) => db.exec(sql),
      transaction: (fn) => db.transaction(fn),
      tryLock: (name) => db.tryLock(name),
      listen: (channel, onNotify) => db.listen(channel, onNotify),
      close: async () => undefined,
    };
    const a = new SubjectKeyStore(counting, ring(masterKey));
    const b = new SubjectKeyStore(db, ring(masterKey));
    const [ka, kb] = await Promise.all([a.keysFor(subs), b.keysFor([...subs].reverse())]);
    expect(statements).toBeLessThanOrEqual(3);
    expect(ka.size).toBe(subs.length);
    expect(ka.get(subs[0])!.keyId).toBe(existing.keyId);
    for (const s of subs) {
      expect(kb.get(s)!.keyId).toBe(ka.get(s)!.keyId);
      expect(kb.get(s)!.key.equals(ka.get(s)!.key)).toBe(true);
    }
    const rows = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM subject_keys WHERE subject_key = ANY($1::text[])', [subs]);
    expect(rows.rows[0].n).toBe(subs.length);
    // a store with an empty cache reads the same key one subject at a time
    expect((await new SubjectKeyStore(db, ring(masterKey)).keyFor(subs[7])).key.equals(ka.get(subs[7])!.key)).toBe(true);
    statements = 0;
    await a.keysFor(subs);
    expect(statements).toBe(0);
  });

  it('keeps unwrapped keys for the TTL only', async () => {
    const frank = pseudo.subject('frank@example.com');
    const stream = await appendFor(frank);
    const cached = new SubjectKeyStore(fresh.db, ring(masterKey), { ttlMs: 300 });
    const c = new CryptoEventCodec(cached, registry);
    expect((await c.decode((await store.readStream(stream)).events))[0].erased).toBeUndefined();
    // deleted behind its back (no NOTIFY): the cached key still serves until the TTL ends
    await fresh.db.query('DELETE FROM subject_keys WHERE subject_key = $1', [frank]);
    expect((await c.decode((await store.readStream(stream)).events))[0].erased).toBeUndefined();
    await new Promise((r) => setTimeout(r, 350));
    expect((await c.decode((await store.readStream(stream)).events))[0].erased).toBe(true);
  });

  it('a new master key re-wraps the data keys without touching events', async () => {
    const erin = pseudo.subject('erin@example.com');
    const stream = await appendFor(erin);
    const before = await fresh.db.query<{ data: string }>('SELECT data FROM es_events WHERE stream_id = $1', [stream]);
    const newKey = randomBytes(32);
    const rotated = new SubjectKeyStore(fresh.db, new MasterKeyRing({ id: masterKeyId(newKey), key: newKey }, [{ id: masterKeyId(masterKey), key: masterKey }]));
    const n = await rotated.rewrap();
    expect(n).toBeGreaterThanOrEqual(1);
    const ids = await fresh.db.query<{ master_key_id: string }>('SELECT DISTINCT master_key_id FROM subject_keys');
    expect(ids.rows).toEqual([{ master_key_id: masterKeyId(newKey) }]);
    const onlyNew = new SubjectKeyStore(fresh.db, ring(newKey));
    const [d] = await new CryptoEventCodec(onlyNew, registry).decode((await store.readStream(stream)).events);
    expect(d.data.proof.ip_address).toBe('198.51.100.23');
    const after = await fresh.db.query<{ data: string }>('SELECT data FROM es_events WHERE stream_id = $1', [stream]);
    expect(after.rows[0].data).toBe(before.rows[0].data);
    // the old master key alone no longer unwraps
    await expect(new SubjectKeyStore(fresh.db, ring(masterKey)).keyById(erin, 'x')).rejects.toThrow(/not configured/);
  });
});
