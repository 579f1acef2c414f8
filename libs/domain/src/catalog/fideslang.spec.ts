import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { rejection } from '../../../../test/support/domain-errors';
import {
  CATEGORY_ALIASES,
  DATA_CATEGORIES,
  FIDESLANG_VERSION,
  PURPOSE_ALIASES,
  PURPOSES,
  SUBJECT_ALIASES,
  SUBJECT_CATEGORIES,
  canonicalTaxonomyKeys,
  categoryCovers,
  categoryDef,
  ccpaSaleOrSharing,
  isSensitiveUseLimitable,
  purposeCovers,
  purposeDef,
  resolveCategory,
  resolvePurpose,
  resolveSubjectCategory,
  specialFlagsOf,
} from './taxonomy';
import { canonicalOnAppend, domainUpcasters, TAXONOMY_VERSION_KEY } from '../upcasters';
import { TAXONOMY_VERSION } from './taxonomy-data';

interface FixtureEntry {
  readonly fides_key: string;
  readonly parent_key: string | null;
}
interface Fixture {
  readonly fideslang_version: string;
  readonly data_categories: FixtureEntry[];
  readonly data_uses: FixtureEntry[];
  readonly data_subjects: FixtureEntry[];
}

/** fideslang's default taxonomy, keys and parents only (test/fixtures/fideslang, from ethyca/fideslang tag 3.1.2). */
const fixture = JSON.parse(readFileSync(join(__dirname, '../../../../test/fixtures/fideslang/default-taxonomy-3.1.2.json'), 'utf8')) as Fixture;

const parentOf = (key: string) => (key.includes('.') ? key.slice(0, key.lastIndexOf('.')) : null);

describe(`fideslang ${fixture.fideslang_version} default taxonomy`, () => {
  it('is the version the taxonomy follows, whole: 85 categories, 56 data uses, 15 subjects', () => {
    expect(FIDESLANG_VERSION).toBe(fixture.fideslang_version);
    expect([fixture.data_categories.length, fixture.data_uses.length, fixture.data_subjects.length]).toEqual([85, 56, 15]);
  });

  it.each(fixture.data_categories.map((e) => [e.fides_key, e.parent_key]))('data category %s is accepted as itself with parent %s, origin fideslang', (key, parent) => {
    expect(resolveCategory(key!)).toBe(key);
    expect(parentOf(key!)).toBe(parent);
    expect(categoryDef(key!)?.origin).toBe('fideslang');
    if (parent) expect(categoryCovers(parent, key!)).toBe(true);
  });

  it.each(fixture.data_uses.map((e) => [e.fides_key, e.parent_key]))('data use %s is accepted as itself with parent %s, origin fideslang', (key, parent) => {
    expect(resolvePurpose(key!)).toBe(key);
    expect(parentOf(key!)).toBe(parent);
    expect(purposeDef(key!)?.origin).toBe('fideslang');
    if (parent) expect(purposeCovers(parent, key!)).toBe(true);
  });

  it.each(fixture.data_subjects.map((e) => [e.fides_key]))('data subject %s is accepted as itself', (key) => {
    expect(resolveSubjectCategory(key!)).toBe(key);
    expect(SUBJECT_CATEGORIES.find((s) => s.key === key)?.origin).toBe('fideslang');
  });

  it('every entry marked fideslang is in the fixture, and every key of the service is marked service', () => {
    const inFixture = new Set([...fixture.data_categories, ...fixture.data_uses, ...fixture.data_subjects].map((e) => e.fides_key));
    for (const d of [...DATA_CATEGORIES, ...PURPOSES, ...SUBJECT_CATEGORIES]) expect(`${d.key}:${d.origin}`).toBe(`${d.key}:${inFixture.has(d.key) ? 'fideslang' : 'service'}`);
  });

  it.each([
    ['user.health_and_medical', { gdpr_art9: true, gdpr_art10: false, cpra_sensitive: true }],
    ['user.health_and_medical.record_id', { gdpr_art9: true, gdpr_art10: false, cpra_sensitive: true }],
    ['user.health_and_medical.genetic', { gdpr_art9: true, gdpr_art10: false, cpra_sensitive: true, art9_kind: 'genetic' }],
    ['user.biometric.health', { gdpr_art9: true, gdpr_art10: false, cpra_sensitive: true, art9_kind: 'health' }],
    ['user.authorization.credentials', { gdpr_art9: false, gdpr_art10: false, cpra_sensitive: true }],
    ['user.authorization.biometric', { gdpr_art9: true, gdpr_art10: false, cpra_sensitive: true }],
    ['user.demographic.race_ethnicity', { gdpr_art9: true, gdpr_art10: false, cpra_sensitive: true }],
    ['user.criminal_history', { gdpr_art9: false, gdpr_art10: true, cpra_sensitive: false }],
    ['user.government_id.passport_number', { gdpr_art9: false, gdpr_art10: false, cpra_sensitive: true }],
    ['user.government_id.immigration', { gdpr_art9: false, gdpr_art10: false, cpra_sensitive: true, cpra_kind: 'citizenship_immigration' }],
    ['user.government_id.vehicle_registration', { gdpr_art9: false, gdpr_art10: false, cpra_sensitive: false }],
    ['user.contact.phone_number', { gdpr_art9: false, gdpr_art10: false, cpra_sensitive: false }],
    ['system.operations', { gdpr_art9: false, gdpr_art10: false, cpra_sensitive: false }],
  ])('legal flags of %s', (key, flags) => expect(specialFlagsOf(key)).toMatchObject(flags));

  it('flags purposes by law, not by fideslang name: generic third-party sharing is no sale, a sale is declared', () => {
    expect(ccpaSaleOrSharing('third_party_sharing')).toBeNull();
    expect(ccpaSaleOrSharing('third_party_sharing.legal_obligation')).toBeNull();
    expect(isSensitiveUseLimitable('third_party_sharing.legal_obligation')).toBe(false);
    expect(ccpaSaleOrSharing('third_party_sharing.sale')).toBe('sale');
    expect(ccpaSaleOrSharing('third_party_sharing.sale.data_broker')).toBe('sale');
    expect(ccpaSaleOrSharing('marketing.advertising.third_party.targeted')).toBe('sharing');
    expect(ccpaSaleOrSharing('marketing.advertising.first_party.targeted')).toBeNull();
    expect(purposeDef('third_party_sharing')?.note).toMatch(/1798\.140\(ad\)/);
    expect(isSensitiveUseLimitable('essential.service.notifications.email')).toBe(false);
    expect(isSensitiveUseLimitable('personalize.content.profiled')).toBe(true);
  });
});

