import { addMonthsClamped, computeDeadline, DEADLINE_RULES, isoDayIn, type DeadlineRule } from './deadlines';
import { calendarById, ENGLAND_AND_WALES, EU_TARGET, US_FEDERAL, WEEKENDS_ONLY, isWorkingDay, publicHolidays, type HolidayCalendar } from './holidays';

/** The due day, read in the calendar's own time zone. */
const dueDay = (rule: DeadlineRule, received: string, cal: string) => isoDayIn(computeDeadline(rule, received, cal), calendarById(cal).timezone);

describe('ICO month counting (GDPR Art. 12(3))', () => {
  it.each([
    // received, expected due date, why
    ['2026-03-03', '2026-04-03', 'gb-eaw', 'same date next month... but 3 Apr 2026 is Good Friday', '2026-04-07'],
    ['2026-01-31', '2026-02-28', 'weekends-only', '31 Jan -> last day of February (28th, a Saturday) -> Monday', '2026-03-02'],
    ['2027-01-29', '2027-03-01', 'weekends-only', 'no 29 Feb 2027 -> 28 Feb (Sunday) -> Monday 1 Mar', '2027-03-01'],
    ['2028-01-31', '2028-02-29', 'weekends-only', 'leap year: 31 Jan -> 29 Feb (Tuesday)', '2028-02-29'],
    ['2025-03-31', '2025-04-30', 'gb-eaw', '31 Mar -> 30 Apr (Wednesday)', '2025-04-30'],
    ['2026-02-07', '2026-03-07', 'gb-eaw', 'Saturday -> Monday 9 Mar', '2026-03-09'],
    ['2026-11-25', '2026-12-25', 'gb-eaw', 'Christmas Friday, then weekend, then substitute Boxing Day 28 Dec -> Tue 29 Dec', '2026-12-29'],
    ['2026-11-25', '2026-12-25', 'eu-target', 'Christmas Friday, 26 Dec Saturday, Sunday -> Monday 28 Dec', '2026-12-28'],
    ['2025-12-01', '2026-01-01', 'gb-eaw', 'New Year (Thursday) -> Friday 2 Jan', '2026-01-02'],
    ['2026-04-01', '2026-05-01', 'eu-target', '1 May is a TARGET holiday (Friday) -> Monday 4 May', '2026-05-04'],
    ['2026-04-01', '2026-05-01', 'gb-eaw', '1 May is a working day in England and Wales', '2026-05-01'],
  ])('received %s (same date %s, %s): %s', (received, _sameDate, cal, _why, expected) => {
    expect(dueDay(DEADLINE_RULES.gdpr_response, received, cal)).toBe(expected);
  });

  it('clamps to the last day of a shorter month', () => {
    expect(addMonthsClamped('2026-01-31', 1)).toBe('2026-02-28');
    expect(addMonthsClamped('2028-01-31', 1)).toBe('2028-02-29');
    expect(addMonthsClamped('2026-05-31', 1)).toBe('2026-06-30');
    expect(addMonthsClamped('2026-11-30', 3)).toBe('2027-02-28');
    expect(addMonthsClamped('2026-12-15', 1)).toBe('2027-01-15');
  });

  it('extension runs three months from receipt, same counting', () => {
    expect(dueDay(DEADLINE_RULES.gdpr_extension, '2026-01-31', 'gb-eaw')).toBe('2026-04-30');
    // 30 Nov 2026 + 3 months = 28 Feb 2027, a Sunday -> Monday 1 March
    expect(dueDay(DEADLINE_RULES.gdpr_extension, '2026-11-30', 'gb-eaw')).toBe('2027-03-01');
  });

  it('the deadline is the end of the due day in the calendar\'s time zone', () => {
    expect(computeDeadline(DEADLINE_RULES.gdpr_response, '2026-06-10T15:00:00Z', 'gb-eaw').toISOString()).toBe('2026-07-10T22:59:59.999Z'); // BST
    expect(computeDeadline(DEADLINE_RULES.gdpr_response, '2026-01-12T15:00:00Z', 'gb-eaw').toISOString()).toBe('2026-02-12T23:59:59.999Z'); // GMT
    expect(computeDeadline(DEADLINE_RULES.gdpr_response, '2026-01-12T15:00:00Z', 'weekends-only').toISOString()).toBe('2026-02-12T23:59:59.999Z');
  });

  it('the day of receipt is the local day: late evening in California is still that day there', () => {
    // 3 Mar 2026 05:00 UTC is 2 Mar 21:00 in Los Angeles: 45 days from 2 Mar = 16 Apr, ending 06:59:59.999Z on 17 Apr (PDT)
    expect(computeDeadline(DEADLINE_RULES.ccpa_response, '2026-03-03T05:00:00Z', 'us-federal').toISOString()).toBe('2026-04-17T06:59:59.999Z');
    // 31 Jan 2026 23:30 UTC is 1 Feb 00:30 in Brussels -> same date next month 1 Mar (Sunday) -> Monday 2 Mar, ending 22:59:59.999Z (CET)
    expect(computeDeadline(DEADLINE_RULES.gdpr_response, '2026-01-31T23:30:00Z', 'eu-target').toISOString()).toBe('2026-03-02T22:59:59.999Z');
  });

  it('counts any year: a request received in December 2027 is due in January 2028 (the hand lists ended in 2027)', () => {
    // 15 Dec 2027 -> 15 Jan 2028 (Saturday) -> Monday 17 Jan
    expect(dueDay(DEADLINE_RULES.gdpr_response, '2027-12-15', 'gb-eaw')).toBe('2028-01-17');
    // 1 Dec 2027 -> 1 Jan 2028 (Saturday, New Year) -> substitute bank holiday Mon 3 Jan -> Tuesday 4 Jan
    expect(dueDay(DEADLINE_RULES.gdpr_response, '2027-12-01', 'gb-eaw')).toBe('2028-01-04');
  });
});

