import { recordPersonalDataAccess } from '@pl/audit';
import { consent } from '@pl/domain';
import { reaskAllowedFrom } from '@pl/domain/law/consent';
import { loadSnapshot } from '@pl/projections/consent';
import { currentActivities } from '@pl/projections/catalog';
import type { CommandContext } from '../commands/command-context';
import type { AppDeps } from '../core/app-deps';
import { subjectOf } from './taxonomy';

/** GET /consent/{user_id}: the subject's current consents, opt-outs, restriction, from the read model. */
export function consentState(deps: AppDeps) {
  return async (userId: string) => {
    const snapshot = await loadSnapshot(deps.db, subjectOf(deps, userId));
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
      user_id: userId,
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
  };
}

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
