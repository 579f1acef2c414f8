import { recordPersonalDataAccess } from '@pl/audit';
import { consent, invalid } from '@pl/domain';
import { reaskAllowedFrom } from '@pl/domain/law/consent';
import { conflictCursorKey, consentCounts, loadSnapshot, signalConflicts } from '@pl/projections/consent';
import { currentActivities } from '@pl/projections/catalog';
import type { CommandContext } from '../commands/command-context';
import type { AppDeps } from '../core/app-deps';
import { subjectOf } from './taxonomy';

/** GET /consent/{user_id}: the subject's current consents, opt-outs, restriction, from the read model. */
export function consentState(deps: AppDeps) {
  return async (userId: string) => ({ user_id: userId, ...(await stateOfKey(deps, subjectOf(deps, userId))) });
}

/** GET /consent/subjects/{subject_key}: the same current state by the pseudonymous key (the conflicts list names subjects by it). */
export function consentStateByKey(deps: AppDeps) {
  return async (subjectKey: string) => ({ subject_key: subjectKey, ...(await stateOfKey(deps, subjectKey)) });
}

async function stateOfKey(deps: AppDeps, subjectKey: string) {
  {
    const snapshot = await loadSnapshot(deps.db, subjectKey);
    const now = Date.now();
    const grants = Object.values(snapshot?.grants ?? {})
      .sort((a, b) => a.category.localeCompare(b.category) || a.purpose.localeCompare(b.purpose))
      .map((g) => ({
        data_category: g.category,
        processing_purpose: g.purpose,
        consent_id: g.consent_id,
        // the domain's expiry rule, as validate: an active grant that is not current reads expired
        status: consent.statusAt(g, now),
        legal_basis: g.legal_basis,
        consent_version: g.consent_version,
        given_at: g.given_at,
        expires_at: g.expires_at,
        ended_at: g.ended_at,
        ...(g.explicit_method ? { explicit_method: g.explicit_method } : {}),
        ...(g.given_by ? { given_by: g.given_by } : {}),
        ...(g.exclusions?.length ? { withdrawn_parts: g.exclusions.map((x) => ({ data_category: x.category, processing_purpose: x.purpose })) } : {}),
      }));
    return {
      known: snapshot !== null,
      consents: grants,
      // when the business may ask again to opt back in (Civ. § 1798.135(c)(4)); GPC stands as long as it is sent
      opt_outs: (snapshot?.opt_outs ?? []).map((o) => ({ ...o, reask_allowed_from: o.source === 'gpc' ? null : reaskAllowedFrom(o.recorded_at) })),
      conflicts: snapshot?.conflicts ?? [],
      restriction: snapshot?.restriction ?? null,
      age: snapshot?.age ?? null,
      objections: snapshot?.objections ?? [],
      updated_at: snapshot?.updated_at ?? null,
    };
  }
}

/** The most days one metrics answer covers (a day bucket: a year and a day; weeks: three years). */
export const CONSENT_METRICS_MAX_DAYS = { day: 366, week: 1096 } as const;

/** GET /consent/metrics: grants, renewals, refusals, withdrawals, expiries and opt-outs per period, purpose and signal. */
export function consentMetrics(deps: AppDeps) {
  return async (from: string, to: string, bucket: 'day' | 'week') => {
    const days = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000 + 1;
    if (!(days >= 1)) throw consentInvalid('from must be on or before to', 'from');
    if (days > CONSENT_METRICS_MAX_DAYS[bucket]) throw consentInvalid(`at most ${CONSENT_METRICS_MAX_DAYS[bucket]} days per answer with bucket=${bucket}`, 'to');
    return { from, to, bucket, timezone: 'UTC', series: await consentCounts(deps.db, from, to, bucket) };
  };
}

