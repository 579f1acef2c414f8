import { deadlineRule, dueAt } from '../breach';
import { computeDeadline, DEADLINE_RULES, isoDayIn, type DeadlineRuleId } from '../deadlines';
import { deadlineBasis, type Establishment } from '../establishment';
import { retainedUntil, retentionObligation } from '../retention-obligations';

/**
 * Dated cases for deadlines and breach clocks, each with its source. Holidays are those the
 * date-holidays library computes for the establishment (see docs/law.md for the calendars).
 */
const ICO = 'ICO, Right of access: time limits for responding';
const REG = 'Reg. 1182/71 Art. 3(2)(c), 3(4)';
const CCPA_BD = '11 CCR § 7021(a) / § 7026; California state holidays (date-holidays US-CA)';

type DeadlineCase = readonly [label: string, jurisdiction: 'GDPR' | 'CCPA', establishment: Establishment | null, rule: DeadlineRuleId, received: string, dueDay: string, source: string];

const GB_ENG = { country: 'GB', region: 'ENG' };
const GB_SCT = { country: 'GB', region: 'SCT' };

const DEADLINES: readonly DeadlineCase[] = [
  ['England: Good Friday and Easter Monday both skipped', 'GDPR', GB_ENG, 'gdpr_response', '2026-03-03', '2026-04-07', ICO],
  ['Scotland: Good Friday skipped, Easter Monday is a working day', 'GDPR', GB_SCT, 'gdpr_response', '2026-03-03', '2026-04-06', ICO],
  ['Scotland: first Monday of August is its summer bank holiday', 'GDPR', GB_SCT, 'gdpr_response', '2026-07-03', '2026-08-04', ICO],
  ['England: first Monday of August is a working day', 'GDPR', GB_ENG, 'gdpr_response', '2026-07-03', '2026-08-03', ICO],
  ['England: last Monday of August is the summer bank holiday', 'GDPR', GB_ENG, 'gdpr_response', '2026-07-31', '2026-09-01', ICO],
  ['Scotland: 2 January 2027 (Saturday) substituted on Monday 4 January', 'GDPR', GB_SCT, 'gdpr_response', '2026-12-02', '2027-01-05', ICO],
  ['England: Monday 4 January 2027 is a working day', 'GDPR', GB_ENG, 'gdpr_response', '2026-12-02', '2027-01-04', ICO],
  ['no establishment configured: England (today\'s default)', 'GDPR', null, 'gdpr_response', '2026-03-03', '2026-04-07', ICO],
  ['England, December 2027 -> 2028 (hand lists ended in 2027)', 'GDPR', GB_ENG, 'gdpr_response', '2027-12-01', '2028-01-04', ICO],
  ['Bavaria: Corpus Christi (4 June 2026) skipped', 'GDPR', { country: 'DE', region: 'BY' }, 'gdpr_response', '2026-05-04', '2026-06-05', REG],
  ['Berlin: Corpus Christi is a working day', 'GDPR', { country: 'DE', region: 'BE' }, 'gdpr_response', '2026-05-04', '2026-06-04', REG],
  ['Bavaria: Epiphany (6 January 2027) skipped', 'GDPR', { country: 'DE', region: 'BY' }, 'gdpr_response', '2026-12-06', '2027-01-07', REG],
  ['France: Ascension Day (14 May 2026) skipped', 'GDPR', { country: 'FR' }, 'gdpr_response', '2026-04-14', '2026-05-15', REG],
  ['Moselle (FR-57): Good Friday and Easter Monday skipped', 'GDPR', { country: 'FR', region: '57' }, 'gdpr_response', '2026-03-03', '2026-04-07', REG],
  ['France elsewhere: Good Friday is a working day', 'GDPR', { country: 'FR' }, 'gdpr_response', '2026-03-03', '2026-04-03', REG],
  ['France: 14 July skipped', 'GDPR', { country: 'FR' }, 'gdpr_response', '2026-06-14', '2026-07-15', REG],
  ['Ireland: St Brigid\'s Day (first Monday of February 2026) skipped', 'GDPR', { country: 'IE' }, 'gdpr_response', '2026-01-02', '2026-02-03', REG],
  ['Ireland: Good Friday is not a public holiday', 'GDPR', { country: 'IE' }, 'gdpr_response', '2026-03-03', '2026-04-03', REG],
  ['Netherlands: King\'s Day (27 April 2026) skipped', 'GDPR', { country: 'NL' }, 'gdpr_response', '2026-03-27', '2026-04-28', REG],
  ['Catalonia: La Diada (11 September 2026) skipped', 'GDPR', { country: 'ES', region: 'CT' }, 'gdpr_response', '2026-08-11', '2026-09-14', REG],
  ['Madrid: 11 September is a working day', 'GDPR', { country: 'ES', region: 'MD' }, 'gdpr_response', '2026-08-11', '2026-09-11', REG],
  ['Spain: Fiesta Nacional (12 October 2026) skipped', 'GDPR', { country: 'ES' }, 'gdpr_response', '2026-09-12', '2026-10-13', REG],
  ['Italy: Festa della Repubblica (2 June 2026) skipped', 'GDPR', { country: 'IT' }, 'gdpr_response', '2026-05-02', '2026-06-03', REG],
  ['Italy: extension to three months, 8 December (Immacolata) skipped', 'GDPR', { country: 'IT' }, 'gdpr_extension', '2026-09-08', '2026-12-09', `GDPR Art. 12(3); ${REG}`],
  ['California: 10 business days skip Cesar Chavez Day (31 March)', 'CCPA', null, 'ccpa_confirm', '2026-03-24', '2026-04-08', CCPA_BD],
  ['California: 15 business days skip Thanksgiving and the day after', 'CCPA', null, 'ccpa_opt_out_sale_sharing', '2026-11-20', '2026-12-15', CCPA_BD],
  ['California: 45 calendar days are not rolled forward', 'CCPA', null, 'ccpa_response', '2026-03-07', '2026-04-21', 'Civ. Code § 1798.130(a)(2)'],
  ['California: any year (2031 into 2032)', 'CCPA', null, 'ccpa_confirm', '2031-12-22', '2032-01-07', CCPA_BD],
];

