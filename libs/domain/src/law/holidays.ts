/**
 * Holiday calendars as data, used to find the next working day (ICO month counting) and to count
 * business days (CCPA). Each calendar names its source and the years it covers: asking for a date
 * outside the covered years is an error, never a guess.
 */
export interface HolidayCalendar {
  readonly id: string;
  readonly name: string;
  readonly source: string;
  readonly effective_from: string;
  /** IANA time zone whose calendar days count (the day of receipt and the end of the due day). */
  readonly timezone: string;
  /** Inclusive range of years whose holidays are listed. */
  readonly covers: { readonly from: number; readonly to: number };
  /** ISO dates (YYYY-MM-DD) that are not working days besides Saturdays and Sundays. */
  readonly holidays: readonly string[];
}

/** England and Wales bank holidays, including substitute days. */
export const ENGLAND_AND_WALES: HolidayCalendar = {
  id: 'gb-eaw',
  name: 'England and Wales bank holidays',
  source: 'https://www.gov.uk/bank-holidays (Banking and Financial Dealings Act 1971, Royal Proclamations)',
  timezone: 'Europe/London',
  effective_from: '2025-01-01',
  covers: { from: 2025, to: 2027 },
  holidays: [
    '2025-01-01', '2025-04-18', '2025-04-21', '2025-05-05', '2025-05-26', '2025-08-25', '2025-12-25', '2025-12-26',
    '2026-01-01', '2026-04-03', '2026-04-06', '2026-05-04', '2026-05-25', '2026-08-31', '2026-12-25', '2026-12-28',
    '2027-01-01', '2027-03-26', '2027-03-29', '2027-05-03', '2027-05-31', '2027-08-30', '2027-12-27', '2027-12-28',
  ],
};

/**
 * Generic EU list: the TARGET (Eurosystem payment system) closing days, the one holiday calendar
 * common to every euro-area member state: New Year's Day, Good Friday, Easter Monday, 1 May,
 * Christmas Day, 26 December. Member-state calendars add more; configure one where it matters
 * (Regulation 1182/71 Art. 3(4) counts the public holidays of the member state concerned).
 */
export const EU_TARGET: HolidayCalendar = {
  id: 'eu-target',
  name: 'EU generic (TARGET closing days)',
  timezone: 'Europe/Brussels',
  source: 'ECB, TARGET closing days (Guideline (EU) 2022/912 (ECB/2022/8) on TARGET); Regulation (EEC, Euratom) No 1182/71 Art. 3(4)',
  effective_from: '2025-01-01',
  covers: { from: 2025, to: 2027 },
  holidays: [
    '2025-01-01', '2025-04-18', '2025-04-21', '2025-05-01', '2025-12-25', '2025-12-26',
    '2026-01-01', '2026-04-03', '2026-04-06', '2026-05-01', '2026-12-25', '2026-12-26',
    '2027-01-01', '2027-03-26', '2027-03-29', '2027-05-01', '2027-12-25', '2027-12-26',
  ],
};

/**
 * US federal holidays (observed dates), used to count CCPA "business days". The CCPA regulations
 * do not define business day; Monday-Friday without federal holidays is the default here, and a
 * controller may configure a stricter calendar.
 */
export const US_FEDERAL: HolidayCalendar = {
  id: 'us-federal',
  name: 'US federal holidays (observed)',
  source: '5 U.S.C. § 6103; OPM federal holiday schedule (observed dates)',
  /** California time: the CCPA clocks count California days. */
  timezone: 'America/Los_Angeles',
  effective_from: '2025-01-01',
  covers: { from: 2025, to: 2027 },
  holidays: [
    '2025-01-01', '2025-01-20', '2025-02-17', '2025-05-26', '2025-06-19', '2025-07-04', '2025-09-01', '2025-10-13', '2025-11-11', '2025-11-27', '2025-12-25',
    '2026-01-01', '2026-01-19', '2026-02-16', '2026-05-25', '2026-06-19', '2026-07-03', '2026-09-07', '2026-10-12', '2026-11-11', '2026-11-26', '2026-12-25',
    '2027-01-01', '2027-01-18', '2027-02-15', '2027-05-31', '2027-06-18', '2027-07-05', '2027-09-06', '2027-10-11', '2027-11-11', '2027-11-25', '2027-12-24', '2027-12-31',
  ],
};

/** Weekends only: for tests and for controllers that choose the strictest count. Covers every year. */
export const WEEKENDS_ONLY: HolidayCalendar = {
  id: 'weekends-only',
  name: 'Saturdays and Sundays only',
  source: 'no public holidays counted (strictest count)',
  timezone: 'UTC',
  effective_from: '2018-05-25',
  covers: { from: 1970, to: 9999 },
  holidays: [],
};

export const HOLIDAY_CALENDARS: Readonly<Record<string, HolidayCalendar>> = Object.freeze({
  [ENGLAND_AND_WALES.id]: ENGLAND_AND_WALES,
  [EU_TARGET.id]: EU_TARGET,
  [US_FEDERAL.id]: US_FEDERAL,
  [WEEKENDS_ONLY.id]: WEEKENDS_ONLY,
});

export class CalendarCoverageError extends Error {
  constructor(readonly calendarId: string, readonly year: number) {
    super(`holiday calendar ${calendarId} does not cover ${year}`);
    this.name = 'CalendarCoverageError';
  }
}

const holidaySets = new WeakMap<HolidayCalendar, Set<string>>();

export function isWorkingDay(calendar: HolidayCalendar, isoDate: string): boolean {
  const year = Number(isoDate.slice(0, 4));
  if (year < calendar.covers.from || year > calendar.covers.to) throw new CalendarCoverageError(calendar.id, year);
  const weekday = new Date(`${isoDate}T00:00:00Z`).getUTCDay();
  if (weekday === 0 || weekday === 6) return false;
  let set = holidaySets.get(calendar);
  if (!set) holidaySets.set(calendar, (set = new Set(calendar.holidays)));
  return !set.has(isoDate);
}

export function calendarById(id: string): HolidayCalendar {
  const c = HOLIDAY_CALENDARS[id];
  if (!c) throw new Error(`unknown holiday calendar ${id}`);
  return c;
}
