/**
 * What a caller asks of the consent use cases, in the request's own (snake_case) shape: the HTTP
 * DTOs implement these and the CLI's seed builds them, so both go through the same rules.
 */
export interface RecordConsentInput {
  readonly user_id: string;
  readonly data_categories: readonly string[];
  readonly processing_purposes: readonly string[];
  /**
   * granted/given/accepted, denied/refused/rejected, withdrawn, or (the earlier service's) pending: not a
   * consent, nothing recorded; expired: a consent given at consent_timestamp that lapsed at expiry_date.
   */
  readonly consent_status: string;
  readonly consent_timestamp: string;
  readonly expiry_timestamp?: string | null;
  readonly consent_string?: string | null;
  readonly legal_basis: string;
  readonly consent_version: string;
  readonly consent_metadata?: Record<string, unknown>;
  readonly explicit_consent_method?: string;
  readonly subject_age?: number;
  readonly jurisdiction?: string;
  readonly age_established_by?: string;
  readonly given_by?: string;
  readonly parental_verification?: string;
  /** The earlier service's shape: the client's own consent id (a UUID), used as the ledger's; a retry with it appends nothing. */
  readonly consent_id?: string | null;
  /** The earlier service's name for expiry_timestamp. */
  readonly expiry_date?: string | null;
  /** The earlier service's withdrawal time (status withdrawn): recorded with the withdrawal and echoed; the withdrawal counts from when the ledger receives it (Art. 7(3)). */
  readonly withdrawal_timestamp?: string | null;
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
