import { GDPR_ART9 } from '../law/special-categories';
import { invalid } from '../shared';
import { specialFlagsOf } from '../catalog';
import { EXPLICIT_CONSENT, type ConsentBasis } from '../law/consent';
import { AGE_ASSURANCE, CONSENT_GIVERS, KNOWN_JURISDICTIONS, PARENTAL_VERIFICATION, ageRule, type ConsentGiver } from '../law/children';
import type { AgeRecord, Explicitness } from './events';

export interface AgeInput {
  /** ISO 3166-1 alpha-2 (EU/EEA) or ISO 3166-2 (`US-CA`): where the subject is. */
  readonly jurisdiction: string;
  /** Whole years; only its band is kept. */
  readonly age: number;
  readonly establishedBy: string;
  readonly givenBy: ConsentGiver;
  readonly parentalVerification?: string | null;
}

/**
 * A consent naming a special category ([G] Art. 9(1)) must be explicit (Art. 9(2)(a)) and say how it
 * was made explicit; a plain consent for one is refused with what to send instead.
 */
export function explicitnessFor(categories: readonly string[], basis: ConsentBasis, method: string | null | undefined): Explicitness | null {
  const special = categories.filter((c) => specialFlagsOf(c).gdpr_art9);
  const methods = EXPLICIT_CONSENT.methods;
  if (method != null && !methods.includes(method)) {
    throw invalid(`explicit_consent_method must be one of ${methods.join(', ')} (${EXPLICIT_CONSENT.source})`, { field: 'explicit_consent_method', allowed: methods });
  }
  if (!special.length) return basis === 'explicit_consent' && method ? { method, source: EXPLICIT_CONSENT.source } : null;
  if (basis !== 'explicit_consent' || !method) {
    throw invalid(
      `data_categories name a special category (${GDPR_ART9.source}); a plain consent does not cover it: send legal_basis "explicit_consent" and explicit_consent_method (one of ${methods.join(', ')})`,
      { field: basis !== 'explicit_consent' ? 'legal_basis' : 'explicit_consent_method', allowed: methods },
    );
  }
  return { method, source: EXPLICIT_CONSENT.source };
}

/**
 * Who may consent at this age ([G] Art. 8(1) age per member state; CCPA opt-in under 16, by a parent
 * under 13, Civ. § 1798.120(c)). A child's own consent where the parent's is required is refused.
 */
export function ageRecordFor(input: AgeInput | null | undefined, saleOrSharing: boolean): AgeRecord | null {
  if (!input) return null;
  if (!Number.isInteger(input.age) || input.age < 0 || input.age > 130) throw invalid('subject_age must be a whole number of years from 0 to 130', { field: 'subject_age' });
  const rule = ageRule(input.jurisdiction, input.age);
  if (!rule) throw invalid(`jurisdiction must be one of ${KNOWN_JURISDICTIONS.join(', ')}`, { field: 'jurisdiction', allowed: KNOWN_JURISDICTIONS });
  if (!AGE_ASSURANCE.methods.includes(input.establishedBy)) {
    throw invalid(`age_established_by must be one of ${AGE_ASSURANCE.methods.join(', ')} (${AGE_ASSURANCE.source})`, { field: 'age_established_by', allowed: AGE_ASSURANCE.methods });
  }
  if (!CONSENT_GIVERS.includes(input.givenBy)) throw invalid(`given_by must be one of ${CONSENT_GIVERS.join(', ')}`, { field: 'given_by', allowed: CONSENT_GIVERS });
  const parentNeeded = rule.parent_required === 'all' || (rule.parent_required === 'sale_or_sharing' && saleOrSharing);
  const byParent = input.givenBy === 'holder_of_parental_responsibility';
  if (parentNeeded && !byParent) {
    throw invalid(
      `the subject is below the age of consent in ${rule.jurisdiction} (${rule.consent_age}; ${rule.source}): the holder of parental responsibility must give or authorise this consent: send given_by "holder_of_parental_responsibility" and parental_verification`,
      { field: 'given_by', allowed: ['holder_of_parental_responsibility'] },
    );
  }
  const verification = input.parentalVerification ?? null;
  if (byParent && (!verification || !PARENTAL_VERIFICATION.methods.includes(verification))) {
    throw invalid(`a consent by the holder of parental responsibility needs parental_verification, one of ${PARENTAL_VERIFICATION.methods.join(', ')} (${PARENTAL_VERIFICATION.source})`, {
      field: 'parental_verification',
      allowed: PARENTAL_VERIFICATION.methods,
    });
  }
  return {
    jurisdiction: rule.jurisdiction,
    consent_age: rule.consent_age,
    below_consent_age: rule.below_consent_age,
    parent_required: rule.parent_required,
    sale_opt_in_required: rule.sale_opt_in_required,
    established_by: input.establishedBy,
    given_by: input.givenBy,
    parental_verification: byParent ? verification : null,
    source: rule.source,
  };
}
