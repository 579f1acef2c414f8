import { invalid, type Decider } from '../shared';
import {
  CONSENT_CLOCK_SKEW_MS,
  DEFAULT_EXPIRY_POLICY,
  addMonths,
  expiryMonthsFor,
  type ConsentBasis,
  type ExpiryPolicy,
  type OptOutKind,
  type OptOutSource,
} from '../law/consent';
import type { ConsentEvent, ConsentProof, GrantRef, SignalSummary } from './events';
import { evolve, grantKey, initialConsentState, type ConsentState } from './state';
import { overlaps } from './traits';

export interface SignalOptOuts {
  readonly kinds: OptOutKind[];
  readonly source: OptOutSource;
  readonly detail: string | null;
}

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
      /** Which of `purposes` are CCPA sale/sharing (from the catalog taxonomy). */
      readonly saleOrSharingPurposes?: readonly string[];
      readonly now: string;
    }
  | {
      readonly type: 'WithdrawConsent';
      readonly subjectKey: string;
      /** Null or empty = every category; likewise purposes (Art. 7(3): by category, purpose or all). */
      readonly categories: readonly string[] | null;
      readonly purposes: readonly string[] | null;
      readonly gpc?: boolean;
      readonly now: string;
    }
  | { readonly type: 'ExpireConsents'; readonly subjectKey: string; readonly now: string }
  | { readonly type: 'RecordOptOut'; readonly subjectKey: string; readonly optOut: SignalOptOuts; readonly now: string }
  | { readonly type: 'RestrictProcessing'; readonly subjectKey: string; readonly requestId?: string | null; readonly reason?: string | null; readonly now: string }
  | { readonly type: 'LiftRestriction'; readonly subjectKey: string; readonly requestId?: string | null; readonly now: string }
  | {
      readonly type: 'RecordObjection';
      readonly subjectKey: string;
      readonly purposes: readonly string[] | null;
      readonly directMarketing: boolean;
      readonly requestId?: string | null;
      readonly now: string;
    };

const GPC_OPT_OUTS: OptOutKind[] = ['sale', 'sharing'];

function iso(value: string, field: string): string {
  const t = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(t)) throw invalid(`${field} must be an ISO-8601 timestamp`, { field });
  return new Date(t).toISOString();
}

const uniq = (xs: readonly string[]): string[] => [...new Set(xs)];

function optOutEvents(state: ConsentState, subjectKey: string, o: SignalOptOuts | null, now: string): ConsentEvent[] {
  if (!o || o.kinds.length === 0) return [];
  const missing = o.kinds.filter((k) => !state.opt_outs.some((x) => x.kind === k && x.source === o.source));
  if (!missing.length) return [];
  return [{ type: 'consent.opt_out_recorded', data: { subject_key: subjectKey, kinds: missing, source: o.source, recorded_at: now, detail: o.detail } }];
}

function gpcOptOut(gpc: boolean | undefined): SignalOptOuts | null {
  return gpc ? { kinds: GPC_OPT_OUTS, source: 'gpc', detail: 'Sec-GPC: 1' } : null;
}

