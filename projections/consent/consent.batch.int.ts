import { randomUUID } from 'node:crypto';
import { CHECKPOINT_SCHEMA, applyBatch, ensureProjectionSchema, handleCommand } from '@pl/application';
import { LOG_START, comparePositions, consent, type LogPosition, type RecordedEvent } from '@pl/domain';
import { SqlEventStore, type SqlDatabase } from '@pl/eventstore';
import { SQL_BACKENDS, type FreshDatabase } from '../../test/support/databases';
import { consentProjection, grantsOf, loadSnapshot } from './index';
import { applyLog, batchings, personalFieldEvents, projectLog, randomSplit, withPersonalFields, type Dump } from '../../test/support/batch-harness';

/**
 * rm_consent on the generic snapshot projection: the rows a scenario of every kind of consent fact
 * leaves (given/when/then), the same rows whatever the batch boundaries, handled twice or in
 * overlapping batches, with NUL/lone surrogates in the log (invariant 10) and whatever the personal
 * fields hold (encrypted, shredded): the fold reads none of them.
 */
const T0 = Date.parse('2026-01-10T09:00:00.000Z');
const at = (h: number) => new Date(T0 + h * 3_600_000);
const iso = (h: number) => at(h).toISOString();
const proof: consent.ConsentProof = { notice_id: 'n1', notice_version: '3', notice_hash: null, privacy_policy_version: 'pp-2', method: 'checkbox', channel: 'web', page: '/signup', language: 'de', collected_by: 'shop', ip_address: '203.0.113.7', user_agent: 'Mozilla/5.0' };

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
        basis: 'consent', consentVersion: 'v1', givenAt: iso(h), expiresAt: iso(h + 24 * 30), proof, now: new Date(iso(h)), ...o,
      },
    });
  const step = (sub: string, h: number, cmd: StepCommand) => steps.push({ sub, h, cmd: { ...cmd, subjectKey: sub, now: new Date(iso(h)) } as consent.ConsentCommand });

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
  step(s4, 3, { type: 'RestrictProcessing', requestId: 'req-3', reason: 'the subject disputes accuracy' });
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

const POISON = '\u0000\ud800';
const ESCAPED = '\uFDD00000\uFDD0D800';
// consent_counts adds: twice or overlapping batches must count each event once
const TABLES = [
  ['consent_subjects', 'subject_key'], ['consent_grants', 'subject_key, category, purpose'],
  ['consent_counts', 'day, purpose, kind, signal'], ['consent_signals', 'subject_key, signal'], ['consent_conflicts', 'subject_key, conflict, signal, consent_id'],
] as const;

