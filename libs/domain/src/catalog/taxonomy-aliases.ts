import { memoize } from '../shared/memo';
/**
 * Keys of the service's taxonomy before it followed fideslang (taxonomy 2026-12-02) that duplicate a
 * fideslang key: both are accepted, the fideslang key is the one stored. An alias covers its
 * descendants by dotted prefix (`user.health.fitness` -> `user.health_and_medical.fitness`), so no
 * key is widened to its parent.
 */
export const CATEGORY_ALIASES: Readonly<Record<string, string>> = {
  'user.account.credentials': 'user.authorization.credentials',
  'user.contact.phone': 'user.contact.phone_number',
  'user.demographic.racial_ethnic_origin': 'user.demographic.race_ethnicity',
  'user.government_id.passport': 'user.government_id.passport_number',
  'user.government_id.drivers_license': 'user.government_id.drivers_license_number',
  'user.government_id.national_id': 'user.government_id.national_identification_number',
  'user.financial.account': 'user.financial.bank_account',
  'user.financial.card': 'user.financial.credit_card',
  'user.health': 'user.health_and_medical',
  'user.genetic': 'user.health_and_medical.genetic',
  'user.criminal': 'user.criminal_history',
};

export const PURPOSE_ALIASES: Readonly<Record<string, string>> = {
  'essential.service.payment': 'essential.service.payment_processing',
  'essential.service.support': 'essential.service.operations.support',
  'essential.legal': 'essential.legal_obligation',
  personalization: 'personalize',
  'third_party_sharing.data_broker': 'third_party_sharing.sale.data_broker',
};

export const SUBJECT_ALIASES: Readonly<Record<string, string>> = {
  supplier_contact: 'supplier_vendor',
};

/**
 * Keys whose meaning changed when the taxonomy took fideslang's (exact key only, not descendants):
 * in events recorded before it (no `taxonomy_version` in their metadata) they keep the old meaning.
 */
export const LEGACY_PURPOSE_MEANINGS: Readonly<Record<string, string>> = {
  // the old taxonomy: "Disclosure of personal data to third parties for consideration" (a CCPA sale)
  third_party_sharing: 'third_party_sharing.sale',
  // the old taxonomy: "First-party, contextual advertising"
  'marketing.advertising.first_party': 'marketing.advertising.first_party.contextual',
};

function aliased(aliases: Readonly<Record<string, string>>, key: string): string {
  for (let cut = key.length; cut > 0; cut = key.lastIndexOf('.', cut - 1)) {
    const head = key.slice(0, cut);
    const to = aliases[head];
    if (to !== undefined) return to + key.slice(cut);
  }
  return key;
}

// memoised: validate asks the same few keys in every coverage check (the tables are constant)
export const canonicalCategory = memoize((key: string): string => aliased(CATEGORY_ALIASES, key));
export const canonicalPurpose = memoize((key: string): string => aliased(PURPOSE_ALIASES, key));
export const canonicalSubjectCategory = (key: string): string => aliased(SUBJECT_ALIASES, key);

/** A purpose key as read from an event recorded before taxonomy 2026-12-02.2. */
export function legacyPurpose(key: string): string {
  return canonicalPurpose(LEGACY_PURPOSE_MEANINGS[key] ?? key);
}

const CATEGORY_FIELDS = new Set(['category', 'categories', 'data_category', 'data_categories', 'categories_of_data']);
const PURPOSE_FIELDS = new Set(['purpose', 'purposes', 'processing_purpose', 'processing_purposes', 'processing_categories', 'mapped_purposes']);
const SUBJECT_FIELDS = new Set(['subject_categories']);
/** Records keyed by purpose (consent.given `expires_at`). */
const PURPOSE_KEYED = new Set(['expires_at']);

type Rewrite = (key: string) => string;

function rewriteValue(v: unknown, fn: Rewrite, walk: (x: unknown) => unknown): unknown {
  if (typeof v === 'string') return fn(v);
  if (Array.isArray(v)) return sameOr(v, v.map((x) => (typeof x === 'string' ? fn(x) : walk(x))));
  return walk(v);
}

/** `next` unless every element is the same as in `prev` (then `prev`: nothing copied when nothing changed). */
function sameOr(prev: readonly unknown[], next: unknown[]): unknown {
  for (let i = 0; i < next.length; i++) if (next[i] !== prev[i]) return next;
  return prev;
}

/**
 * Taxonomy keys of an event's data in today's canonical form: aliases resolved, and in an event
 * recorded before this taxonomy (`legacy`) the keys whose meaning changed read with their old meaning.
 * Applied on read by the event store (domainUpcasters) to events not recorded under today's taxonomy,
 * and on append to those that are (the store adapter), so deciders, projections and a rebuild see
 * one key for one meaning. Values that are not taxonomy keys are left as they are; an object or array
 * in which nothing changed is returned as it is (no copy).
 */
export function canonicalTaxonomyKeys(data: unknown, legacy: boolean): unknown {
  const purpose: Rewrite = legacy ? legacyPurpose : canonicalPurpose;
  const walk = (x: unknown): unknown => {
    if (Array.isArray(x)) return sameOr(x, x.map(walk));
    if (!x || typeof x !== 'object') return x;
    let out: Record<string, unknown> | null = null;
    const entries = Object.entries(x as Record<string, unknown>);
    for (let i = 0; i < entries.length; i++) {
      const [k, v] = entries[i];
      let next: unknown;
      if (CATEGORY_FIELDS.has(k)) next = rewriteValue(v, canonicalCategory, walk);
      else if (PURPOSE_FIELDS.has(k)) next = rewriteValue(v, purpose, walk);
      else if (SUBJECT_FIELDS.has(k)) next = rewriteValue(v, canonicalSubjectCategory, walk);
      else if (PURPOSE_KEYED.has(k) && v && typeof v === 'object' && !Array.isArray(v)) {
        const keys = Object.keys(v as Record<string, unknown>);
        next = keys.some((p) => purpose(p) !== p) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([p, t]) => [purpose(p), t])) : v;
      } else next = v && typeof v === 'object' ? walk(v) : v;
      if (next !== v && !out) {
        out = {};
        for (let j = 0; j < i; j++) out[entries[j][0]] = entries[j][1];
      }
      if (out) out[k] = next;
    }
    return out ?? x;
  };
  return walk(data);
}
