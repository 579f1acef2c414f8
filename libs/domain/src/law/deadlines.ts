import { calendarById, isWorkingDay, type HolidayCalendar } from './holidays';

/**
 * Statutory clocks for data-subject requests (LAW.md section 1) as data. Each rule names its source
 * and effective date; `computeDeadline` is the only place that turns a rule into a date.
 */
export type Jurisdiction = 'GDPR' | 'CCPA';

export type DeadlineUnit =
  /**
   * Same date in a later month, last day of a shorter month, then the next working day of the
   * calendar: the ICO's count and Regulation 1182/71 Art. 3 give the same date (establishment.ts).
   */
  | 'calendar_months'
  /** Plain calendar days; no roll-forward. */
  | 'calendar_days'
  /** Working days after the start day (the start day itself is day 0). */
  | 'business_days';

export interface DeadlineRule {
  readonly id: string;
  readonly jurisdiction: Jurisdiction;
  readonly description: string;
  readonly unit: DeadlineUnit;
  readonly amount: number;
  readonly source: string;
  readonly effective_from: string;
}

export const DEADLINE_RULES = {
  gdpr_response: {
    id: 'gdpr_response', jurisdiction: 'GDPR', unit: 'calendar_months', amount: 1,
    description: 'respond without undue delay and at most one month from receipt',
    source: 'GDPR Art. 12(3)', effective_from: '2018-05-25',
  },
  gdpr_extension: {
    id: 'gdpr_extension', jurisdiction: 'GDPR', unit: 'calendar_months', amount: 3,
    description: 'extended by up to two further months (three from receipt) where necessary; subject told with reasons within the first month',
    source: 'GDPR Art. 12(3)', effective_from: '2018-05-25',
  },
  ccpa_confirm: {
    id: 'ccpa_confirm', jurisdiction: 'CCPA', unit: 'business_days', amount: 10,
    description: 'confirm receipt of a request to know, delete or correct within 10 business days',
    source: '11 CCR § 7021(a)', effective_from: '2023-03-29',
  },
  ccpa_response: {
    id: 'ccpa_response', jurisdiction: 'CCPA', unit: 'calendar_days', amount: 45,
    description: 'respond within 45 calendar days of receipt, regardless of the time needed to verify',
    source: 'Civ. Code § 1798.130(a)(2); 11 CCR § 7021(b)', effective_from: '2020-01-01',
  },
  ccpa_extension: {
    id: 'ccpa_extension', jurisdiction: 'CCPA', unit: 'calendar_days', amount: 90,
    description: 'extended once by 45 more days (90 from receipt) with notice and reasons within the first 45 days',
    source: 'Civ. Code § 1798.130(a)(2); 11 CCR § 7021(b)', effective_from: '2020-01-01',
  },
  ccpa_opt_out_sale_sharing: {
    id: 'ccpa_opt_out_sale_sharing', jurisdiction: 'CCPA', unit: 'business_days', amount: 15,
    description: 'comply with a request to opt out of sale/sharing as soon as feasibly possible, at most 15 business days',
    source: '11 CCR § 7026', effective_from: '2023-03-29',
  },
  ccpa_limit_sensitive_pi: {
    id: 'ccpa_limit_sensitive_pi', jurisdiction: 'CCPA', unit: 'business_days', amount: 15,
    description: 'comply with a request to limit use of sensitive PI within 15 business days',
    source: '11 CCR § 7027', effective_from: '2023-03-29',
  },
} as const satisfies Record<string, DeadlineRule>;

export type DeadlineRuleId = keyof typeof DEADLINE_RULES;

/**
 * When the GDPR clock starts if identity information had to be asked for: on receipt of that
 * information (ICO guidance). The CCPA clock always starts on receipt (11 CCR § 7021(b)).
 */
export const CLOCK_RESTARTS_ON_IDENTITY_INFO: Readonly<Record<Jurisdiction, { restarts: boolean; source: string; effective_from: string }>> = {
  GDPR: { restarts: true, source: 'ICO, Right of access: "the time limit starts from when you receive the additional information"', effective_from: '2018-05-25' },
  CCPA: { restarts: false, source: '11 CCR § 7021(b): the 45 days begin on receipt regardless of verification time', effective_from: '2020-08-14' },
};

