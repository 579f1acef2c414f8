import { invalid, invalidValue } from '../shared/errors';
import { isCountryCode } from './countries';

const SLUG = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Catalog ids are slugs or UUIDs (they appear in stream names: never personal data). */
export function catalogId(value: unknown, field: string): string {
  if (typeof value !== 'string' || !(SLUG.test(value) || UUID.test(value))) {
    throw invalid(`${field} must be a slug (lowercase letters, digits, - or _, up to 64) or a UUID`, { field });
  }
  return value;
}

export function countryCode(value: unknown, field: string): string {
  const v = typeof value === 'string' ? value.trim().toUpperCase() : '';
  if (!isCountryCode(v)) throw invalidValue(`${field} is not an ISO 3166-1 alpha-2 country code`, v, { field });
  return v;
}

export function text(value: unknown, field: string, opts: { max?: number; optional?: boolean } = {}): string | null {
  if (value === undefined || value === null || value === '') {
    if (opts.optional) return null;
    throw invalid(`${field} is required`, { field });
  }
  if (typeof value !== 'string') throw invalid(`${field} must be a string`, { field });
  const t = value.trim();
  if (!t && !opts.optional) throw invalid(`${field} must not be empty`, { field });
  if (t.length > (opts.max ?? 500)) throw invalid(`${field} is longer than ${opts.max ?? 500} characters`, { field });
  return t || null;
}

export function textList(value: unknown, field: string, max = 100): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalid(`${field} must be a list`, { field });
  if (value.length > max) throw invalid(`${field} has more than ${max} entries`, { field });
  return [...new Set(value.map((v, i) => text(v, `${field}[${i}]`) as string))];
}

export function uniqueSorted<T extends string>(values: readonly T[]): T[] {
  return [...new Set(values)].sort();
}

/** ISO 8601 calendar duration (years, months, weeks, days): P7Y, P6M, P30D, P1Y6M, P2W. */
export interface Duration {
  readonly years: number;
  readonly months: number;
  readonly days: number;
}

const DURATION = /^P(?!$)(?:(\d{1,3})Y)?(?:(\d{1,4})M)?(?:(\d{1,4})W)?(?:(\d{1,5})D)?$/;

export function parseDuration(value: unknown, field: string): Duration {
  const m = typeof value === 'string' ? DURATION.exec(value.trim()) : null;
  if (!m) throw invalid(`${field} must be an ISO 8601 duration such as P7Y, P6M or P30D`, { field });
  const d = { years: Number(m[1] ?? 0), months: Number(m[2] ?? 0), days: Number(m[3] ?? 0) * 7 + Number(m[4] ?? 0) };
  if (d.years + d.months + d.days === 0) throw invalid(`${field} must be longer than zero`, { field });
  return d;
}

export function isDuration(value: string): boolean {
  return DURATION.test(value) && value !== 'P';
}

/** Adds a calendar duration in UTC; the end of month is clamped (31 Jan + P1M = 28/29 Feb). */
export function addDuration(at: Date, d: Duration): Date {
  const y = at.getUTCFullYear() + d.years;
  const monthIndex = at.getUTCMonth() + d.months;
  const targetYear = y + Math.floor(monthIndex / 12);
  const targetMonth = ((monthIndex % 12) + 12) % 12;
  const lastDay = new Date(Date.UTC(targetYear, targetMonth + 1, 0)).getUTCDate();
  const day = Math.min(at.getUTCDate(), lastDay);
  const r = new Date(Date.UTC(targetYear, targetMonth, day, at.getUTCHours(), at.getUTCMinutes(), at.getUTCSeconds(), at.getUTCMilliseconds()));
  return new Date(r.getTime() + d.days * 86_400_000);
}

export function isoTime(value: unknown, field: string): string {
  const t = typeof value === 'string' ? Date.parse(value) : value instanceof Date ? value.getTime() : NaN;
  if (!Number.isFinite(t)) throw invalid(`${field} must be an ISO-8601 timestamp`, { field });
  return new Date(t).toISOString();
}

/** Structural equality on JSON-like data (decide "no change" to keep apply idempotent). */
export function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.keys(v as object)
        .sort()
        .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
        .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}
