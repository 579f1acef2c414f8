import { randomUUID } from 'node:crypto';
import { CHECKPOINT_SCHEMA, applyBatch, ensureProjectionSchema, handleCommand } from '@pl/application';
import { LOG_START, comparePositions, consent, type LogPosition, type RecordedEvent } from '@pl/domain';
import { SqlEventStore, type SqlDatabase, type SqlExecutor } from '@pl/eventstore';
import { SQL_BACKENDS, type FreshDatabase } from '../../test/support/databases';
import { consentProjection } from './index';
import { handleIntoSchema, randomSplit, tableRows, type BatchHandler } from '../../test/support/batch-harness';

/**
 * The batched handler must leave exactly the rows the subject-at-a-time handler leaves, whatever the
 * batch boundaries, and handling a batch again (or an overlapping one) must change nothing. The
 * reference below is the handler as it was before it was batched (one upsert, one DELETE and one
 * INSERT per subject); every column of both tables is compared, in order.
 */
type Row = { subject_key: string; snapshot: consent.ConsentSnapshot | string; last_tx: string; last_pos: string };
async function referenceHandleConsent(tx: SqlExecutor, events: readonly RecordedEvent[]): Promise<void> {
  const bySubject = new Map<string, RecordedEvent[]>();
  for (const e of events) {
    if (!e.streamId.startsWith('consent-')) continue;
    const sub = e.streamId.slice('consent-'.length);
    const list = bySubject.get(sub) ?? [];
    list.push(e);
    bySubject.set(sub, list);
  }
  if (!bySubject.size) return;
  const keys = [...bySubject.keys()];
  const existing = await tx.query<Row>('SELECT subject_key, snapshot, last_tx::text AS last_tx, last_pos::text AS last_pos FROM consent_subjects WHERE subject_key = ANY($1)', [keys]);
  const current = new Map(existing.rows.map((r) => [r.subject_key, r]));
  for (const [sub, list] of bySubject) {
    const row = current.get(sub);
    let state: consent.ConsentState = row ? (typeof row.snapshot === 'string' ? JSON.parse(row.snapshot) : row.snapshot) : consent.initialConsentState();
    let last = row ? { tx: BigInt(row.last_tx), pos: BigInt(row.last_pos) } : null;
    let changed = false;
    for (const e of list) {
      if (last && comparePositions(e.position, last) <= 0) continue;
      state = consent.evolve(state, { type: e.type, data: e.data } as consent.ConsentEvent);
      last = e.position;
      changed = true;
    }
    if (!changed || !last) continue;
    await tx.query(
      `INSERT INTO consent_subjects (subject_key, snapshot, last_tx, last_pos) VALUES ($1, $2::jsonb, $3, $4)
       ON CONFLICT (subject_key) DO UPDATE SET snapshot = EXCLUDED.snapshot, last_tx = EXCLUDED.last_tx, last_pos = EXCLUDED.last_pos`,
      [sub, JSON.stringify(state), last.tx.toString(), last.pos.toString()],
    );
    await tx.query('DELETE FROM consent_grants WHERE subject_key = $1', [sub]);
    const grants = Object.values(state.grants);
    if (grants.length) {
      const params: unknown[] = [sub];
      const values = grants.map((g) => {
        const b = params.length;
        params.push(g.category, g.purpose, g.consent_id, g.status, g.legal_basis, g.consent_version, g.given_at, g.expires_at, g.ended_at);
        return `($1, ${Array.from({ length: 9 }, (_, i) => `$${b + i + 1}`).join(', ')})`;
      });
      await tx.query(
        `INSERT INTO consent_grants (subject_key, category, purpose, consent_id, status, legal_basis, consent_version, given_at, expires_at, ended_at) VALUES ${values.join(', ')}`,
        params,
      );
    }
  }
}



const T0 = Date.parse('2026-01-10T09:00:00.000Z');
const at = (h: number) => new Date(T0 + h * 3_600_000);
const iso = (h: number) => at(h).toISOString();
const proof: consent.ConsentProof = { notice_id: 'n1', notice_version: '3', notice_hash: null, privacy_policy_version: 'pp-2', method: 'checkbox', channel: 'web', page: null, language: 'de', collected_by: 'shop', ip_address: null, user_agent: null };

type StepCommand = consent.ConsentCommand extends infer C ? (C extends unknown ? Omit<C, 'subjectKey' | 'now'> : never) : never;