describe.each(SQL_BACKENDS)('rm_consent (snapshot projection) on %s', (_name, fresh) => {
  let f: FreshDatabase;
  let db: SqlDatabase;
  let store: SqlEventStore;
  let log: RecordedEvent[] = [];
  const subs = Array.from({ length: 6 }, (_, i) => `sub_${randomUUID().replace(/-/g, '').slice(0, 31)}${i}`);
  let reference: Dump;
  const project = (batches: ReadonlyArray<readonly RecordedEvent[]>) => projectLog(db, consentProjection, TABLES, batches);
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
    reference = await project(log.map((e) => [e]));
  }, 180_000);
  afterAll(() => f?.drop(), 60_000);

  const rows = (table: string, sub: string) => reference[table].map((r) => JSON.parse(r)).filter((r) => r.subject_key === sub);
  const statuses = (sub: string) => Object.fromEntries(rows('consent_grants', sub).map((g) => [`${g.category}|${g.purpose}`, g.status]));

  it('runs on a log with every kind of consent fact, several in one transaction', () => {
    const types = new Set(log.map((e) => e.type));
    for (const t of [
      'consent.given', 'consent.renewed', 'consent.refused', 'consent.withdrawn', 'consent.expired', 'consent.opt_out_recorded',
      'consent.opt_out_conflict_recorded', 'consent.processing_restricted', 'consent.restriction_lifted', 'consent.objection_recorded',
    ]) expect(types).toContain(t);
    expect(log.some((e, i) => i > 0 && e.position.tx === log[i - 1].position.tx)).toBe(true);
  });

  it('given the scenario, each subject has the rows its history implies', () => {
    const [s1, s2, s3, s4, s5, s6] = subs;
    expect(reference.consent_subjects).toHaveLength(6);
    // s1: renewed (v2), marketing withdrawn, the rest expired
    expect(statuses(s1)).toEqual({ 'user.contact|analytics.reporting': 'expired', 'user.contact|marketing': 'withdrawn' });
    expect(rows('consent_grants', s1).map((g) => [g.consent_id, g.consent_version])).toEqual([['c-2', 'v2'], ['c-2', 'v2']]);
    // s2: everything withdrawn with GPC, then a new consent for two categories
    expect(statuses(s2)).toMatchObject({ 'user.contact|analytics.reporting': 'active', 'user.device|analytics.reporting': 'active', 'user.contact|marketing': 'withdrawn' });
    // s3: refused, then given for marketing; restriction lifted; objection recorded
    expect(statuses(s3)).toEqual({ 'user.contact|analytics.reporting': 'refused', 'user.contact|marketing': 'active' });
    // s4: two categories withdrawn for every purpose
    expect(new Set(Object.values(statuses(s4)))).toEqual(new Set(['withdrawn']));
    expect(Object.keys(statuses(s4))).toHaveLength(4);
    // s5: expired, given again, renewed (v4), analytics withdrawn
    expect(statuses(s5)).toEqual({ 'user.contact|analytics.reporting': 'withdrawn', 'user.contact|marketing': 'active' });
    expect(rows('consent_grants', s5).map((g) => g.consent_version)).toEqual(['v4', 'v4']);
    // s6: opt-outs only, no grant
    expect(rows('consent_grants', s6)).toEqual([]);
    const snap = (sub: string) => rows('consent_subjects', sub)[0].snapshot as consent.ConsentSnapshot;
    expect(snap(s6).opt_outs.map((o) => [o.kind, o.source])).toEqual([['sale', 'api'], ['sharing', 'api'], ['sensitive_limit', 'usp']]);
    expect(snap(s3).restriction).toBeNull();
    expect(snap(s4).restriction).toEqual({ since: iso(3), request_id: 'req-3', reason: null });
    expect(snap(s3).objections).toEqual([expect.objectContaining({ purposes: ['analytics.reporting'], direct_marketing: false, request_id: 'req-2' })]);
    expect(snap(s4).objections).toEqual([expect.objectContaining({ purposes: null, direct_marketing: true })]);
    expect(snap(s2).conflicts.length).toBeGreaterThan(0);
    // the counts hold every event once: s6's two opt-outs (api: sale, sharing; usp: sensitive_limit)
    const counts = reference.consent_counts.map((r) => JSON.parse(r)).filter((c) => c.kind === 'opt_out');
    expect(counts.filter((c) => c.signal === 'usp').map((c) => [c.purpose, Number(c.n)])).toEqual([['sensitive_limit', 1]]);
    expect(counts.filter((c) => c.signal === 'api').reduce((n, c) => n + Number(c.n), 0)).toBeGreaterThanOrEqual(2);
  });

  it('a snapshot row holds the fold of its stream and the position of its last event', () => {
    for (const sub of subs) {
      const mine = log.filter((e) => e.streamId === consent.consentStreamId(sub));
      const [row] = rows('consent_subjects', sub);
      expect(row.snapshot.events).toBe(mine.length);
      expect(row.snapshot.updated_at).toBe(mine[mine.length - 1].metadata.occurred_at);
      expect([String(row.last_tx), String(row.last_pos)]).toEqual([mine[mine.length - 1].position.tx.toString(), mine[mine.length - 1].position.pos.toString()]);
      expect(rows('consent_grants', sub)).toHaveLength(Object.keys(row.snapshot.grants).length);
    }
  });

  it('gives the rows of one event at a time whatever the batches: all at once, random splits, twice, overlapping', async () => {
    for (const [how, batches] of batchings(log)) expect({ how, rows: await project(batches) }).toEqual({ how, rows: reference });
  });

  it('runs the real batch path (applyBatch with its checkpoint) to the same rows', async () => {
    expect(await applyLog(db, consentProjection, TABLES, randomSplit(log, 7, 12))).toEqual(reference);
  });

  it('projects NUL and lone surrogates (invariant 10) in their escaped form', async () => {
    const [s1] = subs;
    const last = log.filter((e) => e.streamId === consent.consentStreamId(s1)).pop()!;
    const poisoned: RecordedEvent = {
      ...last,
      type: 'consent.renewed',
      position: { tx: last.position.tx + 1_000_000n, pos: last.position.pos + 1_000_000n },
      data: { ...(log.find((e) => e.streamId === last.streamId && e.type === 'consent.given')!.data as object), consent_id: `c${POISON}`, consent_version: `v${POISON}`, given_at: iso(24 * 50), expires_at: {} },
    };
    // as the store reads it: the stored text is the data's JSON, NUL and lone surrogates as \u escapes
    Object.assign(poisoned, { raw: { ...last.raw!, data: JSON.stringify(poisoned.data) } });
    const rowsAfter = await project([log, [poisoned]]);
    const grants = rowsAfter.consent_grants.map((r) => JSON.parse(r)).filter((g) => g.subject_key === s1);
    expect(grants.map((g) => [g.consent_id, g.consent_version, g.status])).toEqual([[`c${ESCAPED}`, `v${ESCAPED}`, 'active'], [`c${ESCAPED}`, `v${ESCAPED}`, 'active']]);
    expect(await project(log.map((e) => [e]).concat([[poisoned], [poisoned]]))).toEqual(rowsAfter);
  });

  it('gives the same rows whatever the personal fields hold (other ciphertext, shredded key): the fold reads none of them', async () => {
    expect(personalFieldEvents(log, consent.CONSENT_PERSONAL_FIELDS, { shredded: true })).toBeGreaterThan(5);
    for (const marker of [null, { v: 1, alg: 'AES-256-GCM', ct: 'AAAA' }, 'erased']) {
      expect(await project(randomSplit(withPersonalFields(log, consent.CONSENT_PERSONAL_FIELDS, marker), 3, 7))).toEqual(reference);
    }
    expect(JSON.stringify(reference)).not.toContain('203.0.113.7');
  });

  it('the queries read the rows: snapshot by subject, grants in order', async () => {
    await db.exec(CHECKPOINT_SCHEMA);
    await ensureProjectionSchema(db, consentProjection);
    await applyBatch(db, consentProjection, log, log[log.length - 1].position);
    const [s1, , , , s5] = subs;
    expect(await loadSnapshot(db, s1)).toEqual(JSON.parse(reference.consent_subjects.find((r) => JSON.parse(r).subject_key === s1)!).snapshot);
    expect((await grantsOf(db, s5)).map((g) => [g.purpose, g.status, g.consent_version])).toEqual([['analytics.reporting', 'withdrawn', 'v4'], ['marketing', 'active', 'v4']]);
  });
});
