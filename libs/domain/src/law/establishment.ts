import { findCalendar, hasHolidayData, WEEKENDS_ONLY, type HolidayCalendar } from './holidays';

/**
 * Whose calendar and clock a deadline uses. GDPR: the controller's establishment, i.e. the member
 * state of its lead supervisory authority (Art. 56(1)), configured on the controller in the catalog
 * and overridable per request; Regulation 1182/71 Art. 3(4) counts "public holidays" of the member
 * state where the act is to be done. CCPA: California (the law is California's).
 */
export interface Establishment {
  /** ISO 3166-1 alpha-2 (GB, DE, FR, ...). */
  readonly country: string;
  /** Region whose holidays apply (DE Land `BY`, UK nation `SCT`, US state `CA`): date-holidays codes. */
  readonly region?: string | null;
}

/** With nothing configured: a controller established in England, today's behaviour (ICO counting, English bank holidays). */
export const DEFAULT_ESTABLISHMENT: Establishment = { country: 'GB', region: 'ENG' };

/** CCPA clocks count California days and California state holidays. */
export const CALIFORNIA: Establishment = { country: 'US', region: 'CA' };

/** How a period in months is counted: the two conventions give the same date; each is cited for its controllers. */
export type MonthCounting = 'uk_ico' | 'eu_reg_1182_71';
export const MONTH_COUNTING: Readonly<Record<MonthCounting, { readonly rule: string; readonly source: string; readonly effective_from: string }>> = {
  uk_ico: {
    rule: 'from the day of receipt to the same date next month; the last day of the month when that date does not exist; a weekend or bank holiday moves it to the next working day',
    source: 'ICO, Right of access: time limits for responding (UK GDPR Art. 12(3))',
    effective_from: '2018-05-25',
  },
  eu_reg_1182_71: {
    rule: 'the day of receipt is not counted; ends at the end of the same date in the last month, or of that month\'s last day when there is none; a Saturday, Sunday or public holiday of the member state moves it to the end of the next working day',
    source: 'Regulation (EEC, Euratom) No 1182/71 Art. 3(1), 3(2)(c), 3(4); EDPB Guidelines 01/2022 on the right of access (Art. 12(3))',
    effective_from: '1971-07-01',
  },
};

export interface DeadlineBasis {
  readonly establishment: Establishment;
  readonly calendar: HolidayCalendar;
  readonly month_counting: MonthCounting;
  /** Why a fallback calendar was used: recorded on the request and shown in responses. */
  readonly warnings: readonly string[];
}

/** UK nations and their calendar ids: England and Wales share one list of bank holidays. */
const UK_CALENDARS: Readonly<Record<string, string>> = { ENG: 'gb-eaw', WLS: 'gb-eaw', SCT: 'gb-sct', NIR: 'gb-nir' };

/**
 * The calendar for an establishment. A place without holiday data never refuses a request: the
 * region falls back to its country, the country to Saturdays and Sundays only, each with a warning.
 */
export function deadlineBasis(jurisdiction: 'GDPR' | 'CCPA', establishment?: Establishment | null): DeadlineBasis {
  const est = normalise(jurisdiction === 'CCPA' ? CALIFORNIA : establishment ?? DEFAULT_ESTABLISHMENT);
  const counting: MonthCounting = est.country === 'GB' ? 'uk_ico' : 'eu_reg_1182_71';
  const warnings: string[] = [];
  let calendar: HolidayCalendar | null = null;
  if (est.country === 'GB' && (!est.region || UK_CALENDARS[est.region])) {
    if (!est.region) warnings.push('no UK nation given: England and Wales bank holidays used');
    calendar = findCalendar(UK_CALENDARS[est.region ?? 'ENG']);
  } else if (est.region && hasHolidayData(est.country, est.region)) {
    calendar = findCalendar(`${est.country}-${est.region}`.toLowerCase());
  } else {
    if (est.region) warnings.push(`no holiday calendar for region ${est.region} of ${est.country}: national public holidays only`);
    calendar = findCalendar(est.country.toLowerCase());
  }
  if (!calendar) {
    warnings.push(`no holiday calendar for ${est.country}: Saturdays and Sundays only, public holidays not counted`);
    calendar = WEEKENDS_ONLY;
  }
  return { establishment: est, calendar, month_counting: counting, warnings };
}

function normalise(e: Establishment): Establishment {
  const region = e.region?.trim().toUpperCase() || null;
  return { country: e.country.trim().toUpperCase(), region };
}

/**
 * The establishment the catalog declares: the controllers of the current processing activities
 * (Art. 30(1)(a)). One place: that one. None: the default (England). Several: no single lead
 * authority can be read from the catalog, so the default is used with a warning; the request can
 * name its establishment.
 */
export function establishmentFromControllers(declared: ReadonlyArray<Establishment | null | undefined>): { establishment: Establishment | null; warnings: string[] } {
  const places = new Map<string, Establishment>();
  for (const e of declared) if (e) places.set(`${e.country}-${e.region ?? ''}`, { country: e.country, region: e.region ?? null });
  if (places.size <= 1) return { establishment: [...places.values()][0] ?? null, warnings: [] };
  const names = [...places.keys()].map((k) => k.replace(/-$/, '')).sort().join(', ');
  return { establishment: null, warnings: [`the catalog's controllers are established in several places (${names}): England used; name the establishment on the request`] };
}
