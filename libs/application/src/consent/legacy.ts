import { createHash } from 'node:crypto';
import { newIdempotencyScope } from '../commands/idempotency';
import type { CommandContext } from '../commands/command-context';
import type { RecordConsentInput, Signals, WithdrawConsentInput } from './inputs';

/** The four topics of the earlier Node consent manager (issue 16): their names are its contract. */
export const LEGACY_CONSENT_TOPICS = {
  given: 'consent.given',
  withdrawn: 'consent.withdrawn',
  expired: 'consent.expired',
  updated: 'consent.updated',
} as const;
export type LegacyConsentTopic = (typeof LEGACY_CONSENT_TOPICS)[keyof typeof LEGACY_CONSENT_TOPICS];

/** `consent.given` (and `consent.updated`) as its producers send it. */
export interface LegacyConsentGiven {
  readonly kind: 'given';
  readonly topic: LegacyConsentTopic;
  readonly eventId: string;
  readonly userId: string;
  readonly consentId: string | null;
  readonly timestamp: string;
  readonly dataCategories: readonly string[];
  readonly processingPurposes: readonly string[];
  readonly consentStatus: string;
  readonly legalBasis: string;
  readonly expiryDate: string | null;
  readonly consentString: string | null;
  /** `userAgent`, `ipAddress`, `consentInterface`, `language` and whatever else the producer put there. */
  readonly metadata: Record<string, unknown>;
  /** Top-level fields beyond the shape: recorded, never dropped. */
  readonly unknownFields: Record<string, unknown>;
}

/** `consent.withdrawn` (and `consent.expired`, which ends the named scope the same way). */
export interface LegacyConsentEnded {
  readonly kind: 'ended';
  readonly topic: LegacyConsentTopic;
  readonly eventId: string;
  readonly userId: string;
  readonly timestamp: string;
  /** Empty: every category. */
  readonly dataCategories: readonly string[];
  readonly processingPurposes: readonly string[] | null;
  readonly withdrawalType: string | null;
  readonly reason: string | null;
  readonly requiredActions: readonly string[];
  readonly urgency: string | null;
  readonly consentId: string | null;
  readonly unknownFields: Record<string, unknown>;
}

export type LegacyConsentMessage = LegacyConsentGiven | LegacyConsentEnded;

/** Withdrawal types that end every category whatever the list says (a wider withdrawal only denies more). */
const WITHDRAW_ALL = new Set(['full', 'all', 'complete', 'total']);

/** Marks facts recorded from the legacy topics (metadata, PII-free): the legacy publisher does not echo them back. */
export const LEGACY_SOURCE = 'legacy-kafka';

/** A UUID-shaped id derived from the producer's eventId: a redelivered or re-produced message gets the same one. */
export function idFromEventId(eventId: string, purpose: string): string {
  const h = createHash('sha256').update(`${purpose}\u0000${eventId}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16], 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

interface ConsentPorts {
  record(input: RecordConsentInput, ctx: CommandContext, signals: Signals): Promise<unknown>;
  withdraw(input: WithdrawConsentInput, ctx: CommandContext, signals: Signals, extra?: Record<string, unknown>): Promise<unknown>;
}

/**
 * A legacy consent message -> the consent use cases, so every rule of the ledger applies (coarse
 * categories never widen, special categories need explicit consent, ...): a refusal is a DomainError
 * the consumer dead-letters with its reason. Idempotent: the idempotency claim derives from the
 * eventId, so a redelivered or re-produced message finds its facts in the subject's stream and records none.
 */
export function legacyConsentIntake(consent: ConsentPorts, clock: () => Date = () => new Date()) {
  return async (m: LegacyConsentMessage): Promise<void> => {
    const ctx: CommandContext = {
      actor: 'service:legacy-consent-manager',
      correlationId: idFromEventId(m.eventId, 'correlation'),
      now: clock(),
      extra: { source: LEGACY_SOURCE, legacy_topic: m.topic },
      idempotency: newIdempotencyScope(`legacy:${createHash('sha256').update(m.eventId).digest('hex').slice(0, 32)}`),
    };
    const signals: Signals = { gpc: false };
    if (m.kind === 'given') {
      const { userAgent, ipAddress, consentInterface, language, ...otherMetadata } = m.metadata;
      await consent.record(
        {
          user_id: m.userId,
          data_categories: m.dataCategories,
          processing_purposes: m.processingPurposes,
          consent_status: m.consentStatus,
          consent_timestamp: m.timestamp,
          ...(m.expiryDate ? { expiry_timestamp: m.expiryDate } : {}),
          ...(m.consentString ? { consent_string: m.consentString } : {}),
          legal_basis: m.legalBasis,
          consent_version: 'legacy',
          consent_metadata: {
            ...otherMetadata,
            ...(userAgent !== undefined ? { user_agent: userAgent } : {}),
            ...(ipAddress !== undefined ? { ip_address: ipAddress } : {}),
            ...(consentInterface !== undefined ? { channel: consentInterface } : {}),
            ...(language !== undefined ? { language } : {}),
            collected_by: 'legacy-consent-manager',
            legacy_event_id: m.eventId,
            ...(m.consentId ? { legacy_consent_id: m.consentId } : {}),
            ...(Object.keys(m.unknownFields).length ? { legacy_fields: m.unknownFields } : {}),
          },
        },
        ctx,
        signals,
      );
      return;
    }
    const all = m.dataCategories.length === 0 || (m.withdrawalType !== null && WITHDRAW_ALL.has(m.withdrawalType.toLowerCase()));
    await consent.withdraw(
      { user_id: m.userId, data_categories: all ? [] : m.dataCategories, ...(m.processingPurposes?.length ? { processing_purposes: m.processingPurposes } : {}) },
      ctx,
      signals,
      {
        legacy_event_id: m.eventId,
        legacy_timestamp: m.timestamp,
        ...(m.withdrawalType !== null ? { withdrawal_type: m.withdrawalType } : {}),
        ...(m.reason !== null ? { reason: m.reason } : {}),
        required_actions: m.requiredActions,
        ...(m.urgency !== null ? { urgency: m.urgency } : {}),
        ...(m.consentId ? { legacy_consent_id: m.consentId } : {}),
        ...(Object.keys(m.unknownFields).length ? { legacy_fields: m.unknownFields } : {}),
      },
    );
  };
}