describe('request deadlines per establishment (dated cases)', () => {
  it.each(DEADLINES)('%s [%s %s %s received %s -> %s] (%s)', (_label, jurisdiction, establishment, rule, received, expected, source) => {
    expect(source.length).toBeGreaterThan(5);
    const basis = deadlineBasis(jurisdiction, establishment);
    expect(basis.warnings).toEqual([]);
    const due = computeDeadline(DEADLINE_RULES[rule], received, basis.calendar);
    expect(isoDayIn(due, basis.calendar.timezone)).toBe(expected);
  });

  it('the clock is the establishment\'s: 23:30 UTC on 31 Jan is 1 Feb in Berlin, still 31 Jan in London (Reg. 1182/71 Art. 3(1); ICO)', () => {
    const de = deadlineBasis('GDPR', { country: 'DE', region: 'BY' });
    const gb = deadlineBasis('GDPR', GB_ENG);
    // Berlin: 1 Feb -> 1 Mar (Sunday) -> Monday 2 Mar, end of day CET
    expect(computeDeadline(DEADLINE_RULES.gdpr_response, '2026-01-31T23:30:00Z', de.calendar).toISOString()).toBe('2026-03-02T22:59:59.999Z');
    // London: 31 Jan -> 28 Feb (Saturday) -> Monday 2 Mar, end of day GMT
    expect(computeDeadline(DEADLINE_RULES.gdpr_response, '2026-01-31T23:30:00Z', gb.calendar).toISOString()).toBe('2026-03-02T23:59:59.999Z');
  });

  it('month counting is cited per establishment: ICO for the UK, Reg. 1182/71 in the EU/EEA', () => {
    expect(deadlineBasis('GDPR', GB_SCT).month_counting).toBe('uk_ico');
    expect(deadlineBasis('GDPR', { country: 'NL' }).month_counting).toBe('eu_reg_1182_71');
  });

  it('a missing calendar degrades with a warning, never a refusal', () => {
    const none = deadlineBasis('GDPR', { country: 'AQ' });
    expect(none.calendar.id).toBe('weekends-only');
    expect(none.warnings).toEqual([expect.stringMatching(/Saturdays and Sundays only/)]);
    // 3 Apr 2026 (Good Friday) counts as a working day without a calendar
    expect(isoDayIn(computeDeadline(DEADLINE_RULES.gdpr_response, '2026-03-03', none.calendar), none.calendar.timezone)).toBe('2026-04-03');
    const unknownRegion = deadlineBasis('GDPR', { country: 'DE', region: 'ZZ' });
    expect(unknownRegion.calendar.id).toBe('de');
    expect(unknownRegion.warnings).toEqual([expect.stringMatching(/national public holidays only/)]);
  });

  it('CCPA counts California days whatever the establishment', () => {
    expect(deadlineBasis('CCPA', { country: 'DE', region: 'BY' }).calendar.id).toBe('us-ca');
    expect(deadlineBasis('CCPA', null).calendar.timezone).toBe('America/Los_Angeles');
  });
});

type BreachCase = readonly [label: string, rule: 'gdpr_art33_authority' | 'ca_residents' | 'ca_attorney_general', anchor: string, due: string, source: string];

