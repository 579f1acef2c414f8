import { catalog, consent, invalid } from '@pl/domain';
import type { AppDeps } from '../core/app-deps';

/** Taxonomy resolution and traits are pure: memoised for the hot path (bounded; no key built for one argument). */
function memo<T>(fn: (k: string) => T, max = 10_000): (k: string) => T {
  const cache = new Map<string, T>();
  return (k) => {
    const hit = cache.get(k);
    if (hit !== undefined) return hit;
    const v = fn(k);
    if (cache.size >= max) cache.clear();
    cache.set(k, v);
    return v;
  };
}
function memo2<T>(fn: (a: string, b: string) => T, max = 10_000): (a: string, b: string) => T {
  const cache = new Map<string, Map<string, T>>();
  let size = 0;
  return (a, b) => {
    let inner = cache.get(a);
    const hit = inner?.get(b);
    if (hit !== undefined) return hit;
    const v = fn(a, b);
    if (size >= max) {
      cache.clear();
      size = 0;
      inner = undefined;
    }
    if (!inner) cache.set(a, (inner = new Map()));
    inner.set(b, v);
    size += 1;
    return v;
  };
}
export const resolveCategory = memo((v) => catalog.resolveCategory(v));
export const resolvePurpose = memo((v) => catalog.resolvePurpose(v));
export const traitsOf = memo2((purpose, category) => consent.purposeTraits(purpose, category));

/** The caller's subject id -> its pseudonymous key (never logged). */
export function subjectOf(deps: Pick<AppDeps, 'pseudonymizer'>, userId: string): string {
  if (typeof userId !== 'string' || !userId.trim()) throw invalid('user_id is required', { field: 'user_id' });
  return deps.pseudonymizer.subject(userId);
}