describe('aliases of the service keys fideslang duplicates', () => {
  it.each([
    ['user.contact.phone', 'user.contact.phone_number'],
    ['user.health', 'user.health_and_medical'],
    ['user.health.fitness', 'user.health_and_medical.fitness'],
    ['user.genetic', 'user.health_and_medical.genetic'],
    ['user.account.credentials', 'user.authorization.credentials'],
    ['user.financial.account', 'user.financial.bank_account'],
    ['user.criminal', 'user.criminal_history'],
  ])('category %s is stored as %s and keeps its flags', (alias, canonical) => {
    expect(resolveCategory(alias)).toBe(canonical);
    expect(specialFlagsOf(alias)).toEqual(specialFlagsOf(canonical));
    expect(categoryCovers(alias, canonical) && categoryCovers(canonical, alias)).toBe(true);
  });

  it.each([
    ['personalization', 'personalize'],
    ['personalization.recommendations', 'personalize.recommendations'],
    ['essential.legal', 'essential.legal_obligation'],
    ['essential.service.payment', 'essential.service.payment_processing'],
    ['third_party_sharing.data_broker', 'third_party_sharing.sale.data_broker'],
    ['legal_obligation', 'essential.legal_obligation'],
  ])('purpose %s is stored as %s', (alias, canonical) => expect(resolvePurpose(alias)).toBe(canonical));

  it('every alias points at a key of the taxonomy, and no alias is itself a key', () => {
    const check = (aliases: Readonly<Record<string, string>>, resolveFn: (k: string) => string, keys: readonly { key: string }[]) => {
      for (const [from, to] of Object.entries(aliases)) {
        expect(keys.some((k) => k.key === from)).toBe(false);
        expect(resolveFn(to)).toBe(to);
      }
    };
    check(CATEGORY_ALIASES, resolveCategory, DATA_CATEGORIES);
    check(PURPOSE_ALIASES, resolvePurpose, PURPOSES);
    check(SUBJECT_ALIASES, resolveSubjectCategory, SUBJECT_CATEGORIES);
  });

  it('a typo is still refused with the reason', () => {
    expect(rejection(() => resolveCategory('user.contact.phone_numbr')).message).toMatch(/unknown data category/);
  });
});

