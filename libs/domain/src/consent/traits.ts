import { categoryCovers, isDirectMarketing, isSaleOrSharingPurpose, isSensitiveUseLimitable, purposeCovers, restrictionExceptionOf, specialFlagsOf } from '../catalog/taxonomy';
import { memoize } from '../shared/memo';
import type { RestrictionException } from '../law/consent';

/**
 * What the consent rules need to know about a purpose and a category, read from the catalog
 * taxonomy (the one source of these flags).
 */
export interface PurposeTraits {
  /** CCPA "sale" or "sharing" (cross-context behavioural advertising): blocked by an opt-out. */
  readonly sale_or_sharing: boolean;
  readonly targeted_advertising?: boolean;
  /** Direct marketing: an objection to it is absolute ([G] Art. 21(3)). */
  readonly direct_marketing?: boolean;
  /** Pure storage: the only processing allowed while restricted ([G] Art. 18(2)). */
  readonly storage?: boolean;
  /** The other Art. 18(2) exceptions (legal claims, protection of others, important public interest). */
  readonly restriction_exception?: RestrictionException | null;
  /** Sensitive PI used for a purpose the consumer may limit (Civ. § 1798.121, 11 CCR § 7027(m)). */
  readonly sensitive_category?: boolean;
  /** A special category of [G] Art. 9(1): only explicit consent counts (Art. 9(2)(a)). */
  readonly art9_category?: boolean;
}

export function purposeTraits(purpose: string, category: string): PurposeTraits {
  const flags = specialFlagsOf(category);
  const exception = restrictionExceptionOf(purpose);
  return {
    sale_or_sharing: isSaleOrSharingPurpose(purpose),
    direct_marketing: isDirectMarketing(purpose),
    storage: exception === 'storage',
    restriction_exception: exception,
    sensitive_category: flags.cpra_sensitive && isSensitiveUseLimitable(purpose),
    art9_category: flags.gdpr_art9,
  };
}

/** The special flags of a key as one comparable string ('' = none); memoised, it runs on the hot path. */
const specialSignature = memoize((key: string): string => {
  const f = specialFlagsOf(key);
  return f.gdpr_art9 || f.gdpr_art10 || f.cpra_sensitive ? `${f.art9_kind ?? ''}|${f.gdpr_art10}|${f.cpra_kind ?? ''}` : '';
});

/**
 * A consent to a category covers its descendants, except a special category ([G] Art. 9(1), Art. 10)
 * or CPRA sensitive PI (Civ. § 1798.140(ae)) that the consent did not name: `user` (the coarse
 * `personal`) never covers `user.health`; `user.health` covers `user.health.medical`.
 */
export function consentCategoryCovers(granted: string, asked: string): boolean {
  if (!categoryCovers(granted, asked)) return false;
  const sig = specialSignature(asked);
  return sig === '' || specialSignature(granted) === sig;
}

export interface Exclusion {
  readonly category: string;
  readonly purpose: string;
}

/** A grant for `user.contact` covers `user.contact.email`; one for `marketing` covers `marketing.communications.email`. */
export const grantCovers = (grant: { category: string; purpose: string }, category: string, purpose: string): boolean =>
  consentCategoryCovers(grant.category, category) && purposeCovers(grant.purpose, purpose);

/** Part of a broader grant withdrawn on its own ([G] Art. 7(3)): the rest of the grant stands. */
export const excludedBy = (exclusions: readonly Exclusion[] | undefined, category: string, purpose: string): boolean =>
  !!exclusions?.some((x) => categoryCovers(x.category, category) && purposeCovers(x.purpose, purpose));