/** Several subjects' consent histories, interleaved in time, as (subject, hour, command). */
function scenario(subs: string[]): Array<{ sub: string; h: number; cmd: consent.ConsentCommand }> {
  const [s1, s2, s3, s4, s5, s6] = subs;
  const steps: Array<{ sub: string; h: number; cmd: consent.ConsentCommand }> = [];
  let n = 0;
  const record = (sub: string, h: number, o: Partial<Extract<consent.ConsentCommand, { type: 'RecordConsent' }>> = {}) =>
    steps.push({
      sub,
      h,
      cmd: {
        type: 'RecordConsent', subjectKey: sub, consentId: `c-${++n}`, status: 'given', categories: ['user.contact'], purposes: ['analytics.reporting', 'marketing'],
        basis: 'consent', consentVersion: 'v1', givenAt: iso(h), expiresAt: iso(h + 24 * 30), proof, now: iso(h), ...o,
      },
    });
  const step = (sub: string, h: number, cmd: StepCommand) => steps.push({ sub, h, cmd: { ...cmd, subjectKey: sub, now: iso(h) } as consent.ConsentCommand });

  // s1: given, renewed before expiry, marketing withdrawn, the rest expires.
  record(s1, 1);
  record(s1, 24 * 10, { consentVersion: 'v2' });
  step(s1, 24 * 12, { type: 'WithdrawConsent', categories: null, purposes: ['marketing'] });
  step(s1, 24 * 45, { type: 'ExpireConsents' });
  // s2: consent with GPC (opt-out recorded first, then a sale/sharing conflict), a GPP opt-out, withdrawal of everything with GPC.
  record(s2, 2, { gpc: true, purposes: ['marketing', 'ads.sale'], saleOrSharingPurposes: ['ads.sale'], expiresAt: null });
  step(s2, 3, { type: 'RecordOptOut', optOut: { kinds: ['targeted_advertising', 'sale'], source: 'gpp', detail: 'usnat' } });
  step(s2, 5, { type: 'WithdrawConsent', categories: null, purposes: null, gpc: true });
  record(s2, 7, { categories: ['user.contact', 'user.device'], purposes: ['analytics.reporting'] });
  // s3: refused, then given, restricted (Art. 18, pending an erasure request), lifted, objection.
  record(s3, 1, { status: 'refused' });
  record(s3, 4, { purposes: ['marketing'] });
  step(s3, 6, { type: 'RestrictProcessing', requestId: 'req-1', reason: 'erasure request pending' });
  step(s3, 30, { type: 'LiftRestriction', requestId: 'req-1' });
  step(s3, 31, { type: 'RecordObjection', purposes: ['analytics.reporting'], directMarketing: false, requestId: 'req-2' });
  // s4: given, restricted for an erasure, everything withdrawn, objection to direct marketing.
  record(s4, 2, { categories: ['user.contact.email', 'user.contact.phone'] });
  step(s4, 3, { type: 'RestrictProcessing', requestId: 'req-3', reason: null });
  step(s4, 4, { type: 'WithdrawConsent', categories: ['user.contact'], purposes: null });
  step(s4, 8, { type: 'RecordObjection', purposes: null, directMarketing: true, requestId: null });
  // s5: given, expired, given again (a new consent, not a renewal), renewed, partly withdrawn.
  record(s5, 3, { expiresAt: iso(3 + 24) });
  step(s5, 3 + 48, { type: 'ExpireConsents' });
  record(s5, 3 + 49, { consentVersion: 'v3' });
  record(s5, 3 + 50, { consentVersion: 'v4', basis: 'consent' });
  step(s5, 3 + 51, { type: 'WithdrawConsent', categories: ['user.contact'], purposes: ['analytics.reporting'] });
  // s6: opt-outs only (no grant rows), then one more.
  step(s6, 1, { type: 'RecordOptOut', optOut: { kinds: ['sale', 'sharing'], source: 'api', detail: null } });
  step(s6, 9, { type: 'RecordOptOut', optOut: { kinds: ['sensitive_limit'], source: 'usp', detail: '1YYN' } });
  return steps.sort((x, y) => x.h - y.h);
}

