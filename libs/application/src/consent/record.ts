import { randomUUID } from 'node:crypto';
import { catalog, consent, invalid, positionToString } from '@pl/domain';
import { CONSENT_BASIS_ALIASES, type ExpiryPolicy } from '@pl/domain/law/consent';
import { isLawfulBasis } from '@pl/domain/law/lawful-bases';
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

/** Timestamps without a zone (the earlier Python service sent naive UTC datetimes) are read as UTC. */
export function utc(value: string): string {
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(value) ? `${value}Z` : value;
}

const NOT_A_CONSENT_BASIS =
  'legal_basis names a lawful basis other than consent: the ledger does not take it from a consent record; declare it for the purpose on a processing activity in the catalog (POST /governance/activities, purposes[].lawful_basis) and validate allows processing from there. A consent record takes legal_basis consent (Art. 6(1)(a)), or explicit_consent with explicit_consent_method for a special category (Art. 9(2)(a))';

/** expiry_timestamp, or the earlier service's expiry_date (the same instant if both are sent). */
function expiryOf(input: RecordConsentInput): string | null {
  const a = input.expiry_timestamp ?? null;
  const b = input.expiry_date ?? null;
  if (a && b && Date.parse(utc(a)) !== Date.parse(utc(b))) throw invalid('expiry_timestamp and expiry_date differ: send one of them', { field: 'expiry_date' });
  const v = a ?? b;
  return v ? utc(v) : null;
}

/** The earlier service's statuses: what they need beside the current fields, checked before anything is recorded. */
function checkLegacyStatus(input: RecordConsentInput, expiry: string | null, now: Date): void {
  if (input.withdrawal_timestamp != null && input.consent_status !== 'withdrawn') {
    throw invalid('withdrawal_timestamp goes with consent_status withdrawn: send consent_status withdrawn (or POST /consent/withdraw) to withdraw', { field: 'withdrawal_timestamp' });
  }
  if (input.consent_status !== 'expired') return;
  if (!expiry) throw invalid('consent_status expired needs expiry_date: when the consent lapsed', { field: 'expiry_date' });
  if (Date.parse(expiry) > now.getTime()) throw invalid('consent_status expired needs an expiry_date in the past; a consent that has not lapsed yet is consent_status given', { field: 'expiry_date' });
}

