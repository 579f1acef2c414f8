import type { Art9Condition } from '../law/special-categories';
import type { LawfulBasis } from '../law/lawful-bases';

/**
 * Fides (ethyca/fides, fideslang 3.x models) values the catalog maps one to one. Sources:
 * fideslang `LegalBasisForProcessingEnum` (GDPR Art. 6(1)) and `SpecialCategoryLegalBasisEnum`
 * (GDPR Art. 9(2)), src/fideslang/models.py at tag 3.1.2.
 */
export const FIDES_LEGAL_BASES: Readonly<Record<string, LawfulBasis>> = {
  Consent: 'consent',
  Contract: 'contract',
  'Legal obligations': 'legal_obligation',
  'Vital interests': 'vital_interests',
  'Public interest': 'public_task',
  'Legitimate interests': 'legitimate_interests',
};

export const FIDES_SPECIAL_CATEGORY_BASES: Readonly<Record<string, Art9Condition>> = {
  'Explicit consent': 'explicit_consent',
  'Employment, social security and social protection': 'employment_social_security',
  'Vital interests': 'vital_interests',
  'Not-for-profit bodies': 'not_for_profit_body',
  'Made public by the data subject': 'made_public_by_subject',
  'Legal claims or judicial acts': 'legal_claims',
  'Reasons of substantial public interest (with a basis in law)': 'substantial_public_interest',
  'Health or social care (with a basis in law)': 'health_or_social_care',
  'Public health (with a basis in law)': 'public_health',
  'Archiving, research and statistics (with a basis in law)': 'archiving_research_statistics',
};

const invert = <V extends string>(m: Readonly<Record<string, V>>): Readonly<Record<V, string>> =>
  Object.fromEntries(Object.entries(m).map(([k, v]) => [v, k])) as Record<V, string>;

export const LEGAL_BASIS_TO_FIDES = invert(FIDES_LEGAL_BASES);
export const ART9_CONDITION_TO_FIDES = invert(FIDES_SPECIAL_CATEGORY_BASES);

/**
 * Facts the catalog holds that Fides has no field for (storage countries, activity ids, controller
 * contacts, transfers, flows to recipients) ride in `meta.privacy_ledger` of the exported system and
 * dataset resources (fideslang's free `meta` mapping), so export then import gives the same catalog.
 */
export const FIDES_META_KEY = 'privacy_ledger';
