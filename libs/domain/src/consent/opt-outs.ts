import { isSaleOrSharingPurpose } from '../catalog';
import { GPC_RULE, REASK_AFTER_OPT_OUT_MONTHS, optOutSource, optOutYieldsTo, optOutsBlocking, reaskAllowedFrom, type OptOutKind, type OptOutSource } from '../law/consent';
import type { ConsentEvent, GrantRef } from './events';
import { isCurrent } from './expiry';
import { evolve, type ConsentState, type OptOut } from './state';
import { purposeTraits } from './traits';

export interface SignalOptOuts {
  readonly kinds: OptOutKind[];
  readonly source: OptOutSource;
  readonly detail: string | null;
}

const uniq = <T>(xs: readonly T[]): T[] => [...new Set(xs)];

export function gpcOptOut(gpc: boolean | undefined): SignalOptOuts | null {
  return gpc ? { kinds: [...GPC_RULE.opts_out_of], source: 'gpc', detail: 'Sec-GPC: 1' } : null;
}

/**
 * Records an opt-out once per (kind, source). Consents it meets (a grant whose purpose the opt-out
 * blocks) end as `opted_out`, one visible conflict per consent: the consumer's later choice wins
 * (Civ. § 1798.120(a); 11 CCR § 7025(c)(3) for GPC).
 */
export function optOutEvents(state: ConsentState, subjectKey: string, o: SignalOptOuts | null, now: string): ConsentEvent[] {
  if (!o || o.kinds.length === 0) return [];
  const missing = o.kinds.filter((k) => !state.opt_outs.some((x) => x.kind === k && x.source === o.source));
  if (!missing.length) return [];
  const out: ConsentEvent[] = [{ type: 'consent.opt_out_recorded', data: { subject_key: subjectKey, kinds: missing, source: o.source, recorded_at: now, detail: o.detail } }];
  const byConsent = new Map<string, { refs: GrantRef[]; kinds: Set<OptOutKind> }>();
  for (const g of Object.values(state.grants)) {
    if (!isCurrent(g, now)) continue;
    const traits = purposeTraits(g.purpose, g.category);
    const hit = optOutsBlocking(traits, traits.sensitive_category === true).filter((k) => missing.includes(k));
    if (!hit.length) continue;
    const entry = byConsent.get(g.consent_id) ?? { refs: [], kinds: new Set<OptOutKind>() };
    entry.refs.push({ category: g.category, purpose: g.purpose, consent_id: g.consent_id });
    hit.forEach((k) => entry.kinds.add(k));
    byConsent.set(g.consent_id, entry);
  }
  for (const [consentId, { refs, kinds }] of byConsent) {
    out.push({
      type: 'consent.opt_out_conflict_recorded',
      data: {
        subject_key: subjectKey,
        consent_id: consentId,
        purposes: uniq(refs.map((r) => r.purpose)),
        opt_outs: [...kinds],
        sources: [o.source],
        detected_at: now,
        direction: 'opt_out_after_consent',
        resolution: 'opt_out_prevails',
        ended: refs,
        reask_allowed_from: o.source === 'gpc' ? null : reaskAllowedFrom(now),
        rule: [...kinds].map(optOutSource).join('; '),
      },
    });
  }
  return out;
}

/**
 * A consent to sale/sharing recorded while opt-outs stand. GPC prevails; another opt-out gives way
 * only to a consent given 12 months or more after it (Civ. § 1798.135(c)(4)). One event per
 * resolution and source, so lifting one never lifts another.
 */
export function consentAfterOptOut(
  state: ConsentState,
  cmd: { subjectKey: string; consentId: string; purposes: readonly string[]; saleOrSharingPurposes?: readonly string[] },
  givenAt: string,
  now: string,
): ConsentEvent[] {
  const saleSharing = cmd.purposes.filter((p) => (cmd.saleOrSharingPurposes ? cmd.saleOrSharingPurposes.includes(p) : isSaleOrSharingPurpose(p)));
  const standing = state.opt_outs.filter((o) => o.kind === 'sale' || o.kind === 'sharing');
  if (!saleSharing.length || !standing.length) return [];
  const groups = new Map<string, OptOut[]>();
  for (const o of standing) {
    const key = optOutYieldsTo(o, givenAt) ? `consent_prevails|${o.source}` : 'opt_out_prevails';
    groups.set(key, [...(groups.get(key) ?? []), o]);
  }
  return [...groups].map(([key, opts]): ConsentEvent => {
    const resolution = key === 'opt_out_prevails' ? 'opt_out_prevails' : 'consent_prevails';
    const reask = opts.filter((x) => x.source !== 'gpc').map((x) => reaskAllowedFrom(x.recorded_at)).sort().pop() ?? null;
    const kinds = uniq(opts.map((x) => x.kind));
    return {
      type: 'consent.opt_out_conflict_recorded',
      data: {
        subject_key: cmd.subjectKey,
        consent_id: cmd.consentId,
        purposes: saleSharing,
        opt_outs: kinds,
        sources: uniq(opts.map((x) => x.source)),
        detected_at: now,
        direction: 'consent_after_opt_out',
        resolution,
        ended: [],
        reask_allowed_from: resolution === 'opt_out_prevails' ? reask : null,
        rule: opts.every((x) => x.source === 'gpc') ? GPC_RULE.source : REASK_AFTER_OPT_OUT_MONTHS.source,
      },
    };
  });
}

/** Folds events as they are decided, so later rules see earlier ones. */
export function folding(state: ConsentState) {
  let s = state;
  const out: ConsentEvent[] = [];
  return {
    push: (...es: ConsentEvent[]) => {
      for (const e of es) {
        out.push(e);
        s = evolve(s, e);
      }
    },
    get state() {
      return s;
    },
    out,
  };
}