/**
 * Deadlines are whole days in the calendar's time zone: the day of receipt is the local day, and the
 * result is the last millisecond of the due day there (e.g. 22:59:59.999Z in British Summer Time).
 */
export function computeDeadline(rule: DeadlineRule, start: Date | string, calendar: HolidayCalendar | string): Date {
  const cal = typeof calendar === 'string' ? calendarById(calendar) : calendar;
  const day = typeof start === 'string' && start.length === 10 ? start : isoDayIn(typeof start === 'string' ? new Date(start) : start, cal.timezone);
  let due: string;
  switch (rule.unit) {
    case 'calendar_months':
      due = nextWorkingDayOnOrAfter(cal, addMonthsClamped(day, rule.amount));
      break;
    case 'calendar_days':
      due = addDays(day, rule.amount);
      break;
    case 'business_days':
      due = addBusinessDays(cal, day, rule.amount);
      break;
    default: {
      const never: never = rule.unit;
      throw new Error(`unknown unit ${String(never)}`);
    }
  }
  return endOfDayIn(due, cal.timezone);
}

/** The calendar date (YYYY-MM-DD) of `instant` in time zone `tz`. */
export function isoDayIn(instant: Date, tz: string): string {
  if (Number.isNaN(instant.getTime())) throw new Error('invalid date');
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(instant);
  const get = (t: string) => parts.find((p) => p.type === t)!.value;
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/** Offset of `tz` from UTC at `instant`, in ms (positive east of Greenwich). */
function offsetMs(instant: number, tz: string): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' }).formatToParts(new Date(instant));
  const get = (t: string) => Number(parts.find((p) => p.type === t)!.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/** The last millisecond of `isoDate` in time zone `tz`, as an instant. */
export function endOfDayIn(isoDate: string, tz: string): Date {
  const wall = Date.parse(`${isoDate}T23:59:59.999Z`);
  let t = wall - offsetMs(wall, tz);
  t = wall - offsetMs(t, tz);
  return new Date(t);
}

export function isoDay(d: Date | string): string {
  const date = typeof d === 'string' ? new Date(d.length === 10 ? `${d}T00:00:00Z` : d) : d;
  if (Number.isNaN(date.getTime())) throw new Error('invalid date');
  return date.toISOString().slice(0, 10);
}

export function endOfDay(isoDate: string): Date {
  return new Date(`${isoDate}T23:59:59.999Z`);
}

/** Same date `months` later; the last day of the target month when that date does not exist. */
export function addMonthsClamped(isoDate: string, months: number): string {
  const [y, m, d] = isoDate.split('-').map(Number);
  const targetMonthIndex = m - 1 + months;
  const ty = y + Math.floor(targetMonthIndex / 12);
  const tm = ((targetMonthIndex % 12) + 12) % 12;
  const lastDay = new Date(Date.UTC(ty, tm + 1, 0)).getUTCDate();
  return new Date(Date.UTC(ty, tm, Math.min(d, lastDay))).toISOString().slice(0, 10);
}

export function addDays(isoDate: string, days: number): string {
  const t = new Date(`${isoDate}T00:00:00Z`).getTime() + days * 86_400_000;
  return new Date(t).toISOString().slice(0, 10);
}

export function nextWorkingDayOnOrAfter(cal: HolidayCalendar, isoDate: string): string {
  let d = isoDate;
  while (!isWorkingDay(cal, d)) d = addDays(d, 1);
  return d;
}

export function addBusinessDays(cal: HolidayCalendar, isoDate: string, n: number): string {
  let d = isoDate;
  for (let counted = 0; counted < n; ) {
    d = addDays(d, 1);
    if (isWorkingDay(cal, d)) counted++;
  }
  return d;
}

/** Thresholds the worker raises once per request and due date. */
/** Not law: this service's own policy (a warning a week ahead), so it cites no source. */
export const DEADLINE_ALERTS = {
  due_soon_days: 7,
  policy: 'internal policy: warn a week before the statutory deadline',
} as const;
