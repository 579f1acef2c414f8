import { conflict, invalid, type Decider } from '../shared';
import { categoryCovers, isSaleOrSharingPurpose, purposeCovers } from '../catalog';
import {
  CONSENT_CLOCK_SKEW_MS,
  DEFAULT_EXPIRY_POLICY,
  addMonths,
  expiryMonthsFor,
  type ConsentBasis,
  type ExpiryPolicy,
} from '../law/consent';
import { ageRecordFor, explicitnessFor, type AgeInput } from './conditions';
import type { ConsentEvent, ConsentProof, GrantRef, SignalSummary } from './events';
import { isCurrent, isDue } from './expiry';
import { consentAfterOptOut, folding, gpcOptOut, optOutEvents, type SignalOptOuts } from './opt-outs';
import { evolve, initialConsentState, grantKey, type ConsentState } from './state';
import { excludedBy, type Exclusion } from './traits';

export type { SignalOptOuts } from './opt-outs';

export type ConsentCommand =
  | {
      readonly type: 'RecordConsent';
      readonly subjectKey: string;
      /** Generated at the edge (the decider draws no random numbers). */
      readonly consentId: string;
      readonly status: 'given' | 'refused';
      readonly categories: readonly string[];
      readonly purposes: readonly string[];
      readonly basis: ConsentBasis;
      readonly consentVersion: string;
      readonly givenAt: string;
      readonly expiresAt?: string | null;
      readonly expiryPolicy?: ExpiryPolicy;
      readonly proof: ConsentProof;
      readonly consentString?: string | null;
      readonly signal?: SignalSummary | null;
      readonly extra?: Record<string, unknown> | null;
      /** `Sec-GPC: 1` came with the call. */
      readonly gpc?: boolean;
      /** Opt-outs carried by a GPP or US Privacy string. */
      readonly signalOptOuts?: SignalOptOuts | null;
      /** Which of `purposes` are CCPA sale/sharing; defaults to the catalog taxonomy's flags. */
      readonly saleOrSharingPurposes?: readonly string[];
      /** How a consent naming special categories was made explicit ([G] Art. 9(2)(a)). */
      readonly explicitMethod?: string | null;
      /** The subject's age, where it is and who gave the consent ([G] Art. 8; Civ. § 1798.120(c)). */
      readonly age?: AgeInput | null;
      /** The caller's clear subject id, recorded (encrypted) only where legacy publishing needs it. */
      readonly subjectId?: string | null;
      readonly now: Date;
    }
  | {
      readonly type: 'WithdrawConsent';
      readonly subjectKey: string;
      /** Null or empty = every category; likewise purposes (Art. 7(3): by category, purpose or all). */
      readonly categories: readonly string[] | null;
      readonly purposes: readonly string[] | null;
      readonly gpc?: boolean;
      /** Fields of a legacy withdrawal the ledger records without acting on them (personal: encrypted). */
      readonly extra?: Record<string, unknown> | null;
      readonly subjectId?: string | null;
      readonly now: Date;
    }
  | { readonly type: 'ExpireConsents'; readonly subjectKey: string; readonly now: Date }
  | { readonly type: 'RecordOptOut'; readonly subjectKey: string; readonly optOut: SignalOptOuts; readonly now: Date }
  | { readonly type: 'RestrictProcessing'; readonly subjectKey: string; readonly requestId?: string | null; readonly reason?: string | null; readonly now: Date }
  | { readonly type: 'LiftRestriction'; readonly subjectKey: string; readonly requestId?: string | null; readonly now: Date }
  | {
      readonly type: 'RecordObjection';
      readonly subjectKey: string;
      readonly purposes: readonly string[] | null;
      readonly directMarketing: boolean;
      readonly requestId?: string | null;
      readonly now: Date;
    };

/** The command's time (a Date, like every context's commands) as stored in events. */
function at(now: Date): string {
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) throw invalid('now must be a valid time', { field: 'now' });
  return now.toISOString();
}

function iso(value: string, field: string): string {
  const t = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(t)) throw invalid(`${field} must be an ISO-8601 timestamp`, { field });
  return new Date(t).toISOString();
}

const uniq = (xs: readonly string[]): string[] => [...new Set(xs)];

