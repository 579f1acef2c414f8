/**
 * What a caller asks of the consent use cases, in the request's own (snake_case) shape: the HTTP
 * DTOs implement these and the CLI's seed builds them, so both go through the same rules.
 */
export interface RecordConsentInput {
  readonly user_id: string;
  readonly data_categories: readonly string[];
  readonly processing_purposes: readonly string[];
  /** granted/given/accepted, denied/refused/rejected, or withdrawn. */
  readonly consent_status: string;
  readonly consent_timestamp: string;
  readonly expiry_timestamp?: string;
  readonly consent_string?: string;
  readonly legal_basis: string;
  readonly consent_version: string;
  readonly consent_metadata?: Record<string, unknown>;
  readonly explicit_consent_method?: string;
  readonly subject_age?: number;
  readonly jurisdiction?: string;
  readonly age_established_by?: string;
  readonly given_by?: string;
  readonly parental_verification?: string;
}

export interface WithdrawConsentInput {
  readonly user_id: string;
  /** Empty (or `["all"]`) withdraws every category. */
  readonly data_categories: readonly string[];
  readonly processing_purposes?: readonly string[];
}

export interface ValidateCheck {
  readonly user_id: string;
  readonly data_category: string;
  readonly processing_purpose: string;
}

/** `Sec-GPC: 1` came with the call (11 CCR § 7025): read from the request by the edge. */
export interface Signals {
  readonly gpc: boolean;
}
