import { randomUUID } from 'node:crypto';
import { startTestApp, type TestApp } from '../../../../test/support/app';
import { breachClocks } from './breach-clocks';

async function registerSystem(t: TestApp, systemId: string, occurredAt: string): Promise<void> {
  const metadata = { event_id: randomUUID(), occurred_at: occurredAt, recorded_at: occurredAt, actor: 'test', correlation_id: randomUUID(), causation_id: null };
  await t.infra.store.append(`catalog-system-${systemId}`, [{ type: 'catalog.system_registered', data: { system: { system_id: systemId } }, metadata }], 'no_stream');
}

describe('breach clocks in the running worker (pglite)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ backend: 'pglite', worker: { processManagers: [breachClocks(100)] } });
    await registerSystem(t, 'crm', new Date(Date.now() - 90 * 86_400_000).toISOString());
  }, 120_000);
  afterAll(() => t?.close(), 60_000);

  async function timelineUntil(id: string, done: (types: string[]) => boolean): Promise<any[]> {
    for (let i = 0; i < 100; i++) {
      const res = await t.request('GET', `/breaches/${id}`);
      if (done(res.body.timeline.map((e: any) => e.type))) return res.body.timeline;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('the worker never reacted');
  }

  it('warns before the 72 h deadline and reports it overdue, once each', async () => {
    const body = (hoursAgo: number) => ({
      aware_at: new Date(Date.now() - hoursAgo * 3_600_000).toISOString(),
      source: 'processor',
      description: 'processor reported unauthorised access',
      reporter_role: 'privacy_office',
      systems: ['crm'],
    });
    const warned = (await t.request('POST', '/breaches', body(60))).body.breach_id;
    const late = (await t.request('POST', '/breaches', body(80))).body.breach_id;
    const w = await timelineUntil(warned, (types) => types.includes('breach.deadline_warning'));
    expect(w.find((e) => e.type === 'breach.deadline_warning').data).toMatchObject({ deadline: 'gdpr_art33_authority', threshold_hours: 24 });
    await timelineUntil(late, (types) => types.includes('breach.deadline_overdue'));
    await new Promise((r) => setTimeout(r, 500)); // several more ticks
    const again = (await t.request('GET', `/breaches/${late}`)).body.timeline.filter((e: any) => e.type.startsWith('breach.deadline_'));
    expect(again.map((e: any) => e.type)).toEqual(['breach.deadline_overdue']);
    const listed = await t.request('GET', '/breaches?status=open');
    const row = listed.body.breaches.find((b: any) => b.breach_id === late);
    expect(row?.deadlines[0].overdue ?? true).toBe(true);
    // the metrics behind the alerts BreachDeadlineWithin24h and BreachDeadlineOverdue: 12 h left, 8 h late
    for (let i = 0; i < 100; i++) {
      const text = (await t.request('GET', '/metrics', undefined, null)).body as string;
      if (/^pl_breaches_deadline_within_24h 1$/m.test(text) && /^pl_breaches_deadline_overdue 1$/m.test(text)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('pl_breaches_deadline_within_24h and pl_breaches_deadline_overdue never reached 1 and 1');
  });
});
