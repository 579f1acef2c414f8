import { CONSENT_BASES, OBJECTABLE_BASES, optOutsBlocking } from '../law/consent';
import type { ConsentSnapshot, Grant } from './state';
import { grantCovers, purposeTraits, type PurposeTraits } from './traits';

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
  const grants: Grant[] = snapshot ? Object.values(snapshot.grants).filter((g) => grantCovers(g, q.category, q.purpose)) : [];
  const current = grants
    .filter((g) => g.status === 'active' && g.expires_at !== null && Date.parse(g.expires_at) > now)
    .sort((a, b) => Date.parse(b.expires_at!) - Date.parse(a.expires_at!))[0];

  // CCPA opt-outs (GPC, GPP, US Privacy) and limit-use win over any consent (11 CCR § 7025(c)(3)).
  const blocking = optOutsBlocking(traits, traits.sensitive_category === true);
  const optOuts = (snapshot?.opt_outs ?? []).filter((o) => blocking.includes(o.kind));
  if (optOuts.length) {
    const kinds = [...new Set(optOuts.map((o) => o.kind))].join(', ');
    const sources = [...new Set(optOuts.map((o) => o.source))].join(', ');
    return deny('opted_out', `the subject opted out (${kinds}; signal: ${sources})`);
  }

  // An objection to direct marketing is absolute and covers every basis, consent included: the data
  // "shall no longer be processed for such purposes" ([G] Art. 21(3)).
  const objections = snapshot?.objections ?? [];
  if (traits.direct_marketing === true && objections.some((o) => o.direct_marketing)) {
    return deny('objection', 'the subject objected to direct marketing (GDPR Art. 21(2)-(3)); it is absolute');
  }

  if (current) {
    return { allowed: true, legal_basis: current.legal_basis, consent_id: current.consent_id, expires_at: current.expires_at!, reason: 'consent_given', detail: 'a current consent covers this category and purpose' };
  }

  // While restricted, only storage or processing with consent ([G] Art. 18(2)).
  if (snapshot?.restriction && !traits.storage) {
    return deny('processing_restricted', 'processing of this subject is restricted (GDPR Art. 18); only storage is allowed');
  }

  // purposes null: every purpose, or every direct-marketing purpose for a direct-marketing objection
  const objected = objections.some(
    (o) =>
      (o.direct_marketing && traits.direct_marketing === true) ||
      (o.purposes === null ? !o.direct_marketing : o.purposes.some((p) => p === q.purpose || q.purpose.startsWith(`${p}.`))),
  );
  const declared = [...new Set(q.declaredBases ?? [])].filter((b) => !(b in CONSENT_BASES));
  const usable = declared.filter((b) => !(objected && OBJECTABLE_BASES.includes(b))).sort((a, b) => rank(a) - rank(b));
  if (usable.length) {
    return { allowed: true, legal_basis: usable[0], reason: 'declared_basis', detail: `the catalog declares ${usable[0]} for this purpose and category` };
  }
  if (declared.length && objected) return deny('objection', 'the subject objected to this processing (GDPR Art. 21)');

  const latest = grants.sort((a, b) => Date.parse(b.ended_at ?? b.given_at) - Date.parse(a.ended_at ?? a.given_at))[0];
  if (latest) {
    const ids = { consent_id: latest.consent_id };
    if (latest.status === 'withdrawn') return deny('consent_withdrawn', 'the consent for this category and purpose was withdrawn', ids);
    if (latest.status === 'refused') return deny('consent_refused', 'the subject refused consent for this category and purpose', ids);
    return deny('consent_expired', 'the consent for this category and purpose has expired', { ...ids, expires_at: latest.expires_at ?? undefined });
  }
  if (!snapshot || snapshot.events === 0) return deny('unknown_subject', 'no consent is recorded for this subject and the catalog declares no other lawful basis');
  return deny('no_consent', 'no consent for this category and purpose and the catalog declares no other lawful basis');
}