const BREACH: readonly BreachCase[] = [
  ['California residents: 30 days from discovery end at the end of the day in California', 'ca_residents', '2026-03-02T08:00:00.000Z', '2026-04-02T06:59:59.999Z', 'Civ. § 1798.82(a) as amended by SB 446'],
  ['California residents: discovery late in the evening counts from that California day', 'ca_residents', '2026-11-30T06:30:00.000Z', '2026-12-30T07:59:59.999Z', 'Civ. § 1798.82(a) as amended by SB 446'],
  ['California residents: the deadline across the end of daylight saving time', 'ca_residents', '2026-10-20T12:00:00.000Z', '2026-11-20T07:59:59.999Z', 'Civ. § 1798.82(a) as amended by SB 446'],
  ['Attorney General: 15 days from notifying the residents, end of day in California', 'ca_attorney_general', '2026-03-12T08:00:00.000Z', '2026-03-28T06:59:59.999Z', 'Civ. § 1798.82(f) as amended by SB 446'],
  ['GDPR authority: 72 hours from awareness, across the EU change to summer time', 'gdpr_art33_authority', '2026-03-28T10:00:00.000Z', '2026-03-31T10:00:00.000Z', 'GDPR Art. 33(1)'],
];

describe('breach clocks (dated cases)', () => {
  it.each(BREACH)('%s [%s from %s -> %s] (%s)', (_label, id, anchor, expected, source) => {
    expect(source.length).toBeGreaterThan(5);
    expect(dueAt(deadlineRule(id), anchor)).toBe(expected);
  });

  it('a filing at noon on the 30th day is on time (day count, not 720 hours)', () => {
    // discovered 10:00 PDT on 1 June; 30 days -> 1 July; noon PDT on 1 July = 19:00Z
    const due = dueAt(deadlineRule('ca_residents'), '2026-06-01T17:00:00.000Z');
    expect(due).toBe('2026-07-02T06:59:59.999Z');
    expect(Date.parse('2026-07-01T19:00:00.000Z') <= Date.parse(due)).toBe(true);
  });
});

type RetentionCase = readonly [label: string, country: string, category: string, recordDate: string, erasedAt: string, until: string | null, source: string];

const UK_VAT = 'VAT Act 1994 Sch. 11 para 6(3)';
const AO = 'AO § 147(1) no. 4, (3), (4) as amended by the Viertes Bürokratieentlastungsgesetz (BGBl. 2024 I Nr. 323)';
const AO_OLD = 'AO § 147(3) as in force until 31 Dec 2024';
const RETENTION: readonly RetentionCase[] = [
  ['UK: a 2024 payment record is kept six years from its own date, not from the erasure', 'GB', 'user.financial.transaction', '2024-11-15', '2026-03-02', '2030-11-15', UK_VAT],
  ['UK: a record of 29 February ends on 28 February six years on', 'GB', 'user.financial.transaction.card', '2024-02-29', '2026-03-02', '2030-02-28', UK_VAT],
  ['Germany: eight years from the end of the calendar year of the voucher', 'DE', 'user.financial.transaction', '2024-03-05', '2026-03-02', '2032-12-31', AO],
  ['Germany: a voucher of 31 December ends with the same year-end', 'DE', 'user.financial.transaction', '2025-12-31', '2026-03-02', '2033-12-31', AO],
  // Before 2025 the ten years of § 147(3) AO (old version) applied: a voucher was kept, not released.
  ['Germany: before 2025 a voucher is kept ten years from the end of its year', 'DE', 'user.financial.transaction', '2020-06-01', '2024-06-01', '2030-12-31', AO_OLD],
  // Art. 97 § 19a(2) EGAO: from 2025 the eight years apply to every voucher whose ten years were still running.
  ['Germany: a 2016 voucher erased in 2024 is still kept (ten years)', 'DE', 'user.financial.transaction', '2016-08-01', '2024-06-01', '2026-12-31', AO_OLD],
  ['Germany: the same 2016 voucher erased in 2025 is past its eight years', 'DE', 'user.financial.transaction', '2016-08-01', '2025-03-03', '2024-12-31', `${AO}; Art. 97 § 19a(2) EGAO`],
  ['no obligation recorded for Italy: nothing kept on this ground', 'IT', 'user.financial.transaction', '2024-11-15', '2026-03-02', null, 'none recorded'],
  ['UK: the VAT duty predates the GDPR: a 2017 record erased early in 2018 is kept', 'GB', 'user.financial.transaction', '2017-06-30', '2018-03-01', '2023-06-30', UK_VAT],
  ['UK: contact data is not a VAT record', 'GB', 'user.contact.email', '2024-11-15', '2026-03-02', null, UK_VAT],
];

describe('retention obligations (dated cases)', () => {
  it.each(RETENTION)('%s [%s %s recorded %s, erased %s -> kept until %s] (%s)', (_label, country, category, recordDate, erasedAt, expected, source) => {
    expect(source.length).toBeGreaterThan(3);
    const o = retentionObligation(country, category, new Date(`${erasedAt}T12:00:00Z`));
    expect(o ? retainedUntil(o, recordDate) : null).toBe(expected);
  });
});