function record(cmd: Extract<ConsentCommand, { type: 'RecordConsent' }>, state: ConsentState): ConsentEvent[] {
  const categories = uniq(cmd.categories);
  const purposes = uniq(cmd.purposes);
  if (!categories.length) throw invalid('data_categories must not be empty');
  if (!purposes.length) throw invalid('processing_purposes must not be empty');
  const now = at(cmd.now);
  const givenAt = iso(cmd.givenAt, 'consent_timestamp');
  if (Date.parse(givenAt) > Date.parse(now) + CONSENT_CLOCK_SKEW_MS) {
    throw invalid(`consent_timestamp lies in the future (more than ${CONSENT_CLOCK_SKEW_MS / 1000} s ahead)`, { field: 'consent_timestamp' });
  }
  const policy = cmd.expiryPolicy ?? DEFAULT_EXPIRY_POLICY;
  const expires: Record<string, string> = {};
  if (cmd.expiresAt) {
    const e = iso(cmd.expiresAt, 'expiry_timestamp');
    if (Date.parse(e) <= Date.parse(givenAt)) throw invalid('expiry_timestamp must be after consent_timestamp', { field: 'expiry_timestamp' });
    for (const p of purposes) expires[p] = e;
  } else {
    for (const p of purposes) expires[p] = addMonths(givenAt, expiryMonthsFor(policy, p));
  }

  const saleOrSharing = purposes.filter((p) => (cmd.saleOrSharingPurposes ? cmd.saleOrSharingPurposes.includes(p) : isSaleOrSharingPurpose(p)));
  // Checked before anything is appended: a refused command changes nothing.
  const given = cmd.status === 'given';
  const explicitness = given ? explicitnessFor(categories, cmd.basis, cmd.explicitMethod) : null;
  const age = given ? ageRecordFor(cmd.age, saleOrSharing.length > 0) : null;

  if (alreadyRecorded(cmd, categories, purposes, expires, state)) return [];

  const f = folding(state);
  f.push(...optOutEvents(f.state, cmd.subjectKey, gpcOptOut(cmd.gpc), now));
  f.push(...optOutEvents(f.state, cmd.subjectKey, cmd.signalOptOuts ?? null, now));

  const common = {
    consent_id: cmd.consentId,
    subject_key: cmd.subjectKey,
    data_categories: categories,
    processing_purposes: purposes,
    consent_version: cmd.consentVersion,
    proof: cmd.proof,
    consent_string: cmd.consentString ?? null,
    signal: cmd.signal ?? null,
    extra: cmd.extra ?? null,
    ...(cmd.subjectId ? { subject_id: cmd.subjectId } : {}),
  };
  if (!given) {
    f.push({ type: 'consent.refused', data: { ...common, refused_at: givenAt } });
    return f.out;
  }
  const pairs = categories.flatMap((c) => purposes.map((p) => f.state.grants[grantKey(c, p)]));
  const active = pairs.filter((g) => g && isCurrent(g, now));
  const renews = uniq(active.map((g) => g!.consent_id));
  const type = active.length === pairs.length ? 'consent.renewed' : 'consent.given';
  const optional = { ...(explicitness ? { explicitness } : {}), ...(age ? { age } : {}) };
  const before = f.state;
  f.push({ type, data: { ...common, legal_basis: cmd.basis, given_at: givenAt, expires_at: expires, renews, ...optional } });
  f.push(...consentAfterOptOut(before, { ...cmd, purposes, saleOrSharingPurposes: saleOrSharing }, givenAt, now));
  return f.out;
}

const ENDED_BY_SUBJECT = new Set(['withdrawn', 'opted_out']);

/**
 * A consent id the caller chose (older clients send their own `consent_id`) makes a retry of the same
 * record append nothing: every pair already holds this id with the same expiry (or the same refusal).
 * An id whose consent was withdrawn or ended by an opt-out is never given again ([G] Art. 7(3)): a new
 * consent needs a new id.
 */
function alreadyRecorded(cmd: Extract<ConsentCommand, { type: 'RecordConsent' }>, categories: string[], purposes: string[], expires: Record<string, string>, state: ConsentState): boolean {
  const own = Object.values(state.grants).filter((g) => g.consent_id === cmd.consentId);
  if (!own.length) return false;
  if (cmd.status === 'given' && own.some((g) => ENDED_BY_SUBJECT.has(g.status))) {
    throw conflict(`consent ${cmd.consentId} was withdrawn or ended by an opt-out; a new consent needs a new consent_id (GDPR Art. 7(3))`, { field: 'consent_id' });
  }
  return categories.every((c) =>
    purposes.every((p) => {
      const g = state.grants[grantKey(c, p)];
      if (!g || g.consent_id !== cmd.consentId) return false;
      return cmd.status === 'refused' ? g.status === 'refused' : g.status !== 'refused' && g.expires_at === expires[p];
    }),
  );
}

type Relation = 'covers' | Exclusion['category'][] | null;
/** Does the withdrawn scope cover the granted key, touch only narrower keys inside it, or miss it? */
function relation(scope: readonly string[] | null, granted: string, covers: (a: string, b: string) => boolean): Relation {
  if (!scope || scope.some((w) => covers(w, granted))) return 'covers';
  const inside = scope.filter((w) => covers(granted, w));
  return inside.length ? inside : null;
}

