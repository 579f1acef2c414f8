import { randomUUID } from 'node:crypto';
import { CHECKPOINT_SCHEMA, applyBatch, ensureProjectionSchema, handleCommand, rebuildProjection } from '@pl/application';
import { consent } from '@pl/domain';
import { SqlEventStore } from '@pl/eventstore';
import { SQL_BACKENDS, type FreshDatabase } from '../../test/support/databases';
import { consentProjection, grantsOf, loadSnapshot, loadSnapshots, subjectsDueForExpiry } from './index';

const proof = { notice_id: null, notice_version: null, notice_hash: null, privacy_policy_version: null, method: 'api', channel: null, page: null, language: null, collected_by: 'test', ip_address: null, user_agent: null };
const ctx = (now: Date) => ({ actor: 'test', correlationId: randomUUID(), now });
const sub = (i: number) => `sub_${String(i).padStart(32, 'A')}`;

describe.each(SQL_BACKENDS)('rm_consent projection on %s', (_name, open) => {
  let fresh: FreshDatabase;
  let store: SqlEventStore;

  beforeAll(async () => {
    fresh = await open();
    store = new SqlEventStore(fresh.db);
    await store.init();
    await fresh.db.exec(CHECKPOINT_SCHEMA);
    await ensureProjectionSchema(fresh.db, consentProjection);
    const t0 = new Date('2026-01-10T00:00:00.000Z');
    for (let i = 0; i < 5; i++) {
      const cmd = (c: consent.ConsentCommand) => handleCommand(store, consent.consentDecider, consent.consentStreamId(sub(i)), c, ctx(t0));
      await cmd({ type: 'RecordConsent', subjectKey: sub(i), consentId: `c${i}`, status: 'given', categories: ['user.contact'], purposes: ['analytics.reporting', 'marketing'], basis: 'consent', consentVersion: 'v1', givenAt: t0.toISOString(), expiresAt: i % 2 ? '2026-02-01T00:00:00.000Z' : null, proof, now: new Date(t0.toISOString()) });
      if (i === 3) await cmd({ type: 'WithdrawConsent', subjectKey: sub(i), categories: null, purposes: ['marketing'], now: new Date(t0.toISOString()) });
      if (i === 4) await cmd({ type: 'RecordOptOut', subjectKey: sub(i), optOut: { kinds: ['sale'], source: 'gpc', detail: null }, now: new Date(t0.toISOString()) });
    }
    // the consent-law shapes: a `personal` consent narrowed by a withdrawal, then ended by a GPC opt-out with its conflict
    const cmd5 = (c: consent.ConsentCommand) => handleCommand(store, consent.consentDecider, consent.consentStreamId(sub(5)), c, ctx(t0));
    await cmd5({ type: 'RecordConsent', subjectKey: sub(5), consentId: 'c5', status: 'given', categories: ['user'], purposes: ['marketing.advertising.third_party'], basis: 'consent', consentVersion: 'v1', givenAt: t0.toISOString(), proof, now: new Date(t0.toISOString()) });
    await cmd5({ type: 'WithdrawConsent', subjectKey: sub(5), categories: ['user.behavior'], purposes: null, now: new Date(t0.toISOString()) });
    await cmd5({ type: 'RecordOptOut', subjectKey: sub(5), optOut: { kinds: ['sale', 'sharing'], source: 'gpc', detail: null }, now: new Date(t0.toISOString()) });
    // Transaction ids are cluster-wide: another session's open transaction can hold the visibility
    // horizon back for a moment (invariant 4), so wait until all 11 events are readable.
    const events = await allEvents(11);
    await applyBatch(fresh.db, consentProjection, events, events[events.length - 1].position);
  });
  afterAll(async () => {
    await store.close();
    await fresh.drop();
  });

  async function allEvents(n: number) {
    for (let i = 0; ; i++) {
      const events = await store.readAll({ tx: -1n, pos: -1n });
      if (events.length >= n || i > 600) return events;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  const dump = async () =>
    (await fresh.db.query<{ subject_key: string; snapshot: unknown }>('SELECT subject_key, snapshot::text AS snapshot FROM rm_consent.consent_subjects ORDER BY subject_key')).rows.concat(
      (await fresh.db.query('SELECT * FROM rm_consent.consent_grants ORDER BY subject_key, category, purpose')).rows,
    );

  it('holds the same snapshot as folding the stream with the decider', async () => {
    for (let i = 0; i < 6; i++) {
      const { events } = await store.readStream(consent.consentStreamId(sub(i)));
      const folded = consent.snapshotOf(events.reduce((s, e) => consent.evolve(s, { type: e.type, data: e.data } as consent.ConsentEvent), consent.initialConsentState()));
      expect(await loadSnapshot(fresh.db, sub(i))).toEqual(folded);
    }
    expect((await grantsOf(fresh.db, sub(3))).map((g) => [g.purpose, g.status])).toEqual([['analytics.reporting', 'active'], ['marketing', 'withdrawn']]);
    expect(await loadSnapshot(fresh.db, 'sub_unknown')).toBeNull();
    const s5 = await loadSnapshot(fresh.db, sub(5));
    expect(s5?.grants['user|marketing.advertising.third_party']).toMatchObject({ status: 'opted_out', exclusions: [{ category: 'user.behavior', purpose: 'marketing.advertising.third_party' }] });
    expect(s5?.conflicts).toEqual([expect.objectContaining({ direction: 'opt_out_after_consent', resolution: 'opt_out_prevails' })]);
    expect((await grantsOf(fresh.db, sub(5))).map((g) => g.status)).toEqual(['opted_out']);
  });

  it('is idempotent: applying the same events again changes nothing', async () => {
    const before = await dump();
    const events = await allEvents(11);
    await applyBatch(fresh.db, consentProjection, events, events[events.length - 1].position);
    expect(await dump()).toEqual(before);
  });

  it('rebuilds by replay to identical content (invariant 1)', async () => {
    const before = await dump();
    await fresh.db.exec('DELETE FROM rm_consent.consent_grants; DELETE FROM rm_consent.consent_subjects;');
    await rebuildProjection(fresh.db, store, consentProjection);
    expect(await dump()).toEqual(before);
  });

  it('lists subjects due for expiry from active grants only', async () => {
    expect((await subjectsDueForExpiry(fresh.db, new Date('2026-03-01T00:00:00.000Z'))).sort()).toEqual([sub(1), sub(3)]);
    expect(await subjectsDueForExpiry(fresh.db, new Date('2026-01-20T00:00:00.000Z'))).toEqual([]);
  });
});

describe('rm_consent before the worker created it', () => {
  it('answers "no snapshot" (deny by default) instead of failing', async () => {
    const fresh = await SQL_BACKENDS[1][1]();
    try {
      expect(await loadSnapshot(fresh.db, sub(1))).toBeNull();
      expect((await loadSnapshots(fresh.db, [sub(1), sub(2)])).size).toBe(0);
      await expect(fresh.db.query('SELECT 1 FROM rm_consent.consent_subjects')).rejects.toThrow();
    } finally {
      await fresh.drop();
    }
  });
});