describe.each(SQL_BACKENDS)('rm_consent batched handler on %s', (_name, fresh) => {
  let f: FreshDatabase;
  let db: SqlDatabase;
  let store: SqlEventStore;
  let log: RecordedEvent[] = [];
  const subs = Array.from({ length: 6 }, (_, i) => `sub_${randomUUID().replace(/-/g, '').slice(0, 31)}${i}`);
  let schemaNo = 0;
  const handle = consentProjection.handle;

  const newSchema = async () => {
    const schema = `rm_consent_batch_${schemaNo++}`;
    await ensureProjectionSchema(db, consentProjection, schema);
    return schema;
  };
  const build = (handler: BatchHandler, batches: ReadonlyArray<readonly RecordedEvent[]>) =>
    handleIntoSchema(db, consentProjection, `rm_consent_batch_${schemaNo++}`, handler, batches);
  /** Every column of both tables, as canonical jsonb text, in a total order. */
  const dump = async (schema: string) => ({
    subjects: await tableRows(db, schema, 'consent_subjects', 'subject_key'),
    grants: await tableRows(db, schema, 'consent_grants', 'subject_key, category, purpose'),
  });

  let reference: { subjects: string[]; grants: string[] };

  beforeAll(async () => {
    f = await fresh();
    db = f.db;
    store = new SqlEventStore(db);
    await store.init();
    let last: LogPosition = LOG_START;
    for (const s of scenario(subs)) {
      const r = await handleCommand(store, consent.consentDecider, consent.consentStreamId(s.sub), s.cmd, { actor: 'apikey:test', correlationId: randomUUID(), now: at(s.h) }).catch((e) => {
        throw new Error(`scenario step s${subs.indexOf(s.sub) + 1} ${s.cmd.type} at +${s.h} h: ${e.message}`);
      });
      if (r.appended) last = r.appended.position;
    }
    // Other sessions' open transactions on the shared server can hold the last append back (invariant 4).
    const deadline = Date.now() + 60_000;
    for (;;) {
      log = await store.readAll(LOG_START, { maxCount: 100_000 });
      if (log.length && comparePositions(log[log.length - 1].position, last) >= 0) break;
      if (Date.now() > deadline) throw new Error('appended events never became visible');
      await new Promise((r) => setTimeout(r, 50));
    }
    reference = await dump(await build(referenceHandleConsent, log.map((e) => [e])));
  }, 180_000);
  afterAll(() => f?.drop(), 60_000);

  it('runs on a log with every kind of consent fact, several in one transaction', () => {
    const types = new Set(log.map((e) => e.type));
    for (const t of [
      'consent.given', 'consent.renewed', 'consent.refused', 'consent.withdrawn', 'consent.expired', 'consent.opt_out_recorded',
      'consent.opt_out_conflict_recorded', 'consent.processing_restricted', 'consent.restriction_lifted', 'consent.objection_recorded',
    ]) expect(types).toContain(t);
    expect(log.some((e, i) => i > 0 && e.position.tx === log[i - 1].position.tx)).toBe(true);
    expect(reference.subjects).toHaveLength(6);
    expect(reference.grants.length).toBeGreaterThan(10);
  });

  it('the reference rows hold the fold of each stream and the position of its last event', () => {
    for (const sub of subs) {
      const mine = log.filter((e) => e.streamId === consent.consentStreamId(sub));
      const row = JSON.parse(reference.subjects.find((r) => JSON.parse(r).subject_key === sub)!);
      const state = mine.reduce((s, e) => consent.evolve(s, { type: e.type, data: e.data } as consent.ConsentEvent), consent.initialConsentState());
      expect(row.snapshot).toEqual(consent.snapshotOf(state));
      expect(row.snapshot.updated_at).toBe(mine[mine.length - 1].metadata.occurred_at);
      expect([String(row.last_tx), String(row.last_pos)]).toEqual([mine[mine.length - 1].position.tx.toString(), mine[mine.length - 1].position.pos.toString()]);
      const grants = reference.grants.map((g) => JSON.parse(g)).filter((g) => g.subject_key === sub);
      expect(grants).toHaveLength(Object.keys(state.grants).length);
    }
  });

  it('(a) one event per call gives the reference rows', async () => {
    expect(await dump(await build(handle, log.map((e) => [e])))).toEqual(reference);
  });

  it('(b) the whole log in one call gives the reference rows', async () => {
    expect(await dump(await build(handle, [log]))).toEqual(reference);
  });

  it.each([1, 2, 3, 4, 5])('(c) random batch split (seed %i) gives the reference rows', async (seed) => {
    expect(await dump(await build(handle, randomSplit(log, seed, 1 + seed * 3)))).toEqual(reference);
  });

  it('(d) handling the log twice, and overlapping batches, change nothing', async () => {
    expect(await dump(await build(handle, [log, log]))).toEqual(reference);
    const third = Math.floor(log.length / 3);
    expect(await dump(await build(handle, [log.slice(0, 2 * third), log.slice(third), log.slice(third, third + 5), [...log].reverse().slice(0, 7)]))).toEqual(reference);
    expect(await dump(await build(handle, [...log.map((e) => [e]), ...randomSplit(log, 42, 9)]))).toEqual(reference);
  });

  it('runs the real batch path (applyBatch with its checkpoint) to the same rows', async () => {
    const schema = await newSchema();
    await db.exec(CHECKPOINT_SCHEMA);
    for (const b of randomSplit(log, 7, 12)) await applyBatch(db, consentProjection, b, b[b.length - 1].position, schema, `${schema}_cp`);
    expect(await dump(schema)).toEqual(reference);
  });
});