/**
 * Withdrawal by category, purpose or all ([G] Art. 7(3)). A grant inside the scope ends; a broader
 * grant keeps covering everything else, minus the withdrawn part: withdrawing `user.behavior` never
 * ends a consent to `user` (the coarse `personal`) for other categories.
 */
function withdraw(cmd: Extract<ConsentCommand, { type: 'WithdrawConsent' }>, state: ConsentState): ConsentEvent[] {
  const now = at(cmd.now);
  const cats = cmd.categories?.length ? uniq(cmd.categories) : null;
  const purps = cmd.purposes?.length ? uniq(cmd.purposes) : null;
  const out = optOutEvents(state, cmd.subjectKey, gpcOptOut(cmd.gpc), now);
  const after = out.reduce(evolve, state);
  const affected: GrantRef[] = [];
  const narrowed: Array<GrantRef & { excluded: Exclusion[] }> = [];
  for (const g of Object.values(after.grants)) {
    if (g.status !== 'active') continue;
    const c = relation(cats, g.category, categoryCovers);
    const p = relation(purps, g.purpose, purposeCovers);
    if (!c || !p) continue;
    const ref = { category: g.category, purpose: g.purpose, consent_id: g.consent_id };
    if (c === 'covers' && p === 'covers') {
      affected.push(ref);
      continue;
    }
    const cs = c === 'covers' ? [g.category] : c;
    const ps = p === 'covers' ? [g.purpose] : p;
    const excluded = cs.flatMap((category) => ps.map((purpose) => ({ category, purpose }))).filter((x) => !excludedBy(g.exclusions, x.category, x.purpose));
    if (excluded.length) narrowed.push({ ...ref, excluded });
  }
  if (affected.length || narrowed.length) {
    out.push({
      type: 'consent.withdrawn',
      data: {
        subject_key: cmd.subjectKey,
        withdrawn_at: now,
        data_categories: cats,
        processing_purposes: purps,
        affected,
        ...(narrowed.length ? { narrowed } : {}),
        ...(cmd.extra && Object.keys(cmd.extra).length ? { extra: cmd.extra } : {}),
        ...(cmd.subjectId ? { subject_id: cmd.subjectId } : {}),
      },
    });
  }
  return out;
}

function expire(cmd: Extract<ConsentCommand, { type: 'ExpireConsents' }>, state: ConsentState): ConsentEvent[] {
  const now = at(cmd.now);
  const due = Object.values(state.grants).filter((g) => isDue(g, now));
  if (!due.length) return [];
  return [
    {
      type: 'consent.expired',
      data: {
        subject_key: cmd.subjectKey,
        expired_at: now,
        expired: due.map((g) => ({ category: g.category, purpose: g.purpose, consent_id: g.consent_id, expires_at: g.expires_at })),
      },
    },
  ];
}

export function decide(cmd: ConsentCommand, state: ConsentState): ConsentEvent[] {
  switch (cmd.type) {
    case 'RecordConsent':
      return record(cmd, state);
    case 'WithdrawConsent':
      return withdraw(cmd, state);
    case 'ExpireConsents':
      return expire(cmd, state);
    case 'RecordOptOut':
      return optOutEvents(state, cmd.subjectKey, cmd.optOut, at(cmd.now));
    case 'RestrictProcessing':
      if (state.restriction) return [];
      return [{ type: 'consent.processing_restricted', data: { subject_key: cmd.subjectKey, restricted_at: at(cmd.now), request_id: cmd.requestId ?? null, reason: cmd.reason ?? null } }];
    case 'LiftRestriction':
      if (!state.restriction) return [];
      return [{ type: 'consent.restriction_lifted', data: { subject_key: cmd.subjectKey, lifted_at: at(cmd.now), request_id: cmd.requestId ?? null } }];
    case 'RecordObjection':
      return [
        {
          type: 'consent.objection_recorded',
          data: {
            subject_key: cmd.subjectKey,
            recorded_at: at(cmd.now),
            purposes: cmd.purposes?.length ? uniq(cmd.purposes) : null,
            direct_marketing: cmd.directMarketing,
            request_id: cmd.requestId ?? null,
          },
        },
      ];
    default: {
      const exhaustive: never = cmd;
      return exhaustive;
    }
  }
}

export const consentDecider: Decider<ConsentCommand, ConsentEvent, ConsentState> = {
  initialState: initialConsentState,
  evolve,
  decide,
};

export const consentStreamId = (subjectKey: string): string => `consent-${subjectKey}`;