describe('CCPA clocks', () => {
  it.each([
    // received, rule, expected
    ['2026-03-02', 'ccpa_confirm', '2026-03-16', '10 business days: Mon 2 Mar -> Mon 16 Mar'],
    ['2026-06-12', 'ccpa_confirm', '2026-06-29', 'Juneteenth (Fri 19 Jun) is skipped'],
    ['2026-03-02', 'ccpa_response', '2026-04-16', '45 calendar days'],
    ['2026-01-31', 'ccpa_response', '2026-03-17', '45 calendar days across February'],
    ['2026-03-07', 'ccpa_response', '2026-04-21', 'calendar days are not rolled forward'],
    ['2026-03-02', 'ccpa_extension', '2026-05-31', '90 calendar days in total'],
    ['2026-11-20', 'ccpa_opt_out_sale_sharing', '2026-12-14', '15 business days, skipping Thanksgiving'],
    ['2026-12-18', 'ccpa_limit_sensitive_pi', '2027-01-12', '15 business days over Christmas and New Year'],
  ] as const)('received %s, %s -> %s (%s)', (received, rule, expected, _why) => {
    expect(dueDay(DEADLINE_RULES[rule], received, US_FEDERAL.id)).toBe(expected);
  });

  it('every rule names its source and effective date', () => {
    for (const r of Object.values(DEADLINE_RULES)) {
      expect(r.source.length).toBeGreaterThan(5);
      expect(r.effective_from).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
  });
});

/** The calendars as gov.uk, OPM and the ECB published them (the former hand lists): the library must give the same weekdays. */
const PUBLISHED: ReadonlyArray<[HolidayCalendar, readonly string[]]> = [
  [ENGLAND_AND_WALES, [
    '2025-01-01', '2025-04-18', '2025-04-21', '2025-05-05', '2025-05-26', '2025-08-25', '2025-12-25', '2025-12-26',
    '2026-01-01', '2026-04-03', '2026-04-06', '2026-05-04', '2026-05-25', '2026-08-31', '2026-12-25', '2026-12-28',
    '2027-01-01', '2027-03-26', '2027-03-29', '2027-05-03', '2027-05-31', '2027-08-30', '2027-12-27', '2027-12-28',
  ]],
  [US_FEDERAL, [
    '2025-01-01', '2025-01-20', '2025-02-17', '2025-05-26', '2025-06-19', '2025-07-04', '2025-09-01', '2025-10-13', '2025-11-11', '2025-11-27', '2025-12-25',
    '2026-01-01', '2026-01-19', '2026-02-16', '2026-05-25', '2026-06-19', '2026-07-03', '2026-09-07', '2026-10-12', '2026-11-11', '2026-11-26', '2026-12-25',
    '2027-01-01', '2027-01-18', '2027-02-15', '2027-05-31', '2027-06-18', '2027-07-05', '2027-09-06', '2027-10-11', '2027-11-11', '2027-11-25', '2027-12-24', '2027-12-31',
  ]],
  [EU_TARGET, [
    '2025-01-01', '2025-04-18', '2025-04-21', '2025-05-01', '2025-12-25', '2025-12-26',
    '2026-01-01', '2026-04-03', '2026-04-06', '2026-05-01', '2026-12-25',
    '2027-01-01', '2027-03-26', '2027-03-29',
  ]],
];

const weekday = (d: string) => { const w = new Date(`${d}T00:00:00Z`).getUTCDay(); return w > 0 && w < 6; };

describe('holiday calendars', () => {
  it.each(PUBLISHED)('%s: the computed weekday holidays of 2025-2027 are the published ones', (cal, published) => {
    const computed = [2025, 2026, 2027].flatMap((y) => [...publicHolidays(cal, y)]).filter(weekday).sort();
    expect(computed).toEqual([...published].sort());
  });

  it('knows weekends and holidays, in any year', () => {
    expect(isWorkingDay(ENGLAND_AND_WALES, '2027-12-28')).toBe(false);
    expect(isWorkingDay(ENGLAND_AND_WALES, '2027-12-29')).toBe(true);
    expect(isWorkingDay(ENGLAND_AND_WALES, '2099-12-25')).toBe(false);
    expect(isWorkingDay(EU_TARGET, '2027-03-29')).toBe(false);
    expect(isWorkingDay(WEEKENDS_ONLY, '2031-06-07')).toBe(false);
    expect(isWorkingDay(WEEKENDS_ONLY, '2031-06-09')).toBe(true);
  });

  it('has eight bank holidays a year in England and Wales', () => {
    for (const y of [2025, 2026, 2027, 2028, 2040]) expect([...publicHolidays(ENGLAND_AND_WALES, y)].filter(weekday)).toHaveLength(8);
  });
});
