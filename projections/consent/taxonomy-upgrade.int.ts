import { randomUUID } from 'node:crypto';
import { CHECKPOINT_SCHEMA, applyBatch, ensureProjectionSchema, handleCommand, rebuildProjection } from '@pl/application';
import { catalog, consent, domainUpcasters } from '@pl/domain';
import { SqlEventStore } from '@pl/eventstore';
import { SQL_BACKENDS, type FreshDatabase } from '../../test/support/databases';
import { consentProjection, loadSnapshot } from './index';

const proof = { notice_id: null, notice_version: null, notice_hash: null, privacy_policy_version: null, method: 'api', channel: null, page: null, language: null, collected_by: 'test', ip_address: null, user_agent: null };
const sub = (c: string) => `sub_${c.repeat(32)}`;
const t0 = '2026-01-10T00:00:00.000Z';
const now = '2026-03-01T00:00:00.000Z';

/** A consent.given as the service wrote it before the taxonomy followed fideslang: old keys, no taxonomy stamp. */
function legacyGiven(subject: string, categories: string[], purposes: string[], basis: string) {
  return {
    type: 'consent.given',
    data: {
      consent_id: randomUUID(), subject_key: subject, data_categories: categories, processing_purposes: purposes, legal_basis: basis, consent_version: 'v1', given_at: t0,
      expires_at: Object.fromEntries(purposes.map((p) => [p, '2027-01-01T00:00:00.000Z'])), renews: [], proof, consent_string: null, signal: null, extra: null,
    },
    metadata: { event_id: randomUUID(), occurred_at: t0, recorded_at: t0, actor: 'test', correlation_id: randomUUID(), causation_id: null },
  };
}

describe.each(SQL_BACKENDS)('consent recorded under the pre-fideslang taxonomy, on %s', (_name, open) => {
  let fresh: FreshDatabase;
  let store: SqlEventStore;
  const [A, B, C] = [sub('A'), sub('B'), sub('C')];

  beforeAll(async () => {
    fresh = await open();
    store = new SqlEventStore(fresh.db, { upcasters: domainUpcasters() });
    await store.init();
    await fresh.db.exec(CHECKPOINT_SCHEMA);
    await ensureProjectionSchema(fresh.db, consentProjection);
    await store.append(consent.consentStreamId(A), [legacyGiven(A, ['user.health.medical'], ['third_party_sharing'], 'explicit_consent')], 'no_stream');
    await store.append(consent.consentStreamId(B), [legacyGiven(B, ['user.contact.phone'], ['personalization', 'marketing.advertising.first_party'], 'consent')], 'no_stream');
    const ctx = { actor: 'test', correlationId: randomUUID(), now: new Date(t0) };
    // today's command path: keys resolved to fideslang's, the event stamped with the taxonomy version
    await handleCommand(store, consent.consentDecider, consent.consentStreamId(C), {
      type: 'RecordConsent', subjectKey: C, consentId: 'c-new', status: 'given', categories: [catalog.resolveCategory('user.contact.phone')], purposes: [catalog.resolvePurpose('third_party_sharing')],
      basis: 'consent', consentVersion: 'v1', givenAt: t0, proof, now: new Date(t0),
    }, ctx);
    for (const s of [A, C]) await handleCommand(store, consent.consentDecider, consent.consentStreamId(s), { type: 'RecordOptOut', subjectKey: s, optOut: { kinds: ['sale', 'sharing'], source: 'gpc', detail: null }, now: new Date(t0) }, ctx);
    let events = await store.readAll({ tx: -1n, pos: -1n });
    for (let i = 0; events.length < 5 && i < 600; i++) {
      await new Promise((r) => setTimeout(r, 50));
      events = await store.readAll({ tx: -1n, pos: -1n });
    }
    await applyBatch(fresh.db, consentProjection, events, events[events.length - 1].position);
  });
  afterAll(async () => {
    await store.close();
    await fresh.drop();
  });

  const answer = async (s: string, category: string, purpose: string) => {
    const r = consent.evaluate(await loadSnapshot(fresh.db, s), { category: catalog.resolveCategory(category), purpose: catalog.resolvePurpose(purpose), now });
    return `${r.allowed}:${r.reason}`;
  };

  it('stores canonical fideslang keys, and keeps the old meaning of keys that changed', async () => {
    expect(Object.keys((await loadSnapshot(fresh.db, A))!.grants)).toEqual(['user.health_and_medical.medical|third_party_sharing.sale']);
    expect(Object.keys((await loadSnapshot(fresh.db, B))!.grants).sort()).toEqual(['user.contact.phone_number|marketing.advertising.first_party.contextual', 'user.contact.phone_number|personalize']);
    expect(Object.keys((await loadSnapshot(fresh.db, C))!.grants)).toEqual(['user.contact.phone_number|third_party_sharing']);
  });

  it('answers alike for the old key and the fideslang key', async () => {
    // the old consent to a sale is still a sale: the GPC opt-out wins (11 CCR § 7025)
    expect(await answer(A, 'user.health.medical', 'third_party_sharing.sale')).toBe('false:opted_out');
    expect(await answer(A, 'user.health_and_medical.medical', 'third_party_sharing.sale')).toBe('false:opted_out');
    expect(await answer(B, 'user.contact.phone', 'personalization.content')).toBe('true:consent_given');
    expect(await answer(B, 'user.contact.phone_number', 'personalize.content')).toBe('true:consent_given');
    // the old first-party consent meant contextual ads: it does not widen to targeted ones
    expect(await answer(B, 'user.contact.phone_number', 'marketing.advertising.first_party.contextual')).toBe('true:consent_given');
    expect(await answer(B, 'user.contact.phone_number', 'marketing.advertising.first_party.targeted')).toBe('false:no_consent');
    // fideslang's third_party_sharing, recorded today, is no sale: the opt-out does not touch it
    expect(await answer(C, 'user.contact.phone', 'third_party_sharing')).toBe('true:consent_given');
  });

  it('a rebuild by replay gives the same rows and answers (invariant 1)', async () => {
    const dump = async () =>
      (await fresh.db.query('SELECT subject_key, snapshot::text AS snapshot FROM rm_consent.consent_subjects ORDER BY subject_key')).rows.concat(
        (await fresh.db.query('SELECT subject_key, category, purpose, status FROM rm_consent.consent_grants ORDER BY subject_key, category, purpose')).rows,
      );
    const before = await dump();
    await rebuildProjection(fresh.db, store, consentProjection);
    expect(await dump()).toEqual(before);
    expect(await answer(A, 'user.health.medical', 'third_party_sharing.sale')).toBe('false:opted_out');
  });
});