describe('taxonomy keys of stored events (upcast on read)', () => {
  const old = {
    data_categories: ['user.contact.phone', 'user.health.medical'],
    processing_purposes: ['third_party_sharing', 'marketing.advertising.first_party', 'personalization.content'],
    expires_at: { third_party_sharing: '2027-01-01T00:00:00.000Z' },
    purposes: [{ purpose: 'essential.legal', categories: ['user.financial.account'], basis: 'legal_obligation' }],
    subject_categories: ['supplier_contact', 'customer'],
    proof: { method: 'api', user_agent: 'enc:v1:abc' },
  };

  it('an event recorded before the fideslang taxonomy reads with canonical keys and the old meanings', () => {
    expect(canonicalTaxonomyKeys(old, true)).toEqual({
      data_categories: ['user.contact.phone_number', 'user.health_and_medical.medical'],
      processing_purposes: ['third_party_sharing.sale', 'marketing.advertising.first_party.contextual', 'personalize.content'],
      expires_at: { 'third_party_sharing.sale': '2027-01-01T00:00:00.000Z' },
      purposes: [{ purpose: 'essential.legal_obligation', categories: ['user.financial.bank_account'], basis: 'legal_obligation' }],
      subject_categories: ['supplier_vendor', 'customer'],
      proof: { method: 'api', user_agent: 'enc:v1:abc' },
    });
  });

  it('an event stamped with the current taxonomy keeps fideslang meanings, and reading twice changes nothing', () => {
    const now = canonicalTaxonomyKeys(old, false) as typeof old;
    expect(now.processing_purposes).toEqual(['third_party_sharing', 'marketing.advertising.first_party', 'personalize.content']);
    expect(canonicalTaxonomyKeys(now, false)).toEqual(now);
    const legacy = canonicalTaxonomyKeys(old, true);
    expect(canonicalTaxonomyKeys(legacy, false)).toEqual(legacy);
  });

  it('data already canonical is returned as it is (no copy), and only what changes is copied', () => {
    const canonical = canonicalTaxonomyKeys(old, false) as typeof old;
    expect(canonicalTaxonomyKeys(canonical, false)).toBe(canonical);
    const partly = { proof: old.proof, data_categories: ['user.contact.phone'], processing_purposes: ['marketing'] };
    const out = canonicalTaxonomyKeys(partly, false) as typeof partly;
    expect(out).not.toBe(partly);
    expect(out.proof).toBe(partly.proof);
    expect(out.data_categories).toEqual(['user.contact.phone_number']);
    expect(out.processing_purposes).toBe(partly.processing_purposes);
    expect(partly.data_categories).toEqual(['user.contact.phone']);
  });

  it('on read, an event stamped with today\'s taxonomy is taken as stored (made canonical on append); others are rewritten', () => {
    const registry = domainUpcasters();
    const stamped = { [TAXONOMY_VERSION_KEY]: TAXONOMY_VERSION };
    const appended = canonicalOnAppend(old, stamped);
    expect(registry.apply('consent.given', 1, appended, stamped).data).toBe(appended);
    expect(registry.apply('consent.given', 1, appended, stamped).data).toEqual(canonicalTaxonomyKeys(old, false));
    expect(registry.apply('consent.given', 1, old, {}).data).toEqual(canonicalTaxonomyKeys(old, true));
    expect(registry.apply('consent.given', 1, old, { [TAXONOMY_VERSION_KEY]: '2026-12-02.1' }).data).toEqual(canonicalTaxonomyKeys(old, false));
    // an event of another taxonomy (replayed, imported) is stored as given and rewritten on read
    expect(canonicalOnAppend(old, {})).toBe(old);
  });

  it('the old meaning of a sale survives: a legacy third_party_sharing consent is still a sale', () => {
    const legacy = canonicalTaxonomyKeys(old, true) as typeof old;
    expect(ccpaSaleOrSharing(legacy.processing_purposes[0])).toBe('sale');
    expect(purposeCovers(legacy.processing_purposes[0], 'third_party_sharing.sale.data_broker')).toBe(true);
    expect(purposeCovers(legacy.processing_purposes[1], 'marketing.advertising.first_party.targeted')).toBe(false);
  });
});
