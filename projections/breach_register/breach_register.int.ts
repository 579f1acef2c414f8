import { randomUUID } from 'node:crypto';
import { CHECKPOINT_SCHEMA, applyBatch, ensureProjectionSchema, handleCommand, rebuildProjection, type CommandContext } from '@pl/application';
import { LOG_START, comparePositions } from '@pl/domain';
import { breachDecider, breachStreamId, type BreachCommand, type RiskFactors } from '@pl/domain/breach';
import { SqlEventStore } from '@pl/eventstore';
import { SQL_BACKENDS, type FreshDatabase } from '../../test/support/databases';
import { breachRegisterCsv, breachRegisterProjection, breachesWithRunningClocks, getBreach, listBreaches } from './index';

const aware = '2026-03-02T08:00:00.000Z';
const at = (h: number) => new Date(Date.parse(aware) + h * 3_600_000);
const ctx = (h: number): CommandContext => ({ actor: 'apikey:test', correlationId: randomUUID(), now: at(h) });

const factors: RiskFactors = {
  confidentiality: true,
  integrity: false,
  availability: false,
  categories: ['user.contact.email', 'user.account.credentials'],
  special_categories: [],
  subjects_count: 40,
  records_count: 80,
  identifiability: 'maximum',
  encrypted: false,
  keys_safe: false,
  backup_available: true,
  vulnerable_subjects: false,
  likely_consequences: ['account takeover'],
};

describe.each(SQL_BACKENDS)('breach register projection on %s', (_name, fresh) => {
  let f: FreshDatabase;
  let store: SqlEventStore;
  const a = randomUUID();
  const b = randomUUID();

  let last = LOG_START;
  const run = async (id: string, cmd: BreachCommand, h: number) => {
    const r = await handleCommand(store, breachDecider, breachStreamId(id), cmd, ctx(h));
    if (r.appended) last = r.appended.position;
    return r;
  };
  /** Reads until our last append is visible: other sessions' open transactions on the shared server can hold it back (invariant 4). */
  async function project(): Promise<void> {
    const deadline = Date.now() + 60_000;
    let events = await store.readAll(LOG_START);
    while (!events.length || comparePositions(events[events.length - 1].position, last) < 0) {
      if (Date.now() > deadline) throw new Error('appended events never became visible');
      await new Promise((r) => setTimeout(r, 50));
      events = await store.readAll(LOG_START);
    }
    await applyBatch(f.db, breachRegisterProjection, events, events[events.length - 1].position);
  }

  beforeAll(async () => {
    f = await fresh();
    store = new SqlEventStore(f.db);
    await store.init();
    await f.db.exec(CHECKPOINT_SCHEMA);
    await ensureProjectionSchema(f.db, breachRegisterProjection);
    const detect = (id: string): BreachCommand => ({
      type: 'DetectBreach',
      breachId: id,
      awareAt: aware,
      source: 'internal_monitoring',
      description: 'credential dump found',
      reporterRole: 'security_operations',
      systems: ['crm'],
      knownSystems: ['crm'],
      now: at(1),
    });
    await run(a, detect(a), 1);
    await run(b, detect(b), 1);
    await run(a, { type: 'AssessBreach', factors, subjectJurisdictions: { DE: 30, 'US-CA': 10 }, mainEstablishment: null, measuresTaken: ['reset'], measuresProposed: [], contactPoint: 'dpo@example.com', now: at(3) }, 3);
    await run(a, { type: 'NotifyAuthority', authority: 'DE', phase: 'initial', now: at(20) }, 20);
    await run(a, { type: 'CheckClocks', now: at(24 * 25) }, 24 * 25);
  }, 120_000);
  afterAll(() => f.drop(), 60_000);

  it('shows every breach with its stage and the time left on each clock', async () => {
    await project();
    const now = at(30);
    const { rows } = await listBreaches(f.db, now);
    expect(rows.map((r) => r.breach_id).sort()).toEqual([a, b].sort());
    const ra = rows.find((r) => r.breach_id === a)!;
    expect(ra.stage).toBe('authority_notified');
    expect(ra.risk_level).toBe('high');
    expect(ra.risk_reasons.join(' ')).toMatch(/credentials/);
    expect(rows.find((r) => r.breach_id === b)!.risk_reasons).toEqual([]);
    expect(ra.authorities).toEqual(['DE']);
    expect(ra.authorities_notified.DE.initial_at).toBe(at(20).toISOString());
    const gdpr = ra.deadlines.find((d) => d.id === 'gdpr_art33_authority')!;
    expect(gdpr.met_at).toBe(at(20).toISOString());
    expect(gdpr.time_left_ms).toBeNull();
    const ca = ra.deadlines.find((d) => d.id === 'ca_residents')!;
    // the zone a day count ends in (California's calendar days); GDPR's 72 hours are a duration
    expect(ca.deadline_timezone).toBe('America/Los_Angeles');
    expect(gdpr.deadline_timezone).toBeNull();
    // 30 California calendar days from 2 Mar: the end of 1 Apr in Los Angeles (PDT)
    expect(ca.time_left_ms).toBe(Date.parse('2026-04-02T06:59:59.999Z') - now.getTime());
    const rb = rows.find((r) => r.breach_id === b)!;
    expect(rb.stage).toBe('detected');
    expect(rb.deadlines.map((d) => [d.id, d.time_left_ms])).toEqual([['gdpr_art33_authority', at(72).getTime() - now.getTime()]]);
    expect(rb.deadlines[0].overdue).toBe(false);
    expect(rb.deadlines[0].time_left_hours).toBe(42);
    const one = await getBreach(f.db, a, now);
    expect(one!.timeline.map((t) => t.type)).toEqual(['breach.detected', 'breach.assessed', 'breach.authority_notified', 'breach.deadline_warning']);
    expect(await getBreach(f.db, randomUUID(), now)).toBeNull();
  });

  it('exports the register as CSV', async () => {
    const csv = await breachRegisterCsv(f.db, at(30));
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0].split(',')).toContain('risk_reasons');
    expect(lines).toHaveLength(3);
    expect(csv).toContain(`"${a}"`);
    expect(csv).toContain(`"DE ${at(20).toISOString()}"`);
  });

  it('lists the breaches whose clocks the worker must check', async () => {
    expect(await breachesWithRunningClocks(f.db, at(0))).toEqual([]);
    expect(await breachesWithRunningClocks(f.db, at(73))).toEqual([b]);
    expect((await breachesWithRunningClocks(f.db, at(24 * 31))).sort()).toEqual([a, b].sort());
  });

  it('is idempotent and a rebuild by replay gives identical rows', async () => {
    const snapshot = async () => (await f.db.query('SELECT * FROM rm_breach_register.breaches ORDER BY breach_id')).rows.map((r: any) => JSON.stringify(r));
    const timeline = async () => (await f.db.query('SELECT count(*)::int AS n FROM rm_breach_register.breach_timeline')).rows[0].n;
    const before = await snapshot();
    const n = await timeline();
    await project();
    expect(await snapshot()).toEqual(before);
    expect(await timeline()).toBe(n);
    await rebuildProjection(f.db, store, breachRegisterProjection);
    expect(await snapshot()).toEqual(before);
    expect(await timeline()).toBe(n);
  });
});
