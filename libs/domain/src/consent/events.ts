import type { DomainEvent } from '../shared';
import type { ConsentBasis, OptOutKind, OptOutSource } from '../law/consent';
import type { ConsentGiver } from '../law/children';
import type { Exclusion } from './traits';

/** One category x purpose pair covered by a consent. */
export interface GrantRef {
  readonly category: string;
  readonly purpose: string;
  readonly consent_id: string;
}

/**
 * Proof of consent ([G] Art. 7(1); EDPB 05/2020; ICO; CNIL). `ip_address`, `user_agent` and `page`
 * are personal data: the codec encrypts them before the event reaches the log.
 */
export interface ConsentProof {
  readonly notice_id: string | null;
  readonly notice_version: string | null;
  /** SHA-256 (hex) of the exact notice text shown. */
  readonly notice_hash: string | null;
  readonly privacy_policy_version: string | null;
  /** Which affirmative action: `checkbox`, `button`, `banner_accept_all`, `api`, ... */
  readonly method: string | null;
  readonly channel: string | null;
  readonly page: string | null;
  readonly language: string | null;
  readonly collected_by: string | null;
  readonly ip_address: string | null;
  readonly user_agent: string | null;
}

/** PII-free summary of a TC string; the string itself is kept encrypted in `consent_string`. */
export interface TcfSummary {
  readonly version: number;
  readonly cmp_id: number;
  readonly cmp_version: number;
  readonly consent_screen: number;
  readonly consent_language: string;
  readonly vendor_list_version: number;
  readonly policy_version: number;
  readonly is_service_specific: boolean;
  readonly publisher_cc: string;
  readonly created: string | null;
  readonly last_updated: string | null;
  readonly purpose_consents: number[];
  readonly purpose_legitimate_interests: number[];
  readonly special_feature_opt_ins: number[];
  readonly vendor_consents: number[];
  readonly vendor_legitimate_interests: number[];
  /** Internal purposes the consented TCF purposes map to (configurable data, law/consent.ts). */
  readonly mapped_purposes: string[];
}

export interface GppSummary {
  readonly section_ids: number[];
  readonly sections: string[];
  /** Per US section: the opt-out fields read from it (1 = opted out, 2 = did not opt out, 0 = n/a). */
  readonly us: Record<string, { sale_opt_out: number; sharing_opt_out: number; targeted_advertising_opt_out: number | null; sensitive_data_processing: number[]; gpc: boolean | null }>;
  readonly opt_outs: OptOutKind[];
}

export interface UspSummary {
  readonly version: number;
  readonly notice_given: 'Y' | 'N' | '-';
  readonly opted_out_of_sale: 'Y' | 'N' | '-';
  readonly lspa_covered: 'Y' | 'N' | '-';
}

export type SignalSummary =
  | { readonly kind: 'tcf'; readonly tcf: TcfSummary }
  | { readonly kind: 'gpp'; readonly gpp: GppSummary }
  | { readonly kind: 'usp'; readonly usp: UspSummary };

/** How a consent to special categories was made explicit ([G] Art. 9(2)(a)). */
export interface Explicitness {
  readonly method: string;
  readonly source: string;
}

/**
 * Age facts of a consent ([G] Art. 8; Civ. § 1798.120(c)): the rule as decided when it was given, so
 * a replay answers alike whatever the table says later. The age itself is not kept, only its band.
 */
export interface AgeRecord {
  readonly jurisdiction: string;
  readonly consent_age: number;
  readonly below_consent_age: boolean;
  readonly parent_required: 'all' | 'sale_or_sharing' | null;
  readonly sale_opt_in_required: boolean;
  readonly established_by: string;
  readonly given_by: ConsentGiver;
  readonly parental_verification: string | null;
  readonly source: string;
}

export type ConsentGivenData = {
  readonly consent_id: string;
  readonly subject_key: string;
  readonly data_categories: string[];
  readonly processing_purposes: string[];
  readonly legal_basis: ConsentBasis;
  readonly consent_version: string;
  readonly given_at: string;
  /** Per purpose; the earliest is reported as the record's expiry. */
  readonly expires_at: Record<string, string>;
  /** Consent ids this record replaces for the same pairs (renewal). */
  readonly renews: string[];
  readonly proof: ConsentProof;
  /** Encrypted: TC/GPP/US Privacy string (personal data, CJEU C-604/22). */
  readonly consent_string: string | null;
  readonly signal: SignalSummary | null;
  /** Encrypted free-form metadata from the caller (may hold free text). */
  readonly extra: Record<string, unknown> | null;
  /** Absent in events before 2026-12: read as null (plain consent). */
  readonly explicitness?: Explicitness | null;
  /** Absent when no age was given (and in events before 2026-12). */
  readonly age?: AgeRecord | null;
  /** Encrypted: the caller's own subject id, kept only while legacy Kafka publishing is on (absent otherwise). */
  readonly subject_id?: string | null;
};

