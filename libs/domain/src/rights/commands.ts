import type { Channel, Integration, ObjectionScope, RejectionReason, RetainedItem, TaskOutcome } from './events';
import type { Establishment } from '../law/establishment';
import type { Jurisdiction, RequestType } from './request-types';
import type { AccessScope, AgentInfo, VerificationEvidence } from './verification';

/** An open request of the same subject, found by the caller (projection lookup) for duplicate detection. */
export interface OpenRequestRef {
  readonly request_id: string;
  readonly request_type: RequestType;
}

export interface TaskSpec {
  readonly taskId: string;
  readonly systemId: string;
  readonly integration: Integration;
  readonly categories: readonly string[];
  readonly retained?: readonly RetainedItem[];
}

export type RightsCommand =
  | {
      readonly type: 'ReceiveRequest';
      readonly requestId: string;
      readonly subjectKey: string;
      readonly requestType: RequestType;
      readonly jurisdiction: Jurisdiction;
      readonly channel: Channel;
      readonly authorisedAgent?: AgentInfo | null;
      readonly isAccountHolder?: boolean;
      readonly accessScope?: AccessScope | null;
      readonly dataCategories?: readonly string[] | null;
      readonly objection?: { readonly scope: ObjectionScope; readonly purposes?: readonly string[] | null } | null;
      /** Rectification (Art. 16; Civ. § 1798.106): corrected values per data category. Personal: encrypted in the log. */
      readonly corrections?: Readonly<Record<string, string>> | null;
      /** Holiday calendar id (law/holidays.ts); overrides the establishment's calendar. */
      readonly calendar?: string;
      /** GDPR: the controller's establishment (catalog default or per-request override); none = England (law/establishment.ts). */
      readonly establishment?: Establishment | null;
      /** Found while looking the establishment up (e.g. the catalog names several): recorded with the calendar warnings. */
      readonly establishmentWarnings?: readonly string[];
      readonly openRequests: readonly OpenRequestRef[];
      readonly now: Date;
    }
  | { readonly type: 'ConfirmReceipt'; readonly now: Date }
  | { readonly type: 'RequestIdentityInfo'; readonly reason: string; readonly now: Date }
  | { readonly type: 'VerifyIdentity'; readonly evidence: VerificationEvidence; readonly now: Date }
  | { readonly type: 'ExtendDeadline'; readonly reason: string; readonly now: Date }
  | { readonly type: 'DispatchTasks'; readonly tasks: readonly TaskSpec[]; readonly recipients?: readonly string[]; readonly now: Date }
  /** `seenAttempt`: the send the caller saw go unanswered; a task sent again since is left alone (a repeated clock tick re-sends once). */
  | { readonly type: 'RetryTask'; readonly taskId: string; readonly seenAttempt?: number; readonly now: Date }
  | { readonly type: 'EscalateTask'; readonly taskId: string; readonly reason: string; readonly now: Date }
  | {
      readonly type: 'RecordTaskResult';
      readonly taskId: string;
      readonly outcome: TaskOutcome;
      readonly recordsAffected?: number | null;
      readonly reason?: string | null;
      readonly retained?: readonly RetainedItem[];
      readonly data?: Record<string, unknown> | null;
      readonly now: Date;
    }
  | { readonly type: 'CompleteRequest'; readonly now: Date }
  | { readonly type: 'RejectRequest'; readonly reason: RejectionReason; readonly explanation: string; readonly now: Date }
  | { readonly type: 'FlagDeadlines'; readonly now: Date }
  | { readonly type: 'NotifyRestrictionLift'; readonly reason: string; readonly now: Date }
  | { readonly type: 'LiftRestriction'; readonly now: Date }
  | { readonly type: 'OverrideObjection'; readonly grounds: string; readonly now: Date }
  | { readonly type: 'RecordDataRelease'; readonly releasedTo: string; readonly sections: readonly string[]; readonly format: 'json' | 'csv'; readonly items: number; readonly now: Date }
  | {
      readonly type: 'RecordLedgerErasure';
      readonly dataKeysShredded: number;
      readonly readModelsPurged: readonly string[];
      /** Items the erasure analysis kept (system, category, legal reason); recorded on the erasure event. */
      readonly retained?: readonly RetainedItem[];
      readonly ground: string;
      readonly now: Date;
    };
