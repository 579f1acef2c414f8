import { randomUUID } from 'node:crypto';
import { catalog, consent, invalid, positionToString } from '@pl/domain';
import { CONSENT_BASIS_ALIASES, type ExpiryPolicy } from '@pl/domain/law/consent';
import { parseConsentString } from '@pl/domain/consent/signals';
import type { CommandContext } from '../commands/command-context';
import type { AppDeps } from '../core/app-deps';
import type { ConsentResult } from './execute';
import { gpcAnswer } from './gpc';
import type { RecordConsentInput, Signals, WithdrawConsentInput } from './inputs';
import { proofFrom } from './proof';
import { resolveCategory, resolvePurpose, subjectOf } from './taxonomy';

const REFUSED = new Set(['denied', 'refused', 'rejected']);
const AGE_FIELDS = ['subject_age', 'jurisdiction', 'age_established_by'] as const;

export interface RecordSettings {
  readonly expiryPolicy: ExpiryPolicy;
  /** TCF purpose id -> internal purposes. */
  readonly tcfPurposeMap: Readonly<Record<number, readonly string[]>>;
  /**
   * Record the caller's clear user id (encrypted, shredded with the subject's key) in each consent
   * fact, for the legacy topics whose consumers expect it (LEGACY_KAFKA_PUBLISH). Off by default.
   */
  readonly keepSubjectIds?: boolean;
}

type Execute = (command: consent.ConsentCommand, ctx: CommandContext) => Promise<ConsentResult>;

/** The age facts of a record ([G] Art. 8): all three or none; who gave it defaults to the subject. */
function ageInput(input: RecordConsentInput): consent.AgeInput | null {
  const present = AGE_FIELDS.filter((f) => input[f] !== undefined);
  const parentFields = input.given_by !== undefined || input.parental_verification !== undefined;
  if (!present.length && !parentFields) return null;
  if (present.length < AGE_FIELDS.length) {
    throw invalid(`${AGE_FIELDS.join(', ')} go together: send all three to record a consent with the subject's age (GDPR Art. 8)`, { field: AGE_FIELDS.find((f) => input[f] === undefined) });
  }
  return {
    jurisdiction: input.jurisdiction!.trim().toUpperCase(),
    age: input.subject_age!,
    establishedBy: input.age_established_by!,
    givenBy: (input.given_by ?? 'subject') as consent.AgeInput['givenBy'],
    parentalVerification: input.parental_verification ?? null,
  };
}

/** POST /consent/record: a consent given, refused or (status withdrawn) withdrawn, with its proof (Art. 7(1)). */
export function recordConsent(deps: AppDeps, execute: Execute, settings: RecordSettings) {
  return async (input: RecordConsentInput, ctx: CommandContext, signals: Signals) => {
    const subjectKey = subjectOf(deps, input.user_id);
    const categories = [...new Set(input.data_categories.map((c) => resolveCategory(c)))];
    const bodyPurposes = [...new Set(input.processing_purposes.map((p) => resolvePurpose(p)))];
    const basis = CONSENT_BASIS_ALIASES[input.legal_basis.trim()];
    if (!basis) {
      throw invalid('a consent record needs legal_basis consent (Art. 6(1)(a)) or explicit_consent (Art. 9(2)(a)); other bases are declared per processing activity in the catalog', {
        field: 'legal_basis',
        allowed: Object.keys(CONSENT_BASIS_ALIASES),
      });
    }
    const signal = input.consent_string ? parseConsentString(input.consent_string, settings.tcfPurposeMap) : null;
    const purposes = [...new Set([...bodyPurposes, ...(signal?.tcfPurposes ?? [])])];
    const { proof, extra } = proofFrom(input.consent_metadata, { collected_by: ctx.actor });
    const { gpc } = signals;
    const consentId = randomUUID();
    const age = ageInput(input);

    if (input.consent_status === 'withdrawn') return withdrawal(execute, subjectKey, input.user_id, categories, purposes, undefined, ctx, signals);
    const status = REFUSED.has(input.consent_status) ? 'refused' : 'given';
    const r = await execute(
      {
        type: 'RecordConsent',
        subjectKey,
        consentId,
        status,
        categories,
        purposes,
        basis,
        consentVersion: input.consent_version,
        givenAt: input.consent_timestamp,
        expiresAt: input.expiry_timestamp ?? null,
        expiryPolicy: settings.expiryPolicy,
        proof,
        consentString: input.consent_string ?? null,
        signal: signal?.summary ?? null,
        extra,
        gpc,
        signalOptOuts: signal?.optOuts ?? null,
        saleOrSharingPurposes: purposes.filter(catalog.isSaleOrSharingPurpose),
        explicitMethod: input.explicit_consent_method ?? null,
        age,
        subjectId: settings.keepSubjectIds ? input.user_id : null,
        now: ctx.now,
      },
      ctx,
    );
    const main = r.events.find((e) => e.type === 'consent.given' || e.type === 'consent.renewed' || e.type === 'consent.refused');
    const expiries = main && main.type !== 'consent.refused' ? main.data.expires_at : {};
    const earliest = Object.values(expiries).sort()[0] ?? null;
    // from the recorded fact: a retry under an Idempotency-Key answered from the log carries the first run's id
    const recordedId: string = main?.data.consent_id ?? consentId;
    return {
      consent_id: recordedId,
      user_id: input.user_id,
      data_categories: categories,
      processing_purposes: purposes,
      consent_status: status === 'refused' ? 'denied' : 'granted',
      consent_timestamp: new Date(input.consent_timestamp).toISOString(),
      expiry_timestamp: earliest,
      expiry_by_purpose: expiries,
      legal_basis: basis,
      ...(main && main.type !== 'consent.refused' && main.data.explicitness ? { explicitness: main.data.explicitness } : {}),
      ...(main && main.type !== 'consent.refused' && main.data.age ? { age: main.data.age } : {}),
      consent_version: input.consent_version,
      consent_metadata: { ...proof, ...(extra ?? {}) },
      renewed: main?.type === 'consent.renewed',
      renews: main && main.type !== 'consent.refused' ? main.data.renews : [],
      signal: signal?.summary ?? null,
      gpc: gpcAnswer(gpc),
      opt_outs: r.state.opt_outs,
      conflicts: r.state.conflicts.filter((c) => c.consent_id === recordedId),
      events: r.metadata.map((m, i) => ({ event_id: m.event_id, type: r.events[i].type })),
      position: r.appended ? positionToString(r.appended.position) : null,
    };
  };
}

