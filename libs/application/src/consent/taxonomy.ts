import { catalog, consent, invalid } from '@pl/domain';
import type { AppDeps } from '../core/app-deps';

/** Taxonomy resolution and traits are pure: memoised for the hot path (bounded). */
function memo<T>(fn: (...k: string[]) => T, max = 10_000): (...k: string[]) => T {
  const cache = new Map<string, T>();
  return (...k: string[]) => {
    const key = k.join('\u0000');
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    const v = fn(...k);
    if (cache.size >= max) cache.clear();
    cache.set(key, v);
    return v;
  };
}
export const resolveCategory = memo((v) => catalog.resolveCategory(v));
export const resolvePurpose = memo((v) => catalog.resolvePurpose(v));
export const traitsOf = memo((purpose, category) => consent.purposeTraits(purpose, category));

/** The caller's subject id -> its pseudonymous key (never logged). */
export function subjectOf(deps: Pick<AppDeps, 'pseudonymizer'>, userId: string): string {
  if (typeof userId !== 'string' || !userId.trim()) throw invalid('user_id is required', { field: 'user_id' });
  return deps.pseudonymizer.subject(userId);
}