/** POST /consent/record: a consent given, refused, expired or (status withdrawn) withdrawn, with its proof (Art. 7(1)); pending records nothing. */
export function recordConsent(deps: AppDeps, execute: Execute, settings: RecordSettings) {
  return async (input: RecordConsentInput, ctx: CommandContext, signals: Signals) => {
    const subjectKey = subjectOf(deps, input.user_id);
    const categories = [...new Set(input.data_categories.map((c) => resolveCategory(c)))];
    const bodyPurposes = [...new Set(input.processing_purposes.map((p) => resolvePurpose(p)))];
    const basis = CONSENT_BASIS_ALIASES[input.legal_basis.trim()];
    if (!basis) {
      const other = isLawfulBasis(input.legal_basis.trim()) || catalog.impliedBasisOfCoarsePurpose(input.legal_basis.trim());
      throw invalid(other ? NOT_A_CONSENT_BASIS : 'a consent record needs legal_basis consent (Art. 6(1)(a)) or explicit_consent (Art. 9(2)(a)); other bases are declared per processing activity in the catalog', {
        field: 'legal_basis',
        allowed: Object.keys(CONSENT_BASIS_ALIASES),
      });
    }
    const expiry = expiryOf(input);
    checkLegacyStatus(input, expiry, ctx.now);
    const signal = input.consent_string ? parseConsentString(input.consent_string, settings.tcfPurposeMap) : null;
    const purposes = [...new Set([...bodyPurposes, ...(signal?.tcfPurposes ?? [])])];
    const { proof, extra } = proofFrom(input.consent_metadata, { collected_by: ctx.actor });
    const { gpc } = signals;
    const consentId = input.consent_id ?? randomUUID();
    const age = ageInput(input);
    const subject = { user_id: input.user_id, data_categories: categories, processing_purposes: purposes };
    const consentTimestamp = new Date(utc(input.consent_timestamp)).toISOString();
    const version = { consent_version: input.consent_version, consent_string: input.consent_string ?? null };

    if (input.consent_status === 'pending') {
      // asked, not answered: no consent ([G] Art. 4(11), 7(1)); nothing to record, and an earlier consent stays as it was
      return {
        consent_id: consentId,
        ...subject,
        consent_status: 'pending',
        consent_timestamp: consentTimestamp,
        expiry_timestamp: expiry,
        expiry_date: expiry,
        withdrawal_timestamp: null,
        legal_basis: basis,
        ...version,
        consent_metadata: input.consent_metadata ?? {},
        recorded: false,
        processing_allowed: false,
        reason: 'a pending consent is no consent (GDPR Art. 4(11), 7(1)): nothing was recorded and an earlier consent of the subject stays as it was; send consent_status given once the subject agrees',
        gpc: gpcAnswer(gpc),
        events: [],
        position: null,
      };
    }
    if (input.consent_status === 'withdrawn') {
      const clientTime = input.withdrawal_timestamp != null ? new Date(utc(input.withdrawal_timestamp)).toISOString() : null;
      // what the withdrawal does not act on is recorded with it (encrypted, as personal data), never dropped
      const recordedExtra = {
        ...(input.consent_id ? { consent_id: input.consent_id } : {}),
        ...(clientTime ? { client_withdrawal_timestamp: clientTime } : {}),
        consent_version: input.consent_version,
        ...(input.consent_metadata && Object.keys(input.consent_metadata).length ? { consent_metadata: input.consent_metadata } : {}),
      };
      const w = await withdrawal(execute, subjectKey, input.user_id, categories, purposes, undefined, ctx, signals, {
        extra: recordedExtra,
        subjectId: settings.keepSubjectIds ? input.user_id : null,
      });
      return {
        ...w,
        consent_id: input.consent_id ?? null,
        ...subject,
        consent_status: 'withdrawn',
        consent_timestamp: consentTimestamp,
        expiry_timestamp: null,
        expiry_date: null,
        legal_basis: basis,
        ...version,
        ...(clientTime ? { client_withdrawal_timestamp: clientTime } : {}),
        consent_metadata: input.consent_metadata ?? {},
        recorded: true,
      };
    }
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
        givenAt: utc(input.consent_timestamp),
        expiresAt: expiry,
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
    // from the recorded fact: a retry under an Idempotency-Key answered from the log carries the first run's id
    const recordedId: string = main?.data.consent_id ?? consentId;
    // a retry with the caller's consent_id appends nothing: the expiries are the recorded grants'
    const expiries: Record<string, string> = main
      ? main.type !== 'consent.refused' ? main.data.expires_at : {}
      : Object.fromEntries(Object.values(r.state.grants).flatMap((g) => (g.consent_id === recordedId && g.expires_at ? [[g.purpose, g.expires_at]] : [])));
    const earliest = Object.values(expiries).sort().at(0) ?? null;
    const lapsed = earliest !== null && Object.values(expiries).every((e) => Date.parse(e) <= ctx.now.getTime());
    return {
      consent_id: recordedId,
      ...subject,
      // one vocabulary with the access report and the earlier service: given, refused, expired, withdrawn, pending
      consent_status: status === 'refused' ? 'refused' : lapsed ? 'expired' : 'given',
      consent_timestamp: consentTimestamp,
      expiry_timestamp: earliest,
      expiry_date: earliest,
      withdrawal_timestamp: null,
      expiry_by_purpose: expiries,
      legal_basis: basis,
      ...(main && main.type !== 'consent.refused' && main.data.explicitness ? { explicitness: main.data.explicitness } : {}),
      ...(main && main.type !== 'consent.refused' && main.data.age ? { age: main.data.age } : {}),
      ...version,
      consent_metadata: { ...proof, ...(extra ?? {}) },
      recorded: true,
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
