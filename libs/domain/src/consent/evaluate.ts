import { purposeCovers } from '../catalog/taxonomy';
import { CONSENT_BASES, OBJECTABLE_BASES, RESTRICTION_EXCEPTIONS, STORAGE_UNDER_RESTRICTION, optOutSource, optOutsBlocking } from '../law/consent';
import type { ConsentSnapshot, Grant } from './state';
import { isCurrent } from './expiry';
import { excludedBy, grantCovers, purposeTraits, type PurposeTraits } from './traits';

export interface EvaluationQuery {
  /** Taxonomy keys, already resolved from any coarse value. */
  readonly category: string;
  readonly purpose: string;
  readonly now: string | Date;
  /**
   * Lawful bases a processing activity in the catalog declares for this purpose and category
   * (`declaredBases`). Consent is never taken from here: it needs the subject's own grant.
   */
  readonly declaredBases?: readonly string[];
  /** Defaults to the catalog taxonomy's flags for this purpose and category. */
  readonly traits?: PurposeTraits;
}

export type EvaluationReason =
  | 'consent_given'
  | 'declared_basis'
  | 'storage_under_restriction'
  | 'explicit_consent_required'
  | 'parental_consent_required'
  | 'minor_opt_in_required'
  | 'processing_restricted'
  | 'opted_out'
  | 'objection'
  | 'consent_withdrawn'
  | 'consent_expired'
  | 'consent_refused'
  | 'no_consent'
  | 'unknown_subject';

export interface Evaluation {
  readonly allowed: boolean;
  /** The basis processing may rely on, or null when denied. */
  readonly legal_basis: string | null;
  readonly consent_id?: string;
  readonly expires_at?: string;
  readonly reason: EvaluationReason;
  /** A PII-free sentence for humans. */
  readonly detail: string;
}

/** Preference when several declared bases apply (the most compelling first). */
const BASIS_ORDER = ['legal_obligation', 'vital_interests', 'contract', 'public_task', 'legitimate_interests'];
const rank = (b: string) => {
  const i = BASIS_ORDER.indexOf(b);
  return i < 0 ? BASIS_ORDER.length : i;
};

const deny = (reason: EvaluationReason, detail: string, extra: Partial<Evaluation> = {}): Evaluation => ({ allowed: false, legal_basis: null, reason, detail, ...extra });

/**
 * May category C of this subject be processed for purpose P at `now`? Deny by default
 * (ARCHITECTURE invariants 7 and 8). The same function runs on the server (validate) and in the SDK
 * (local mode), on the same snapshot, so both answer alike.
 */
