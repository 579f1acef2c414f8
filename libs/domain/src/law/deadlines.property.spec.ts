import fc from 'fast-check';
import { BREACH_DEADLINE_RULES, dueAt, EEA_MEMBER_STATES } from './breach';
import { computeDeadline, DEADLINE_RULES } from './deadlines';
import { deadlineBasis, type Establishment } from './establishment';

/** Every place the service promises a calendar for: the EU/EEA member states, the UK nations, some regions, California. */
const PLACES: readonly Establishment[] = [
  ...EEA_MEMBER_STATES.map((country) => ({ country })),
  ...['ENG', 'WLS', 'SCT', 'NIR'].map((region) => ({ country: 'GB', region })),
  { country: 'DE', region: 'BY' }, { country: 'DE', region: 'NW' }, { country: 'ES', region: 'CT' }, { country: 'FR', region: '57' },
];

const FROM = Date.UTC(2000, 0, 1);
const TO = Date.UTC(2100, 11, 31, 23, 59, 59);
const instant = fc.integer({ min: FROM, max: TO }).map((t) => new Date(t));
const rules = Object.values(DEADLINE_RULES);

describe('deadline properties (2000-2100, every supported place)', () => {
  it('every EU/EEA member state and UK nation has a holiday calendar (no fallback warning)', () => {
    for (const p of PLACES) expect([p, deadlineBasis('GDPR', p).warnings]).toEqual([p, []]);
  });

  it('no request deadline throws, and none is before the receipt', () => {
    fc.assert(
      fc.property(instant, fc.constantFrom(...PLACES), fc.constantFrom(...rules), (received, place, rule) => {
        const basis = deadlineBasis(rule.jurisdiction, place);
        const due = computeDeadline(rule, received, basis.calendar);
        return Number.isFinite(due.getTime()) && due.getTime() >= received.getTime();
      }),
      { numRuns: 500 },
    );
  });

  it('no breach clock throws, and none ends before its anchor', () => {
    fc.assert(
      fc.property(instant, fc.constantFrom(...BREACH_DEADLINE_RULES), (anchor, rule) => Date.parse(dueAt(rule, anchor.toISOString())) > anchor.getTime()),
      { numRuns: 300 },
    );
  });
});
