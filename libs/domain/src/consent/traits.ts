import { categoryCovers, isDirectMarketing, isSaleOrSharingPurpose, isSensitiveUseLimitable, purposeCovers, specialFlagsOf } from '../catalog';

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
  /** Sensitive PI used for a purpose the consumer may limit (Civ. § 1798.121, 11 CCR § 7027(m)). */
  readonly sensitive_category?: boolean;
}

export function purposeTraits(purpose: string, category: string): PurposeTraits {
  return {
    sale_or_sharing: isSaleOrSharingPurpose(purpose),
    direct_marketing: isDirectMarketing(purpose),
    sensitive_category: specialFlagsOf(category).cpra_sensitive && isSensitiveUseLimitable(purpose),
  };
}

/** A grant for `user.contact` covers `user.contact.email`; one for `marketing` covers `marketing.communications.email`. */
export const grantCovers = (grant: { category: string; purpose: string }, category: string, purpose: string): boolean =>
  categoryCovers(grant.category, category) && purposeCovers(grant.purpose, purpose);

/** Both directions: used to decide what a withdrawal ends (over-withdrawing is safe, under-withdrawing is not). */
export const overlaps = (a: string, b: string): boolean => categoryCovers(a, b) || categoryCovers(b, a);