export function evaluate(snapshot: ConsentSnapshot | null, q: EvaluationQuery): Evaluation {
  const now = typeof q.now === 'string' ? Date.parse(q.now) : q.now.getTime();
  const traits = q.traits ?? purposeTraits(q.purpose, q.category);
  // a part withdrawn on its own reads as withdrawn for this query ([G] Art. 7(3))
  const grants: Grant[] = snapshot
    ? Object.values(snapshot.grants)
        .filter((g) => grantCovers(g, q.category, q.purpose))
        .map((g) => (g.status === 'active' && excludedBy(g.exclusions, q.category, q.purpose) ? { ...g, status: 'withdrawn' as const } : g))
    : [];
  const live = grants.filter((g) => isCurrent(g, now));
  // [G] Art. 9(2)(a): only an explicit consent lifts the prohibition of Art. 9(1)
  const explicitEnough = (g: Grant) => !traits.art9_category || g.legal_basis === 'explicit_consent';
  // [G] Art. 8(1), Civ. § 1798.120(c): below the age, only the parent's consent counts
  const age = snapshot?.age;
  const parentOnly = age?.parent_required === 'all' || (age?.parent_required === 'sale_or_sharing' && traits.sale_or_sharing);
  const byWhomEnough = (g: Grant) => !parentOnly || g.given_by === 'holder_of_parental_responsibility';
  let current: Grant | undefined = live.filter((g) => explicitEnough(g) && byWhomEnough(g)).sort((a, b) => Date.parse(b.expires_at!) - Date.parse(a.expires_at!))[0];

  // CCPA opt-outs (GPC, GPP, US Privacy) and limit-use win over any consent (11 CCR § 7025(c)(3)).
  const blocking = optOutsBlocking(traits, traits.sensitive_category === true);
  const optOuts = (snapshot?.opt_outs ?? []).filter((o) => blocking.includes(o.kind));
  if (optOuts.length) {
    const kinds = [...new Set(optOuts.map((o) => o.kind))];
    const sources = [...new Set(optOuts.map((o) => o.source))].join(', ');
    return deny('opted_out', `the subject opted out (${kinds.join(', ')}; signal: ${sources}; ${[...new Set(kinds.map(optOutSource))].join('; ')})`);
  }

  // An objection to direct marketing is absolute and covers every basis, consent included: the data
  // "shall no longer be processed for such purposes" ([G] Art. 21(3)).
  const objections = snapshot?.objections ?? [];
  if (traits.direct_marketing === true && objections.some((o) => o.direct_marketing)) {
    return deny('objection', 'the subject objected to direct marketing (GDPR Art. 21(2)-(3)); it is absolute');
  }

  // While restricted: storage, a consent given after the restriction, or an Art. 18(2) exception purpose
  // on its declared basis. A consent from before the restriction does not override the later request.
  const restriction = snapshot?.restriction;
  if (restriction) {
    if (traits.storage) {
      return { allowed: true, legal_basis: STORAGE_UNDER_RESTRICTION, reason: 'storage_under_restriction', detail: `processing is restricted; storage is allowed (${RESTRICTION_EXCEPTIONS.storage.source})` };
    }
    const predates = current && Date.parse(current.given_at) < Date.parse(restriction.since);
    if (predates) current = undefined;
    if (!current && !traits.restriction_exception) {
      const why = predates ? '; a consent given before the restriction does not override it' : '';
      return deny('processing_restricted', `processing of this subject is restricted (GDPR Art. 18); only storage, a later consent or an Art. 18(2) exception is allowed${why}`);
    }
  }

  if (current) {
    return { allowed: true, legal_basis: current.legal_basis, consent_id: current.consent_id, expires_at: current.expires_at!, reason: 'consent_given', detail: 'a current consent covers this category and purpose' };
  }

  // CCPA: no sale/sharing of a consumer known to be under 16 without an opt-in (Civ. § 1798.120(c)), whatever the catalog declares
  if (age?.sale_opt_in_required && traits.sale_or_sharing) {
    return deny('minor_opt_in_required', `the consumer is under ${age.consent_age}: sale or sharing needs an opt-in${parentOnly ? ' by a parent or guardian' : ''} (${age.source})`);
  }

  // purposes null: every purpose, or every direct-marketing purpose for a direct-marketing objection
  const objected = objections.some(
    (o) =>
      (o.direct_marketing && traits.direct_marketing === true) ||
      (o.purposes === null ? !o.direct_marketing : o.purposes.some((p) => purposeCovers(p, q.purpose))),
  );
  const declared = [...new Set(q.declaredBases ?? [])].filter((b) => !(b in CONSENT_BASES));
  const usable = declared.filter((b) => !(objected && OBJECTABLE_BASES.includes(b))).sort((a, b) => rank(a) - rank(b));
  if (usable.length) {
    return { allowed: true, legal_basis: usable[0], reason: 'declared_basis', detail: `the catalog declares ${usable[0]} for this purpose and category` };
  }
  if (declared.length && objected) return deny('objection', 'the subject objected to this processing (GDPR Art. 21)');

  if (!restriction) {
    const plain = live.find((g) => !explicitEnough(g));
    if (plain) return deny('explicit_consent_required', 'a special category (GDPR Art. 9(1)) needs explicit consent (Art. 9(2)(a)); the consent on record is not explicit', { consent_id: plain.consent_id });
    const own = live.find((g) => !byWhomEnough(g));
    if (own && age) return deny('parental_consent_required', `the subject is below the age of consent in ${age.jurisdiction} (${age.consent_age}): only the consent of the holder of parental responsibility counts (${age.source})`, { consent_id: own.consent_id });
  }

  const latest = grants.sort((a, b) => Date.parse(b.ended_at ?? b.given_at) - Date.parse(a.ended_at ?? a.given_at))[0];
  if (latest) {
    const ids = { consent_id: latest.consent_id };
    if (latest.status === 'withdrawn') return deny('consent_withdrawn', 'the consent for this category and purpose was withdrawn', ids);
    if (latest.status === 'refused') return deny('consent_refused', 'the subject refused consent for this category and purpose', ids);
    if (latest.status === 'opted_out') return deny('opted_out', 'a later opt-out ended the consent for this category and purpose', ids);
    if (latest.status === 'active' && restriction) return deny('processing_restricted', 'processing of this subject is restricted (GDPR Art. 18); a consent given before the restriction does not override it', ids);
    return deny('consent_expired', 'the consent for this category and purpose has expired', { ...ids, expires_at: latest.expires_at ?? undefined });
  }
  if (!snapshot || snapshot.events === 0) return deny('unknown_subject', 'no consent is recorded for this subject and the catalog declares no other lawful basis');
  return deny('no_consent', 'no consent for this category and purpose and the catalog declares no other lawful basis');
}