/** GET /consent/conflicts: standing conflicts between signals and consents, by subject key only, newest first. */
export function consentConflicts(deps: AppDeps) {
  return async (q: { kind?: string; limit: number; after?: string }) => {
    let after: { since: string; key: string } | undefined;
    if (q.after) {
      const raw = Buffer.from(q.after, 'base64url').toString('utf8');
      const at = raw.indexOf('|');
      if (at < 0 || Number.isNaN(Date.parse(raw.slice(0, at)))) throw consentInvalid('after must be the next value of a previous page', 'after');
      after = { since: raw.slice(0, at), key: raw.slice(at + 1) };
    }
    const rows = await signalConflicts(deps.db, { now: new Date(), kind: q.kind, limit: q.limit + 1, after });
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return {
      conflicts: page.map((c) => ({ ...c, rule: CONFLICT_RULES[c.conflict as keyof typeof CONFLICT_RULES] })),
      next: rows.length > q.limit && last ? Buffer.from(`${last.since}|${conflictCursorKey(last)}`).toString('base64url') : null,
    };
  };
}

/** Which signals conflict, who prevails and the source (docs/console.md, Consent). */
export const CONFLICT_RULES = {
  gpc_vs_consent: { prevails: 'opt_out', source: '11 CCR § 7025(c)(3)' },
  opt_out_vs_consent: { prevails: 'opt_out', source: 'Cal. Civ. Code §§ 1798.120, 1798.135(c)(4)' },
  gpc_vs_signal: { prevails: 'opt_out', source: '11 CCR § 7025(c)(3)' },
  gpp_vs_usp: { prevails: 'opt_out', source: 'Cal. Civ. Code § 1798.120; 11 CCR § 7026; IAB US Privacy String deprecated 2024-01-31 (GPP succeeds it)' },
} as const;
export const CONFLICT_KINDS = Object.keys(CONFLICT_RULES) as Array<keyof typeof CONFLICT_RULES>;

const consentInvalid = (message: string, field: string) => invalid(message, { field });

/**
 * GET /consent/{user_id}/history: the subject's consent stream, personal fields decrypted only for
 * `pii` callers, whose release is itself recorded before it happens (Art. 5(2)).
 */
export function consentHistory(deps: AppDeps) {
  return async (userId: string, pii: boolean, ctx?: CommandContext) => {
    const subjectKey = subjectOf(deps, userId);
    if (pii && ctx) await recordPersonalDataAccess(deps, ctx, { subjectKey, what: 'consent.history', purpose: 'consent_history' });
    const { events } = await deps.store.readStream(consent.consentStreamId(subjectKey));
    const decoded = pii ? await deps.codec.decode(events) : deps.codec.omitPersonal(events);
    return {
      user_id: userId,
      // after crypto-shredding nothing is decrypted: say so instead of claiming a decryption
      personal_fields: pii ? personalFieldsState(decoded) : 'omitted',
      events: decoded.map((e) => ({
        event_id: e.metadata.event_id,
        type: e.type,
        revision: Number(e.revision),
        occurred_at: e.metadata.occurred_at,
        recorded_at: e.metadata.recorded_at,
        actor: e.metadata.actor,
        correlation_id: e.metadata.correlation_id,
        data: e.data,
        ...(e.erased ? { erased: true, erased_fields: e.erased_fields } : {}),
      })),
    };
  };
}

/** What a decrypting read actually yielded: every personal field, none (shredded), or part of them. */
export function personalFieldsState(events: ReadonlyArray<{ erased?: boolean; decrypted_fields?: string[] }>): 'decrypted' | 'erased' | 'partly_erased' | 'none' {
  const erased = events.some((e) => e.erased);
  const decrypted = events.some((e) => e.decrypted_fields?.length);
  if (erased) return decrypted ? 'partly_erased' : 'erased';
  return decrypted ? 'decrypted' : 'none';
}

/**
 * GET /consent/declared-bases: what the SDK's local mode needs to answer like validate for
 * non-consent purposes (per current processing activity, its categories and each purpose's basis),
 * nothing else of the catalog, so a service's consent key does not need `catalog:read`.
 */
export function declaredBasesForSdk(deps: AppDeps) {
  return async () => {
    const activities = await currentActivities(deps.db);
    return {
      activities: activities.map((a) => ({
        activity_id: a.activity_id,
        data_categories: a.data_categories,
        purposes: a.purposes.map((p) => ({ purpose: p.purpose, lawful_basis: p.lawful_basis, categories: p.categories ?? null })),
      })),
    };
  };
}
