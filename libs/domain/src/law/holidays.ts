import type HolidaysClass from 'date-holidays';

/**
 * date-holidays (with moment-timezone and astronomia: ~2.4 MB of source, ~5 MiB of heap) is loaded
 * when a calendar is first needed, not by every process that imports the domain: an idle service
 * with no open request never computes a deadline (docs/benchmarks.md, issue 14: idle memory).
 */
function holidays(country?: string, region?: string): HolidaysClass {
  const Holidays: typeof HolidaysClass = require('date-holidays');
  return country === undefined ? new Holidays() : region === undefined ? new Holidays(country) : new Holidays(country, region);
}

/**
 * Working-day calendars for statutory deadlines. Public holidays are computed for any year by the
 * date-holidays library (a pure computation over its bundled rules: every EU/EEA member state with
 * its regions, the UK nations, US federal and state calendars), never listed by hand: a hand list
 * ran out in 2027 and made the service refuse requests. Only holidays of type `public` count
 * (Regulation 1182/71 Art. 3(4): "public holiday, Sunday or Saturday"; in the UK the bank holidays,
 * which the library types `public`). Saturdays and Sundays are never working days.
 */
export interface HolidayCalendar {
  readonly id: string;
  readonly name: string;
  readonly source: string;
  readonly effective_from: string;
  /** IANA time zone whose calendar days count (the day of receipt and the end of the due day). */
  readonly timezone: string;
  /** ISO 3166-1 alpha-2 country and date-holidays region (e.g. DE + BY); null for custom calendars. */
  readonly country: string | null;
  readonly region: string | null;
  /** date-holidays rules of a custom calendar (e.g. TARGET closing days), instead of a country's. */
  readonly rules?: readonly string[];
}

const LIBRARY = 'public holidays computed by date-holidays 3.37.0';

/** England and Wales bank holidays (the default calendar: a controller established in England). */
export const ENGLAND_AND_WALES: HolidayCalendar = {
  id: 'gb-eaw',
  name: 'England and Wales bank holidays',
  source: `https://www.gov.uk/bank-holidays (Banking and Financial Dealings Act 1971 Sch. 1, Royal Proclamations); ${LIBRARY} (GB-ENG)`,
  effective_from: '1971-12-16',
  timezone: 'Europe/London',
  country: 'GB',
  region: 'ENG',
};

/**
 * TARGET closing days, the one calendar common to the euro area. Kept for requests recorded with it;
 * Regulation 1182/71 Art. 3(4) counts the public holidays of the member state concerned, so a
 * member-state calendar is chosen from the establishment instead.
 */
export const EU_TARGET: HolidayCalendar = {
  id: 'eu-target',
  name: 'EU generic (TARGET closing days)',
  source: 'ECB, TARGET closing days (Guideline (EU) 2022/912 (ECB/2022/8) on TARGET)',
  effective_from: '2025-01-01',
  timezone: 'Europe/Brussels',
  country: null,
  region: null,
  rules: ['01-01', 'easter -2', 'easter 1', '05-01', '12-25', '12-26'],
};

/** US federal holidays (observed dates). CCPA clocks use California's calendar (see establishment.ts). */
export const US_FEDERAL: HolidayCalendar = {
  id: 'us-federal',
  name: 'US federal holidays (observed)',
  source: `5 U.S.C. § 6103 (observed dates); ${LIBRARY} (US)`,
  timezone: 'America/Los_Angeles',
  effective_from: '1971-01-01',
  country: 'US',
  region: null,
};

/** Weekends only: the fallback when no calendar is known for an establishment (never a refusal). */
export const WEEKENDS_ONLY: HolidayCalendar = {
  id: 'weekends-only',
  name: 'Saturdays and Sundays only',
  source: 'no public holidays counted (fallback when no calendar is known: the earliest possible due date)',
  timezone: 'UTC',
  effective_from: '2018-05-25',
  country: null,
  region: null,
};

const NAMED: Readonly<Record<string, HolidayCalendar>> = Object.freeze({
  [ENGLAND_AND_WALES.id]: ENGLAND_AND_WALES,
  [EU_TARGET.id]: EU_TARGET,
  [US_FEDERAL.id]: US_FEDERAL,
  [WEEKENDS_ONLY.id]: WEEKENDS_ONLY,
});

const ID = /^([a-z]{2})(?:-([a-z0-9]{1,8}))?$/;
const countries = (() => {
  let known: Record<string, string> | null = null;
  return () => (known ??= holidays().getCountries() as Record<string, string>);
})();

/** Does date-holidays know this country (and region)? */
export function hasHolidayData(country: string, region?: string | null): boolean {
  if (!Object.prototype.hasOwnProperty.call(countries(), country)) return false;
  if (!region) return true;
  const states = (holidays().getStates(country) as Record<string, string> | undefined) ?? {};
  return Object.prototype.hasOwnProperty.call(states, region);
}

const generated = new Map<string, HolidayCalendar>();

/**
 * A calendar by id: the named ones above, or `<country>` / `<country>-<region>` in lower case
 * (`de-by`, `fr`, `gb-sct`, `us-ca`) for any place date-holidays knows. Null when none is known.
 */
export function findCalendar(id: string): HolidayCalendar | null {
  if (NAMED[id]) return NAMED[id];
  const m = ID.exec(id);
  if (!m) return null;
  const country = m[1].toUpperCase();
  const region = m[2]?.toUpperCase() ?? null;
  if (!hasHolidayData(country, region)) return null;
  let cal = generated.get(id);
  if (!cal) {
    const hd = region ? holidays(country, region) : holidays(country);
    cal = {
      id,
      name: `public holidays of ${region ? `${country}-${region}` : country}`,
      source: `${LIBRARY} (${region ? `${country}-${region}` : country})`,
      effective_from: '2000-01-01',
      timezone: (hd.getTimezones() as string[] | undefined)?.[0] ?? 'UTC',
      country,
      region,
    };
    generated.set(id, cal);
  }
  return cal;
}

export function calendarById(id: string): HolidayCalendar {
  const c = findCalendar(id);
  if (!c) throw new Error(`unknown holiday calendar ${id}`);
  return c;
}

const instances = new Map<string, HolidaysClass>();
const years = new Map<string, Set<string>>();

function instance(cal: HolidayCalendar): HolidaysClass {
  let hd = instances.get(cal.id);
  if (!hd) {
    if (cal.rules) {
      hd = holidays();
      for (const r of cal.rules) hd.setHoliday(r, { name: r, type: 'public' });
    } else {
      hd = cal.region ? holidays(cal.country!, cal.region) : holidays(cal.country!);
    }
    instances.set(cal.id, hd);
  }
  return hd;
}

/** Public holidays of `year` (ISO dates), computed once per calendar and year. */
export function publicHolidays(cal: HolidayCalendar, year: number): ReadonlySet<string> {
  const key = `${cal.id}:${year}`;
  let set = years.get(key);
  if (!set) {
    set = new Set();
    if (cal.country || cal.rules) {
      for (const h of instance(cal).getHolidays(year) || []) if (h.type === 'public') set.add(h.date.slice(0, 10));
    }
    years.set(key, set);
  }
  return set;
}

export function isWorkingDay(calendar: HolidayCalendar, isoDate: string): boolean {
  const weekday = new Date(`${isoDate}T00:00:00Z`).getUTCDay();
  if (weekday === 0 || weekday === 6) return false;
  return !publicHolidays(calendar, Number(isoDate.slice(0, 4))).has(isoDate);
}
