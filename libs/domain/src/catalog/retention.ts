import type { LawfulBasis } from '../law/lawful-bases';
import type { ActivitySnapshot } from './activity';
import { addDuration, parseDuration } from './common';
import { categoryCovers, purposeCovers } from './taxonomy';

export interface Holding {
  readonly system_id: string;
  readonly category: string;
  readonly purpose: string;
}

export interface AppliedRetention {
  readonly activity_id: string;
  readonly lawful_basis: LawfulBasis;
  /** ISO 8601 duration, or null when the activity sets no limit for this category (a finding). */
  readonly period: string | null;
  readonly reason: string | null;
}

/** What retention needs of an activity (the catalog's snapshot, or the query port's ActivityView). */
type RetentionActivity = Pick<ActivitySnapshot, 'activity_id' | 'systems' | 'data_categories' | 'retention'> & {
  readonly purposes: ReadonlyArray<Pick<ActivitySnapshot['purposes'][number], 'purpose' | 'lawful_basis' | 'categories'>>;
};

/** The activities that declare this holding: same system, a purpose covering the receipt's purpose, a category covering its category. */
export function activitiesFor(activities: readonly RetentionActivity[], h: Holding): Array<{ activity: RetentionActivity; basis: LawfulBasis }> {
  const out: Array<{ activity: RetentionActivity; basis: LawfulBasis }> = [];
  for (const a of activities) {
    if (!a.systems.includes(h.system_id)) continue;
    if (!a.data_categories.some((c) => categoryCovers(c, h.category))) continue;
    const p = a.purposes.find((x) => purposeCovers(x.purpose, h.purpose) && (!x.categories.length || x.categories.some((c) => categoryCovers(c, h.category))));
    if (p) out.push({ activity: a, basis: p.lawful_basis });
  }
  return out;
}

/** The most specific rule of an activity for a category: a rule naming a covering category beats the activity-wide rule. */
export function ruleFor(activity: RetentionActivity, category: string): { period: string; reason: string | null } | null {
  let best: { period: string; reason: string | null; depth: number } | null = null;
  for (const r of activity.retention) {
    if (r.category !== null && !categoryCovers(r.category, category)) continue;
    const depth = r.category === null ? -1 : r.category.split('.').length;
    if (!best || depth > best.depth) best = { period: r.period, reason: r.reason, depth };
  }
  return best ? { period: best.period, reason: best.reason } : null;
}

/**
 * Retention that applies to data stored at `lastStoredAt`: when several activities declare the holding,
 * the latest deletion date wins (e.g. a 7-year legal obligation outlives the contract).
 */
export function retentionOf(
  activities: readonly RetentionActivity[],
  h: Holding,
  lastStoredAt: Date,
): (AppliedRetention & { readonly delete_after: string | null }) | null {
  const matches = activitiesFor(activities, h);
  if (!matches.length) return null;
  let best: (AppliedRetention & { delete_after: string | null }) | null = null;
  for (const { activity, basis } of matches) {
    const rule = ruleFor(activity, h.category);
    const due = rule ? addDuration(lastStoredAt, parseDuration(rule.period, 'retention.period')).toISOString() : null;
    const candidate = { activity_id: activity.activity_id, lawful_basis: basis, period: rule?.period ?? null, reason: rule?.reason ?? null, delete_after: due };
    if (!best) best = candidate;
    else if (candidate.delete_after === null) best = best.delete_after === null ? best : candidate;
    else if (best.delete_after !== null && candidate.delete_after > best.delete_after) best = candidate;
  }
  return best;
}