export type ConsentEvent =
  | DomainEvent<'consent.given', ConsentGivenData>
  | DomainEvent<'consent.renewed', ConsentGivenData>
  | DomainEvent<'consent.refused', {
      readonly consent_id: string;
      readonly subject_key: string;
      readonly data_categories: string[];
      readonly processing_purposes: string[];
      readonly consent_version: string;
      readonly refused_at: string;
      readonly proof: ConsentProof;
      readonly consent_string: string | null;
      readonly signal: SignalSummary | null;
      readonly extra: Record<string, unknown> | null;
      readonly subject_id?: string | null;
    }>
  | DomainEvent<'consent.withdrawn', {
      readonly subject_key: string;
      readonly withdrawn_at: string;
      /** The scope asked for (null = every category / every purpose). */
      readonly data_categories: string[] | null;
      readonly processing_purposes: string[] | null;
      readonly affected: GrantRef[];
      /** Broader grants that stay, minus the withdrawn part (absent before 2026-12, when a withdrawal ended the broader grant). */
      readonly narrowed?: Array<GrantRef & { readonly excluded: Exclusion[] }>;
      /** Encrypted: fields of a legacy withdrawal the ledger does not act on (type, reason, required actions); absent otherwise. */
      readonly extra?: Record<string, unknown>;
      /** Encrypted: as in consent.given. */
      readonly subject_id?: string;
    }>
  | DomainEvent<'consent.expired', { readonly subject_key: string; readonly expired_at: string; readonly expired: Array<GrantRef & { readonly expires_at: string }> }>
  | DomainEvent<'consent.opt_out_recorded', {
      readonly subject_key: string;
      readonly kinds: OptOutKind[];
      readonly source: OptOutSource;
      readonly recorded_at: string;
      /** E.g. the GPP section or `Sec-GPC` header. */
      readonly detail: string | null;
    }>
  /**
   * A consent to sale/sharing meets an opt-out, in either order, and how it was resolved (law/consent.ts
   * `optOutYieldsTo`). Events before 2026-12 carry neither direction nor resolution: a consent after an
   * opt-out that the opt-out won.
   */
  | DomainEvent<'consent.opt_out_conflict_recorded', {
      readonly subject_key: string;
      readonly consent_id: string;
      readonly purposes: string[];
      readonly opt_outs: OptOutKind[];
      readonly sources: OptOutSource[];
      readonly detected_at: string;
      readonly direction?: ConflictDirection;
      readonly resolution?: ConflictResolution;
      /** Grants the opt-out ended (opt_out_after_consent). */
      readonly ended?: GrantRef[];
      /** When the business may ask again to opt back in (Civ. § 1798.135(c)(4)); null for GPC. */
      readonly reask_allowed_from?: string | null;
      readonly rule?: string;
    }>
  | DomainEvent<'consent.processing_restricted', { readonly subject_key: string; readonly restricted_at: string; readonly request_id: string | null; readonly reason: string | null }>
  | DomainEvent<'consent.restriction_lifted', { readonly subject_key: string; readonly lifted_at: string; readonly request_id: string | null }>
  | DomainEvent<'consent.objection_recorded', {
      readonly subject_key: string;
      readonly recorded_at: string;
      /** Purposes objected to; null = every legitimate-interest / public-task purpose. */
      readonly purposes: string[] | null;
      readonly direct_marketing: boolean;
      readonly request_id: string | null;
    }>;

export type ConflictDirection = 'consent_after_opt_out' | 'opt_out_after_consent';
/** `opt_out_prevails`: the grant does not count for sale/sharing; `consent_prevails`: the opt-out is lifted. */
export type ConflictResolution = 'opt_out_prevails' | 'consent_prevails';

export type ConsentEventType = ConsentEvent['type'];
export const CONSENT_EVENT_PREFIX = 'consent.';
