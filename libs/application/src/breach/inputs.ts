import type { Art34Exemption } from '@pl/domain/law/breach';
import type { AuthorityPhase, BreachSource, RiskFactors, RiskLevel, SubjectNoticeJurisdiction } from '@pl/domain/breach';

/**
 * What a caller asks of the breach use cases, in the request's own (snake_case) shape: the HTTP DTOs
 * implement these (apps/api/src/breach/breach.dto.ts validates them at the edge).
 */
export interface DetectBreachInput {
  readonly aware_at: string;
  readonly source: BreachSource;
  readonly description: string;
  readonly reporter_role: string;
  readonly systems: string[];
  readonly window_from?: string;
  readonly window_to?: string;
}

/** Risk factors as given: counts and categories may come from the scope instead (`use_scope`). */
export type RiskFactorsInput = Omit<RiskFactors, 'categories' | 'special_categories' | 'subjects_count' | 'records_count' | 'likely_consequences'> & {
  readonly categories?: string[];
  readonly special_categories?: string[];
  readonly subjects_count?: number;
  readonly records_count?: number;
  readonly likely_consequences: string[];
};

export interface AssessBreachInput {
  readonly factors: RiskFactorsInput;
  readonly subject_jurisdictions?: Record<string, number>;
  readonly main_establishment?: string | null;
  readonly measures_taken: string[];
  readonly measures_proposed: string[];
  readonly contact_point: string;
  readonly override?: { readonly level: RiskLevel; readonly reason: string };
  readonly use_scope?: boolean;
}

export interface ScopeInput {
  readonly window_from?: string;
  readonly window_to?: string;
}

export interface NotifyAuthorityInput {
  readonly authority: string;
  readonly phase: AuthorityPhase;
  readonly reference?: string;
  readonly delay_reason?: string;
}

export interface NotifySubjectsInput {
  readonly jurisdiction: SubjectNoticeJurisdiction;
  readonly channel: string;
  readonly subjects_count?: number;
  /** The caller's subject ids; pseudonymised before they reach the log. */
  readonly subject_ids?: string[];
  readonly from_scope?: boolean;
  readonly delay_reason?: string;
}

export interface SubjectExemptionInput {
  readonly ground: Art34Exemption;
  readonly justification: string;
  readonly public_communication?: string;
}
