import type { AppDeps } from '../core/app-deps';
import { consentCommand } from './execute';
import { expireDueConsents } from './expiry';
import { consentConflicts, consentHistory, consentMetrics, consentState, consentStateByKey, declaredBasesForSdk } from './queries';
import { recordConsent, withdrawConsent, type RecordSettings } from './record';
import { consentValidation } from './validate';

export type { ConsentResult } from './execute';
export type { RecordConsentInput, Signals, ValidateCheck, WithdrawConsentInput } from './inputs';
export { gpcReceived } from './gpc';
export { CONFLICT_KINDS, CONFLICT_RULES, CONSENT_METRICS_MAX_DAYS, personalFieldsState } from './queries';
export type { ValidationAnswer } from './validate';
export { idFromEventId, LEGACY_CONSENT_TOPICS, LEGACY_SOURCE, legacyConsentIntake } from './legacy';
export type { LegacyConsentEnded, LegacyConsentGiven, LegacyConsentMessage, LegacyConsentTopic } from './legacy';

export type ConsentSettings = RecordSettings;

/**
 * The consent context's use cases (route -> use case -> consent decider -> log -> consent read model),
 * framework-free; bound once in the composition root (apps/common/application.ts).
 */
export function createConsentUseCases(deps: AppDeps, settings: ConsentSettings) {
  const execute = consentCommand(deps);
  const { validate, validateBatch } = consentValidation(deps, execute);
  return {
    /** A consent decider command with read-your-writes (also for other contexts' process managers). */
    execute,
    record: recordConsent(deps, execute, settings),
    withdraw: withdrawConsent(deps, execute, settings),
    validate,
    validateBatch,
    state: consentState(deps),
    stateByKey: consentStateByKey(deps),
    metrics: consentMetrics(deps),
    conflicts: consentConflicts(deps),
    history: consentHistory(deps),
    declaredBases: declaredBasesForSdk(deps),
    /** The worker's consent-expiry job. */
    expireDue: expireDueConsents(deps),
  };
}

export type ConsentUseCases = ReturnType<typeof createConsentUseCases>;