/** POST /consent/withdraw (Art. 7(3)): by category, purpose or all. `extra`: a legacy withdrawal's fields, recorded (encrypted), not acted on. */
export function withdrawConsent(deps: AppDeps, execute: Execute, settings: Pick<RecordSettings, 'keepSubjectIds'> = {}) {
  return async (input: WithdrawConsentInput, ctx: CommandContext, signals: Signals, extra?: Record<string, unknown>) => {
    const subjectKey = subjectOf(deps, input.user_id);
    const all = input.data_categories.length === 0 || input.data_categories.some((c) => c === 'all' || c === '*');
    const categories = all ? null : [...new Set(input.data_categories.map(catalog.resolveCategory))];
    const purposes = input.processing_purposes?.length ? [...new Set(input.processing_purposes.map(catalog.resolvePurpose))] : null;
    return withdrawal(execute, subjectKey, input.user_id, categories, purposes, purposes, ctx, signals, { extra, subjectId: settings.keepSubjectIds ? input.user_id : null });
  };
}

/** `reportedPurposes` undefined: the answer names no purposes (a record with status withdrawn). */
async function withdrawal(
  execute: Execute,
  subjectKey: string,
  userId: string,
  categories: string[] | null,
  purposes: string[] | null,
  reportedPurposes: string[] | null | undefined,
  ctx: CommandContext,
  signals: Signals,
  more: { readonly extra?: Record<string, unknown>; readonly subjectId?: string | null } = {},
) {
  const now = ctx.now.toISOString();
  const r = await execute({ type: 'WithdrawConsent', subjectKey, categories, purposes, gpc: signals.gpc, extra: more.extra ?? null, subjectId: more.subjectId ?? null, now: ctx.now }, ctx);
  const w = r.events.find((e) => e.type === 'consent.withdrawn');
  const withdrawn = w && w.type === 'consent.withdrawn' ? w.data : null;
  const affected = withdrawn?.affected ?? [];
  return {
    withdrawal_timestamp: (withdrawn as { withdrawn_at?: string } | null)?.withdrawn_at ?? now,
    affected_consents: new Set(affected.map((a) => a.consent_id)).size,
    affected: affected.map((a) => ({ consent_id: a.consent_id, data_category: a.category, processing_purpose: a.purpose })),
    // broader consents that stay in force minus the withdrawn part ([G] Art. 7(3))
    narrowed: (withdrawn?.narrowed ?? []).map((n) => ({
      consent_id: n.consent_id,
      data_category: n.category,
      processing_purpose: n.purpose,
      excluded: n.excluded.map((x) => ({ data_category: x.category, processing_purpose: x.purpose })),
    })),
    data_categories: categories ?? [...new Set(affected.map((a) => a.category))],
    processing_cessation_initiated: affected.length > 0 || !!withdrawn?.narrowed?.length,
    position: r.appended ? positionToString(r.appended.position) : null,
    user_id: userId,
    ...(reportedPurposes !== undefined ? { processing_purposes: reportedPurposes } : {}),
    gpc: gpcAnswer(signals.gpc),
  };
}
