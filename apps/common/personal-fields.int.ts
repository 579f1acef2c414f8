import { randomBytes, randomUUID } from 'node:crypto';
import { UndeclaredEventTypeError, type PersonalFields } from '@pl/crypto';
import { LOG_START, type EventMetadata } from '@pl/domain';
import { SQL_BACKENDS, type FreshDatabase } from '../../test/support/databases';
import { loadConfig } from './config';
import { createInfrastructure, PERSONAL_FIELDS, type Infrastructure } from './infrastructure';

const MASTER_KEY = Buffer.alloc(32, 7).toString('base64');
const meta = (): EventMetadata => ({ event_id: randomUUID(), occurred_at: new Date().toISOString(), recorded_at: new Date().toISOString(), actor: 'test', correlation_id: randomUUID(), causation_id: null });

/** Sets `value` at a declared path (`*` = an array of one element). */
function put(obj: any, path: readonly string[], value: unknown): any {
  if (!path.length) return value;
  const [head, ...rest] = path;
  if (head === '*') return [put(Array.isArray(obj) ? obj[0] : undefined, rest, value)];
  return { ...(obj ?? {}), [head]: put(obj?.[head], rest, value) };
}

/** Every value under `path` in `obj`. */
function at(obj: any, path: readonly string[]): unknown[] {
  if (!path.length) return [obj];
  const [head, ...rest] = path;
  if (obj === null || typeof obj !== 'object') return [];
  return head === '*' ? (Array.isArray(obj) ? obj.flatMap((v) => at(v, rest)) : []) : at(obj[head], rest);
}

async function rawLog(infra: Infrastructure): Promise<string[]> {
  const r = await infra.db.query<{ t: string }>('SELECT data::text || metadata::text AS t FROM es_events ORDER BY global_position');
  return r.rows.map((row) => row.t);
}

describe.each(SQL_BACKENDS)('every event type through the production store on %s (invariant 13)', (name, open) => {
  let fresh: FreshDatabase;
  let infra: Infrastructure;
  const sub = `sub_${randomBytes(24).toString('base64url')}`;

  beforeAll(async () => {
    fresh = await open();
    const env = { MASTER_KEY, DATA_DIR: `/tmp/h-crypto/unused-${name}`, ...(fresh.url ? { DATABASE_URL: fresh.url } : {}) };
    infra = await createInfrastructure(loadConfig(env), { db: fresh.db });
  });
  afterAll(async () => {
    await infra.close();
    await fresh.drop();
  });

  it('declares types of every context, some with personal fields', () => {
    const prefixes = new Set(PERSONAL_FIELDS.types().map((t) => t.split('.')[0]));
    expect([...prefixes].sort()).toEqual(['audit', 'breach', 'catalog', 'consent', 'demo', 'intake', 'rights']);
    expect(PERSONAL_FIELDS.types().filter((t) => PERSONAL_FIELDS.get(t)!.paths.length).length).toBeGreaterThanOrEqual(15);
  });

  it('stores no marker of any declared field in clear, data or metadata, and entitled readers get each back', async () => {
    const markers = new Map<string, { type: string; path: string }>();
    for (const type of PERSONAL_FIELDS.types()) {
      const decl = PERSONAL_FIELDS.get(type) as PersonalFields;
      let data: any = { subject_key: sub };
      for (const path of decl.paths) {
        const marker = `MARKER-${randomBytes(6).toString('hex')}`;
        markers.set(marker, { type, path });
        data = put(data, path.split('.'), marker);
      }
      await infra.store.append(`${type.split('.')[0]}-${sub}`, [{ type, schemaVersion: 1, data, metadata: meta() }], 'any');
    }
    const rows = await rawLog(infra);
    expect(rows).toHaveLength(PERSONAL_FIELDS.types().length);
    for (const [marker, where] of markers) expect({ ...where, clear: rows.some((r) => r.includes(marker)) }).toEqual({ ...where, clear: false });
    expect(rows.every((r) => r.includes(sub))).toBe(true);

    const decoded = await infra.codec.decode(await infra.store.readAll(LOG_START));
    for (const [marker, { type, path }] of markers) {
      const e = decoded.find((d) => d.type === type)!;
      expect({ type, path, values: at(e.data, path.split('.')) }).toEqual({ type, path, values: [marker] });
    }
  });

  it('refuses an event type nobody declared and appends nothing of its batch', async () => {
    const before = await rawLog(infra);
    const stream = `demo-${randomUUID()}`;
    const batch = [
      { type: 'demo.list_opened', data: { list_id: 'l', title: 'groceries', opened_at: new Date().toISOString() }, metadata: meta() },
      { type: 'demo.list_archived', data: { list_id: 'l', note: 'free text' }, metadata: meta() },
    ];
    await expect(infra.store.append(stream, batch, 'no_stream')).rejects.toThrow(UndeclaredEventTypeError);
    await expect(infra.store.append(stream, batch, 'no_stream')).rejects.toThrow(/demo\.list_archived declares no personal fields/);
    expect(await rawLog(infra)).toEqual(before);
    expect((await infra.store.readStream(stream)).revision).toBeNull();
  });

  it('encrypts a request event that does not name its subject with the key of the subject its stream names', async () => {
    const requester = `sub_${randomBytes(24).toString('base64url')}`;
    const stream = `dsr-${randomUUID()}`;
    await infra.store.append(stream, [{ type: 'rights.request_received', data: { request_id: 'r', subject_key: requester, request_type: 'access' }, metadata: meta() }], 'no_stream');
    await infra.store.append(stream, [{ type: 'rights.identity_info_requested', data: { request_id: 'r', reason: 'send the copy of the passport of Jane Roe' }, metadata: meta() }], 0n);
    const [, stored] = (await infra.store.readStream(stream)).events;
    expect(JSON.stringify(stored.data)).not.toContain('Jane Roe');
    expect(stored.data.reason.sub).toBe(requester);
    expect((await infra.codec.decode([stored]))[0].data.reason).toBe('send the copy of the passport of Jane Roe');
    await infra.keys.shred(requester);
    expect((await infra.codec.decode([stored]))[0]).toMatchObject({ erased: true, data: { reason: null } });
  });

  it('binds each ciphertext to the event id the command handler stored, on a retried append too', async () => {
    const stream = `demo-${randomUUID()}`;
    const first = meta();
    await infra.store.append(stream, [{ type: 'demo.list_opened', data: { list_id: 'l', title: 'first', opened_at: '' }, metadata: first }], 'no_stream');
    const retried = meta();
    const item = { type: 'demo.item_added', data: { list_id: 'l', item: 'milk for Jane', added_at: '' } };
    await expect(infra.store.append(stream, [{ ...item, metadata: meta() }], 'no_stream')).rejects.toThrow(/wrong expected revision/);
    await infra.store.append(stream, [{ ...item, metadata: retried }], 0n);
    const events = (await infra.store.readStream(stream)).events;
    expect(events.map((e) => e.data.title?.eid ?? e.data.item?.eid)).toEqual([first.event_id, retried.event_id]);
    expect((await infra.codec.decode(events)).map((e) => e.data.title ?? e.data.item)).toEqual(['first', 'milk for Jane']);
  });
});
