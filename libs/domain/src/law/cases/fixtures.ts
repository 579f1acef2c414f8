import type { RiskProfile } from '../../catalog/activity';
import type { RiskFactors } from '../../breach/risk';

/** Test inputs shared by the rule specs and the dated cases: nothing declared, nothing affected. */
export const NO_RISK_PROFILE: RiskProfile = {
  evaluation_scoring: false,
  automated_decision_legal_effect: false,
  systematic_monitoring: false,
  public_area_monitoring: false,
  large_scale: false,
  matching_datasets: false,
  innovative_technology: false,
  prevents_right_or_service: false,
  residual_risk: null,
};

export const NO_BREACH: RiskFactors = {
  confidentiality: false,
  integrity: false,
  availability: false,
  categories: ['user.contact.email', 'user.contact.address'],
  special_categories: [],
  subjects_count: 200,
  records_count: 400,
  identifiability: 'maximum',
  encrypted: false,
  keys_safe: false,
  backup_available: false,
  vulnerable_subjects: false,
  likely_consequences: [],
};
