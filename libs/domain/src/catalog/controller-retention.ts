import { invalid } from '../shared';
import { addDuration, countryCode, parseDuration, text } from './common';
import { resolveCategory } from './taxonomy';

/**
 * A retention obligation the controller declares (Art. 17(3)(b): data kept to comply with a legal
 * obligation; Art. 30(1)(f)): which records, how long, counted from when, under which jurisdiction's
 * statute. The erasure analysis prefers these to the law data defaults (law/retention-obligations.ts).
 */
export type CountedFrom = 'record_date' | 'end_of_calendar_year' | 'end_of_financial_year';

export interface DeclaredRetentionObligation {
  /** Taxonomy key; covers its sub-categories. */
  readonly category: string;
  /** ISO 8601 duration (`years: 6` is stored as P6Y). */
  readonly period: string;
  readonly counted_from: CountedFrom;
  /** Month (1-12) whose last day ends the financial year; only with end_of_financial_year. */
  readonly year_end_month: number | null;
  /** ISO 3166-1 alpha-2 country whose law imposes it. */
  readonly jurisdiction: string;
  /** The statute cited (required: a retention without its legal source is not a legal obligation). */
  readonly statute: string;
}

export interface RetentionObligationInput {
  category: string;
  period?: string | null;
  years?: number | null;
  counted_from?: string | null;
  year_end_month?: number | null;
  jurisdiction: string;
  statute: string;
}

const COUNTED_FROM: readonly CountedFrom[] = ['record_date', 'end_of_calendar_year', 'end_of_financial_year'];

export function normalizeRetentionObligation(input: RetentionObligationInput, field: string): DeclaredRetentionObligation {
  if (!input || typeof input !== 'object') throw invalid(`${field} must be an object`, { field });
  const hasYears = input.years !== undefined && input.years !== null;
  const hasPeriod = input.period !== undefined && input.period !== null;
  if (hasYears === hasPeriod) throw invalid(`${field} needs exactly one of period (ISO 8601 duration) or years`, { field });
  if (hasYears && (!Number.isInteger(input.years) || input.years! < 1 || input.years! > 100)) throw invalid(`${field}.years must be a whole number from 1 to 100`, { field: `${field}.years` });
  const period = hasYears ? `P${input.years}Y` : (parseDuration(input.period, `${field}.period`), String(input.period).trim());
  const counted = input.counted_from ?? 'record_date';
  if (!(COUNTED_FROM as readonly string[]).includes(counted)) throw invalid(`${field}.counted_from must be one of ${COUNTED_FROM.join(', ')}`, { field: `${field}.counted_from` });
  const month = input.year_end_month ?? null;
  if (counted === 'end_of_financial_year') {
    if (!Number.isInteger(month) || month! < 1 || month! > 12) throw invalid(`${field}.year_end_month (1-12) is required with end_of_financial_year`, { field: `${field}.year_end_month` });
  } else if (month !== null) throw invalid(`${field}.year_end_month applies only to end_of_financial_year`, { field: `${field}.year_end_month` });
  return {
    category: resolveCategory(input.category),
    period,
    counted_from: counted as CountedFrom,
    year_end_month: counted === 'end_of_financial_year' ? month : null,
    jurisdiction: countryCode(input.jurisdiction, `${field}.jurisdiction`),
    statute: text(input.statute, `${field}.statute`, { max: 500 })!,
  };
}

/** The last day (ISO date) a record of `recordDate` is kept: the period from its date or from the end of its (financial) year. */
export function declaredRetentionEnd(o: DeclaredRetentionObligation, recordDate: string): string {
  const day = recordDate.slice(0, 10);
  const [y, m] = day.split('-').map(Number);
  const endMonth = o.counted_from === 'end_of_calendar_year' ? 12 : o.year_end_month ?? 12;
  const from = o.counted_from === 'record_date' ? day : yearEnd(m <= endMonth ? y : y + 1, endMonth);
  return addDuration(new Date(`${from}T00:00:00.000Z`), parseDuration(o.period, 'period')).toISOString().slice(0, 10);
}

const yearEnd = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).toISOString().slice(0, 10);
