import { catalog, consent, invalid, memoize } from '@pl/domain';
import type { AppDeps } from '../core/app-deps';

/** Taxonomy resolution and traits are pure: memoised for the hot path (bounded). */
export const resolveCategory = memoize((v) => catalog.resolveCategory(v));
export const resolvePurpose = memoize((v) => catalog.resolvePurpose(v));
const traitsByPurpose = memoize((purpose) => memoize((category) => consent.purposeTraits(purpose, category)));
export const traitsOf = (purpose: string, category: string) => traitsByPurpose(purpose)(category);

/** The caller's subject id -> its pseudonymous key (never logged). */
export function subjectOf(deps: Pick<AppDeps, 'pseudonymizer'>, userId: string): string {
  if (typeof userId !== 'string' || !userId.trim()) throw invalid('user_id is required', { field: 'user_id' });
  return deps.pseudonymizer.subject(userId);
}
