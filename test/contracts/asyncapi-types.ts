/**
 * The wire types that docs/asyncapi.yaml describes, as the code declares them. The document's schemas
 * marked `x-generated-from` are generated from these (test/contracts/asyncapi-schemas.ts) and
 * asyncapi.spec.ts fails when the two differ: the TypeScript types are the one source.
 * Generic types appear through non-generic interfaces: the generator starts only from non-generic ones.
 */
import type { EventEnvelope, RightsTask as SdkRightsTask, RightsTaskResult as SdkRightsTaskResult, StateMessage } from '../../libs/sdk/src/contract';
import type { ConsentState } from '../../libs/domain/src/consent/state';
import type { ConsentEvent } from '../../libs/domain/src/consent/events';
import type { BreachEvent } from '../../libs/domain/src/breach/breach.events';
import type { EncryptedField } from '../../libs/crypto/src/field-cipher';
import type { RightsEvent, TaskDispatchedData } from '../../libs/domain/src/rights/events';
import type { RetentionExpiredData, RetentionObligationEndedData } from '../../libs/domain/src/catalog/receipts';
import type { PublishedHead } from '../../libs/audit/src/held-heads';

/* eslint-disable @typescript-eslint/no-empty-object-type */
export interface EventEnvelopeV1 extends EventEnvelope {}
export interface ConsentStateMessage extends StateMessage<ConsentState> {}
/** What the SDK's `RightsTaskWorker` hands `onTask`: a view of TaskDispatchedData (asyncapi.spec.ts checks it stays one). */
export type RightsTask = SdkRightsTask;
export type { TaskDispatchedData };
export type RightsTaskResult = SdkRightsTaskResult;
export type RecipientNotified = Extract<RightsEvent, { type: 'rights.recipient_notified' }>['data'];
export type { RetentionExpiredData, RetentionObligationEndedData };
export interface AuditHead extends PublishedHead {}

/** The `data` of each consent event type (asyncapi-schemas.ts replaces its declared personal fields by EncryptedField). */
type ConsentData<T extends ConsentEvent['type']> = Extract<ConsentEvent, { type: T }>['data'];
export type ConsentGivenEventData = ConsentData<'consent.given'>;
export type ConsentRenewedEventData = ConsentData<'consent.renewed'>;
export type ConsentRefusedEventData = ConsentData<'consent.refused'>;
export type ConsentWithdrawnEventData = ConsentData<'consent.withdrawn'>;
export type ConsentExpiredEventData = ConsentData<'consent.expired'>;
export type ConsentOptOutRecordedEventData = ConsentData<'consent.opt_out_recorded'>;
export type ConsentOptOutConflictRecordedEventData = ConsentData<'consent.opt_out_conflict_recorded'>;
export type ConsentProcessingRestrictedEventData = ConsentData<'consent.processing_restricted'>;
export type ConsentRestrictionLiftedEventData = ConsentData<'consent.restriction_lifted'>;
export type ConsentObjectionRecordedEventData = ConsentData<'consent.objection_recorded'>;
export type { EncryptedField };

/** The `data` of each breach event type (asyncapi-schemas.ts replaces its declared personal fields by EncryptedField). */
type BreachData<T extends BreachEvent['type']> = Extract<BreachEvent, { type: T }>['data'];
export type BreachDetectedEventData = BreachData<'breach.detected'>;
export type BreachAssessedEventData = BreachData<'breach.assessed'>;
export type BreachAuthorityNotifiedEventData = BreachData<'breach.authority_notified'>;
export type BreachSubjectsNotifiedEventData = BreachData<'breach.subjects_notified'>;
export type BreachSubjectNoticePreparedEventData = BreachData<'breach.subject_notice_prepared'>;
export type BreachSubjectNoticeExemptionRecordedEventData = BreachData<'breach.subject_notice_exemption_recorded'>;
export type BreachAttorneyGeneralNotifiedEventData = BreachData<'breach.attorney_general_notified'>;
export type BreachDeadlineWarningEventData = BreachData<'breach.deadline_warning'>;
export type BreachDeadlineOverdueEventData = BreachData<'breach.deadline_overdue'>;
export type BreachClosedEventData = BreachData<'breach.closed'>;
export type BreachReopenedEventData = BreachData<'breach.reopened'>;