function record(cmd: Extract<ConsentCommand, { type: 'RecordConsent' }>, state: ConsentState): ConsentEvent[] {
  const categories = uniq(cmd.categories);
  const purposes = uniq(cmd.purposes);
  if (!categories.length) throw invalid('data_categories must not be empty');
  if (!purposes.length) throw invalid('processing_purposes must not be empty');
  const now = iso(cmd.now, 'now');
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

  let s = state;
  const out: ConsentEvent[] = [];
  const push = (e: ConsentEvent) => {
    out.push(e);
    s = evolve(s, e);
  };
  optOutEvents(s, cmd.subjectKey, gpcOptOut(cmd.gpc), now).forEach(push);
  optOutEvents(s, cmd.subjectKey, cmd.signalOptOuts ?? null, now).forEach(push);

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
  };
  if (cmd.status === 'refused') {
    push({ type: 'consent.refused', data: { ...common, refused_at: givenAt } });
    return out;
  }
  const pairs = categories.flatMap((c) => purposes.map((p) => s.grants[grantKey(c, p)]));
  const active = pairs.filter((g) => g && g.status === 'active' && g.expires_at !== null && Date.parse(g.expires_at) > Date.parse(now));
  const renews = uniq(active.map((g) => g!.consent_id));
  const type = active.length === pairs.length ? 'consent.renewed' : 'consent.given';
  push({ type, data: { ...common, legal_basis: cmd.basis, given_at: givenAt, expires_at: expires, renews } });

  const saleSharing = purposes.filter((p) => cmd.saleOrSharingPurposes?.includes(p));
  const standing = s.opt_outs.filter((o) => o.kind === 'sale' || o.kind === 'sharing');
  if (saleSharing.length && standing.length) {
    push({
      type: 'consent.opt_out_conflict_recorded',
      data: {
        subject_key: cmd.subjectKey,
        consent_id: cmd.consentId,
        purposes: saleSharing,
        opt_outs: uniq(standing.map((o) => o.kind)) as OptOutKind[],
        sources: uniq(standing.map((o) => o.source)) as OptOutSource[],
        detected_at: now,
      },
    });
  }
  return out;
}

function withdraw(cmd: Extract<ConsentCommand, { type: 'WithdrawConsent' }>, state: ConsentState): ConsentEvent[] {
  const now = iso(cmd.now, 'now');
  const cats = cmd.categories?.length ? uniq(cmd.categories) : null;
  const purps = cmd.purposes?.length ? uniq(cmd.purposes) : null;
  // A withdrawal for a narrower category also ends a grant of its parent: over-withdrawing is safe, under-withdrawing is not.
  const inScope = (category: string) => !cats || cats.some((c) => overlaps(c, category));
  const affected: GrantRef[] = Object.values(state.grants)
    .filter((g) => g.status === 'active' && inScope(g.category) && (!purps || purps.some((p) => overlaps(p, g.purpose))))
    .map((g) => ({ category: g.category, purpose: g.purpose, consent_id: g.consent_id }));
  const out = optOutEvents(state, cmd.subjectKey, gpcOptOut(cmd.gpc), now);
  if (affected.length) {
    out.push({ type: 'consent.withdrawn', data: { subject_key: cmd.subjectKey, withdrawn_at: now, data_categories: cats, processing_purposes: purps, affected } });
  }
  return out;
}

function expire(cmd: Extract<ConsentCommand, { type: 'ExpireConsents' }>, state: ConsentState): ConsentEvent[] {
  const now = iso(cmd.now, 'now');
  const due = Object.values(state.grants).filter((g) => g.status === 'active' && g.expires_at !== null && Date.parse(g.expires_at) <= Date.parse(now));
  if (!due.length) return [];
  return [
    {
      type: 'consent.expired',
      data: {
        subject_key: cmd.subjectKey,
        expired_at: now,
        expired: due.map((g) => ({ category: g.category, purpose: g.purpose, consent_id: g.consent_id, expires_at: g.expires_at! })),
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
      return optOutEvents(state, cmd.subjectKey, cmd.optOut, iso(cmd.now, 'now'));
    case 'RestrictProcessing':
      if (state.restriction) return [];
      return [{ type: 'consent.processing_restricted', data: { subject_key: cmd.subjectKey, restricted_at: iso(cmd.now, 'now'), request_id: cmd.requestId ?? null, reason: cmd.reason ?? null } }];
    case 'LiftRestriction':
      if (!state.restriction) return [];
      return [{ type: 'consent.restriction_lifted', data: { subject_key: cmd.subjectKey, lifted_at: iso(cmd.now, 'now'), request_id: cmd.requestId ?? null } }];
    case 'RecordObjection':
      return [
        {
          type: 'consent.objection_recorded',
          data: {
            subject_key: cmd.subjectKey,
            recorded_at: iso(cmd.now, 'now'),
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
