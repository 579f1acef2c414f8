import { consent } from '@pl/domain';
import type { RecordedEvent } from '@pl/domain';

type Row = Record<string, unknown>;
type Data = Record<string, any>;

const day = (at: string): string => new Date(at).toISOString().slice(0, 10);
const uniq = <T>(xs: readonly T[]): T[] => [...new Set(xs)];
const purposesOf = (refs: ReadonlyArray<{ purpose: string }> | undefined) => uniq((refs ?? []).map((r) => r.purpose));
const count = (at: string, purposes: readonly string[], kind: string, signal = ''): Row[] => purposes.map((purpose) => ({ day: day(at), purpose, kind, signal, n: 1 }));

/**
 * What one consent event adds to the counts over time: one per event and purpose (a consent to one
 * purpose for three categories counts once). Opt-outs count per opt-out kind (`purpose` holds it:
 * sale, sharing, sensitive_limit, targeted_advertising) and signal; grants an opt-out ended count as
 * `opted_out` per purpose.
 */
export function countRows(e: RecordedEvent): Row[] {
  const d = e.data as Data;
  switch (e.type) {
    case 'consent.given':
      return count(d.given_at, uniq(d.processing_purposes), 'granted');
    case 'consent.renewed':
      return count(d.given_at, uniq(d.processing_purposes), 'renewed');
    case 'consent.refused':
      return count(d.refused_at, uniq(d.processing_purposes), 'refused');
    case 'consent.withdrawn':
      return count(d.withdrawn_at, purposesOf(d.affected), 'withdrawn');
    case 'consent.expired':
      return count(d.expired_at, purposesOf(d.expired), 'expired');
    case 'consent.opt_out_recorded':
      return count(d.recorded_at, uniq(d.kinds as string[]), 'opt_out', d.source);
    case 'consent.opt_out_conflict_recorded':
      return count(d.detected_at, purposesOf(d.ended), 'opted_out', uniq((d.sources ?? []) as string[]).sort().join('+'));
    default:
      return [];
  }
}

export const COUNT_KINDS = ['granted', 'renewed', 'refused', 'withdrawn', 'expired', 'opt_out', 'opted_out'] as const;

/** Opted out of sale by a signal's summary: GPP's US sections (1 opted out, 2 did not), US Privacy's third character (Y/N); null when the signal says neither. */
export function saleOptOutOf(signal: consent.SignalSummary | null | undefined): { signal: 'gpp' | 'usp'; sale_opt_out: boolean | null } | null {
  if (signal?.kind === 'gpp') {
    const values = Object.values(signal.gpp.us ?? {}).map((s) => s.sale_opt_out);
    return { signal: 'gpp', sale_opt_out: values.includes(1) ? true : values.includes(2) ? false : null };
  }
  if (signal?.kind === 'usp') {
    const v = signal.usp.opted_out_of_sale;
    return { signal: 'usp', sale_opt_out: v === 'Y' ? true : v === 'N' ? false : null };
  }
  return null;
}

/** The subject's latest reading of each opt-out signal (GPC only ever says "opted out"). */
export function signalRows(e: RecordedEvent, subjectKey: string): Row[] {
  const d = e.data as Data;
  if (e.type === 'consent.opt_out_recorded' && d.source === 'gpc') return [{ subject_key: subjectKey, signal: 'gpc', sale_opt_out: true, read_at: d.recorded_at }];
  if (e.type === 'consent.given' || e.type === 'consent.renewed' || e.type === 'consent.refused') {
    const read = saleOptOutOf(d.signal);
    return read ? [{ subject_key: subjectKey, ...read, read_at: d.given_at ?? d.refused_at }] : [];
  }
  return [];
}

/**
 * Standing conflicts the decider resolved for the opt-out (consent after an opt-out, law/consent.ts
 * `optOutYieldsTo`): the consent's grants are still active and the opt-outs that prevailed still
 * stand. A GPC opt-out always prevails (11 CCR § 7025(c)(3)); another until 12 months have passed
 * (Civ. § 1798.135(c)(4)), when a new consent lifts it.
 */
export function conflictRows(s: consent.ConsentState, subjectKey: string): Row[] {
  const rows = new Map<string, Row>();
  for (const c of s.conflicts) {
    if (c.resolution !== 'opt_out_prevails' || c.direction !== 'consent_after_opt_out') continue;
    const grants = Object.values(s.grants).filter((g) => g.consent_id === c.consent_id && g.status === 'active' && c.purposes.includes(g.purpose));
    if (!grants.length) continue;
    for (const source of c.sources) {
      const standing = s.opt_outs.filter((o) => o.source === source && c.opt_outs.includes(o.kind));
      if (!standing.length) continue;
      const conflict = source === 'gpc' ? 'gpc_vs_consent' : 'opt_out_vs_consent';
      const id = `${conflict}|${source}|${c.consent_id}`;
      const expiries = grants.map((g) => g.expires_at).filter((x): x is string => !!x).sort();
      rows.set(id, {
        subject_key: subjectKey, conflict, signal: source, consent_id: c.consent_id,
        purposes: uniq(grants.map((g) => g.purpose)).sort(),
        opt_outs: uniq(standing.map((o) => o.kind)).sort(),
        since: c.detected_at,
        expires_at: expiries.length ? expiries[expiries.length - 1] : null,
        reask_allowed_from: source === 'gpc' ? null : c.reask_allowed_from,
      });
    }
  }
  return [...rows.values()];
}
