import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { catalogUseCases, type CatalogUseCases, CHECKPOINT_SCHEMA, applyBatch, ensureProjectionSchema, rebuildProjection, type CommandContext, type ProjectionDefinition } from '@pl/application';
import { LOG_START, catalog, comparePositions, domainUpcasters, type LogPosition } from '@pl/domain';
import { Pseudonymizer } from '@pl/crypto';
import { SqlEventStore } from '@pl/eventstore';
import { TOPICS, eventMessageOf } from '@pl/messaging';
import type { Infrastructure } from '../../apps/common/infrastructure';
import { retentionProcessManager } from '../../apps/worker/src/retention.process-manager';
import { SQL_BACKENDS, type FreshDatabase } from '../../test/support/databases';
import { catalogProjection, currentActivities } from '../catalog';
import { readWholeLog } from '../catalog/int-helpers';
import { dataMap, dataMapProjection, dueObligationEnds, holdingsOf, receiptsInWindow, retentionReport, systemsHoldingSubject } from './index';

const T0 = new Date('2026-01-10T08:00:00.000Z');
const ctx = (now: Date): CommandContext => ({ actor: 'service:test', correlationId: randomUUID(), now });
const pseudo = new Pseudonymizer('test-pseudonym-secret-0123456789');
const alice = pseudo.subject('alice@example.com');
const bob = pseudo.subject('bob-42');

describe.each(SQL_BACKENDS)('data map projection on %s', (_name, fresh) => {
  let f: FreshDatabase;
  let store: SqlEventStore;
  let commands: CatalogUseCases;
  const checkpoints = new Map<string, LogPosition>();

  async function project(): Promise<void> {
    for (const def of [catalogProjection, dataMapProjection] as ProjectionDefinition[]) {
      const from = checkpoints.get(def.name) ?? LOG_START;
      const events = (await readWholeLog(store, f.db)).filter((e) => comparePositions(e.position, from) > 0);
      if (!events.length) continue;
      const last = events[events.length - 1].position;
      checkpoints.set(def.name, last);
      await applyBatch(f.db, def, events.filter((e) => def.typePrefixes!.some((p) => e.type.startsWith(p))), last);
    }
  }
  const receipt = (subject: string, system_id: string, category: string, purpose: string, stored_at: string) => ({ subject_key: subject, receipt: { system_id, category, purpose, stored_at } });

  beforeAll(async () => {
    f = await fresh();
    store = new SqlEventStore(f.db, { upcasters: domainUpcasters() });
    await store.init();
    await f.db.exec(CHECKPOINT_SCHEMA);
    await ensureProjectionSchema(f.db, catalogProjection);
    await ensureProjectionSchema(f.db, dataMapProjection);
    commands = catalogUseCases({ store });
    const m = catalog.parseManifestYaml(readFileSync(join(__dirname, '../../examples/manifests/online-shop.yaml'), 'utf8')).manifest;
    await commands.applyManifest(m, ctx(T0));
    await commands.recordReceipts(
      [
        receipt(alice, 'accounts-db', 'user.contact.email', 'essential.service', '2026-01-10T08:00:00Z'),
        receipt(alice, 'billing-db', 'user.financial.transaction', 'essential.legal', '2026-01-11T08:00:00Z'),
        receipt(alice, 'web-analytics', 'user.device.ip_address', 'analytics.reporting', '2026-01-12T08:00:00Z'),
        receipt(bob, 'accounts-db', 'user.contact.email', 'essential.service', '2026-03-01T08:00:00Z'),
        receipt(alice, 'accounts-db', 'user.contact.email', 'essential.service', '2026-01-20T08:00:00Z'),
      ],
      ctx(new Date('2026-03-02T00:00:00Z')),
    );
    await project();
  });
  afterAll(async () => {
    await store.close();
    await f.drop();
  });

  it('stores receipts under the pseudonymous key only', async () => {
    const events = (await readWholeLog(store, f.db)).filter((e) => e.type === 'catalog.processing_recorded');
    expect(events).toHaveLength(5);
    expect(new Set(events.map((e) => e.streamId))).toEqual(new Set([`receipts-${alice}`, `receipts-${bob}`]));
    expect(JSON.stringify(events.map((e) => [e.streamId, e.data, e.metadata]))).not.toMatch(/alice@example|bob-42/);
  });

  it('builds the per-subject data map with bases, retention and deletion dates from real receipt times', async () => {
    const map = await dataMap(f.db, alice, await currentActivities(f.db));
    expect(map.categories).toEqual(['user.contact.email', 'user.device.ip_address', 'user.financial.transaction']);
    expect(map.lawful_bases).toEqual(['consent', 'contract', 'legal_obligation']);
    const accounts = map.systems.find((s) => s.system_id === 'accounts-db')!.holdings[0];
    expect(accounts).toMatchObject({ first_stored_at: '2026-01-10T08:00:00.000Z', last_stored_at: '2026-01-20T08:00:00.000Z', receipts: 2, activity_id: 'customer-accounts', retention: 'P3Y', delete_after: '2029-01-20T08:00:00.000Z' });
    expect(map.systems.find((s) => s.system_id === 'billing-db')!.holdings[0]).toMatchObject({
      lawful_basis: 'legal_obligation',
      retention: 'P7Y',
      delete_after: '2033-01-11T08:00:00.000Z',
      rights: { erasure: 'no', portability: 'no', objection: 'no' },
    });
    expect(accounts.rights).toEqual({ erasure: 'conditional', portability: 'yes', objection: 'no' });
    expect(map.systems.find((s) => s.system_id === 'web-analytics')!.holdings[0]).toMatchObject({ retention: 'P30D', delete_after: '2026-02-11T08:00:00.000Z' });
  });

  it('exports systemsHoldingSubject and receiptsInWindow', async () => {
    expect((await systemsHoldingSubject(f.db, alice)).map((s) => s.system_id)).toEqual(['accounts-db', 'billing-db', 'web-analytics']);
    const w = await receiptsInWindow(f.db, ['accounts-db'], new Date('2026-01-15T00:00:00Z'), new Date('2026-03-31T00:00:00Z'));
    expect(w).toEqual([
      { subject_key: alice, system: 'accounts-db', category: 'user.contact.email', purpose: 'essential.service', at: '2026-01-20T08:00:00.000Z' },
      { subject_key: bob, system: 'accounts-db', category: 'user.contact.email', purpose: 'essential.service', at: '2026-03-01T08:00:00.000Z' },
    ]);
  });

  it('the retention worker records expiry once, only for what is due', async () => {
    const infra = { db: f.db, store, app: { catalog: commands } } as unknown as Infrastructure;
    const now = new Date('2026-03-02T00:00:00Z');
    const report = await retentionReport(f.db, await currentActivities(f.db), now, 30);
    expect(report.overdue.map((e) => [e.system_id, e.category])).toEqual([['web-analytics', 'user.device.ip_address']]);
    await retentionProcessManager.tick(infra, now);
    await retentionProcessManager.tick(infra, now);
    await project();
    await retentionProcessManager.tick(infra, now);
    const expired = (await readWholeLog(store, f.db)).filter((e) => e.type === 'catalog.retention_expired');
    expect(expired.map((e) => e.data)).toEqual([
      {
        subject_key: alice,
        system_id: 'web-analytics',
        category: 'user.device.ip_address',
        purpose: 'analytics.reporting',
        activity_id: 'web-analytics',
        last_stored_at: '2026-01-12T08:00:00.000Z',
        period: 'P30D',
        due_at: '2026-02-11T08:00:00.000Z',
      },
    ]);
    expect(expired[0].streamId).toBe(`receipts-${alice}`);
    expect((await holdingsOf(f.db, alice)).find((h) => h.system_id === 'web-analytics')!.expired_for).toBe('2026-01-12T08:00:00.000Z');
  });

  it('a system that reports an erasure task done loses those categories from its holdings; other outcomes change nothing', async () => {
    const carol = pseudo.subject('carol-7');
    await commands.recordReceipts(
      [
        receipt(carol, 'accounts-db', 'user.contact.email', 'essential.service', '2026-02-01T08:00:00Z'),
        receipt(carol, 'web-analytics', 'user.device.ip_address', 'analytics.reporting', '2026-02-01T08:00:00Z'),
        receipt(carol, 'web-analytics', 'user.device.ip_address', 'analytics.reporting', '2026-02-02T08:00:00Z'),
      ],
      ctx(new Date('2026-02-03T00:00:00Z')),
    );
    const at = '2026-02-04T00:00:00.000Z';
    const meta = () => ({ event_id: randomUUID(), occurred_at: at, recorded_at: at, actor: 'test', correlation_id: 'c', causation_id: null });
    const task = (task_id: string, system_id: string, categories: string[], request_type = 'erasure') => ({
      type: 'rights.task_dispatched',
      data: { request_id: 'r-carol', task_id, system_id, subject_key: carol, request_type, jurisdiction: 'GDPR', integration: 'kafka', categories, retained: [], dispatched_at: at, due_at: at, attempt: 1 },
      metadata: meta(),
    });
    const result = (task_id: string, system_id: string, outcome: string) => ({
      type: 'rights.task_result_recorded',
      data: { request_id: 'r-carol', subject_key: carol, task_id, system_id, outcome, records_affected: null, reason: outcome === 'cannot_comply' ? 'x' : null, retained: [], recorded_at: at },
      metadata: meta(),
    });
    await store.append(`dsr-${randomUUID()}`, [
      task('t-wa', 'web-analytics', ['user.device.ip_address']),
      task('t-acc', 'accounts-db', ['user.contact.email']),
      task('t-access', 'accounts-db', ['user.contact.email'], 'access'),
      result('t-access', 'accounts-db', 'done'), // an access task done erases nothing
      result('t-acc', 'accounts-db', 'cannot_comply'),
      result('t-wa', 'web-analytics', 'done'),
    ], 'no_stream');
    await project();
    expect((await holdingsOf(f.db, carol)).map((h) => [h.system_id, h.category, h.receipts])).toEqual([['accounts-db', 'user.contact.email', 1]]);
    const window = await receiptsInWindow(f.db, ['web-analytics'], new Date('2026-02-01T00:00:00Z'), new Date('2026-02-03T00:00:00Z'));
    expect(window.filter((r) => r.subject_key === carol)).toEqual([]);
    expect((await f.db.query('SELECT count(*)::int AS n FROM rm_data_map.erasure_tasks')).rows[0].n).toBe(0);
  });

  it('rebuild gives identical rows; erasure purges the subject but keeps what the analysis retained, with the reason', async () => {
    const dump = async (schema = 'rm_data_map') =>
      JSON.stringify([
        (await f.db.query(`SELECT * FROM ${schema}.holdings ORDER BY 1,2,3,4`)).rows,
        (await f.db.query(`SELECT * FROM ${schema}.receipts ORDER BY 1,2`)).rows,
        (await f.db.query(`SELECT * FROM ${schema}.erasure_tasks ORDER BY 1`)).rows,
      ]);
    const before = await dump();
    await rebuildProjection(f.db, store, dataMapProjection);
    expect(await dump()).toBe(before);
    const meta = (at: string) => ({ event_id: randomUUID(), occurred_at: at, recorded_at: at, actor: 'test', correlation_id: 'c', causation_id: null });
    const billing = { system_id: 'billing-db', category: 'user.financial.transaction', reason_code: 'legal_obligation_retention', source: 'GDPR Art. 17(3)(b)', explanation: 'kept for tax law', retain_until: '2036-01-11' };
    await store.append(`dsr-${randomUUID()}`, [{
      type: 'rights.subject_erased',
      schemaVersion: 2,
      data: { request_id: 'r', subject_key: alice, erased: { data_keys_shredded: 1, read_models_purged: [] }, retained: [billing], ground: 'x', erased_at: '2026-03-03T00:00:00.000Z' },
      metadata: meta('2026-03-03T00:00:00.000Z'),
    }], 'no_stream');
    // a version 1 erasure (written before `retained` existed) is upcast to "nothing retained"
    await store.append(`dsr-${randomUUID()}`, [{
      type: 'rights.subject_erased',
      data: { request_id: 'r2', subject_key: bob, erased: { data_keys_shredded: 1, read_models_purged: [] }, ground: 'x', erased_at: '2026-03-04T00:00:00.000Z' },
      metadata: meta('2026-03-04T00:00:00.000Z'),
    }], 'no_stream');
    await project();
    const left = await holdingsOf(f.db, alice);
    expect(left.map((h) => [h.system_id, h.category, h.retained])).toEqual([
      ['billing-db', 'user.financial.transaction', { reason_code: 'legal_obligation_retention', source: 'GDPR Art. 17(3)(b)', until: '2036-01-11', since: '2026-03-03T00:00:00.000Z' }],
    ]);
    const kept = await receiptsInWindow(f.db, ['accounts-db', 'billing-db', 'web-analytics'], new Date('2026-01-01T00:00:00Z'), new Date('2026-12-31T00:00:00Z'));
    expect(kept.filter((r) => r.subject_key === alice || r.subject_key === bob).map((r) => [r.subject_key === alice ? 'alice' : 'bob', r.system])).toEqual([['alice', 'billing-db']]);
    expect(await holdingsOf(f.db, bob)).toEqual([]);

    // the batched handler gives the same rows event by event as in one batch, and again on a rebuild
    const afterErasure = await dump();
    await rebuildProjection(f.db, store, dataMapProjection);
    expect(await dump()).toBe(afterErasure);
    const single = 'rm_data_map__single';
    await f.db.exec(`DROP SCHEMA IF EXISTS ${single} CASCADE`);
    await ensureProjectionSchema(f.db, dataMapProjection, single);
    const mine = (await readWholeLog(store, f.db)).filter((e) => dataMapProjection.typePrefixes!.some((p) => e.type.startsWith(p)));
    for (const e of mine) await applyBatch(f.db, dataMapProjection, [e], e.position, single, 'data_map__single');
    expect(await dump(single)).toBe(afterErasure);
    await f.db.exec(`DROP SCHEMA ${single} CASCADE`);
  });

  it('a kept holding goes when its obligation ends: once, told to its system, dropped from the map, the same on a rebuild', async () => {
    const infra = { db: f.db, store, app: { catalog: commands } } as unknown as Infrastructure;
    const mine = async (type: string) => (await readWholeLog(store, f.db)).filter((e) => e.type === type && e.streamId === `receipts-${alice}` && (e.data as any).system_id === 'billing-db');
    // the activity's 7 years have passed (2033-01-11) but the erasure kept the holding until 2036-01-11: the obligation decides
    await retentionProcessManager.tick(infra, new Date('2034-01-01T00:00:00Z'));
    await retentionProcessManager.tick(infra, new Date('2036-01-11T23:59:59Z'));
    await project();
    expect(await mine('catalog.retention_expired')).toEqual([]);
    expect(await mine('catalog.retention_obligation_ended')).toEqual([]);
    expect((await holdingsOf(f.db, alice)).map((h) => h.system_id)).toEqual(['billing-db']);
    // the report shows it kept under its obligation (with its source) until the obligation ends, not overdue by the activity's 7 years
    const kept = (r: Awaited<ReturnType<typeof retentionReport>>, list: 'overdue' | 'retained') => r[list].filter((e) => e.subject_key === alice && e.system_id === 'billing-db');
    const keptReport = await retentionReport(f.db, await currentActivities(f.db), new Date('2034-01-01T00:00:00Z'), 30);
    expect(kept(keptReport, 'overdue')).toEqual([]);
    expect(kept(keptReport, 'retained')).toEqual([expect.objectContaining({ delete_after: '2036-01-12T00:00:00.000Z', retained: expect.objectContaining({ source: 'GDPR Art. 17(3)(b)', until: '2036-01-11' }) })]);
    const endedReport = await retentionReport(f.db, await currentActivities(f.db), new Date('2036-01-12T00:00:00Z'), 30);
    expect([kept(endedReport, 'retained'), kept(endedReport, 'overdue').map((e) => e.delete_after)]).toEqual([[], ['2036-01-12T00:00:00.000Z']]);
    // the last day kept is a day of the controller's establishment: over in Berlin at 23:00 UTC, not yet in London (the default)
    const due = async (at: string, zone: string) => {
      const out: string[] = [];
      for await (const h of dueObligationEnds(f.db, new Date(at), zone)) if (h.subject_key === alice) out.push(h.system_id);
      return out;
    };
    expect([await due('2036-01-11T23:30:00Z', 'Europe/Berlin'), await due('2036-01-11T23:30:00Z', 'Europe/London')]).toEqual([['billing-db'], []]);

    const ended = new Date('2036-01-12T00:00:00Z');
    await retentionProcessManager.tick(infra, ended);
    await retentionProcessManager.tick(infra, ended); // killed before the projection caught up: the decider appends nothing twice
    const events = await mine('catalog.retention_obligation_ended');
    expect(events.map((e) => e.data)).toEqual([
      {
        subject_key: alice,
        system_id: 'billing-db',
        category: 'user.financial.transaction',
        // the receipt's older key, read as the fideslang key it aliases (issue 18)
        purpose: 'essential.legal_obligation',
        reason_code: 'legal_obligation_retention',
        source: 'GDPR Art. 17(3)(b)',
        retained_until: '2036-01-11',
        retained_since: '2026-03-03T00:00:00.000Z',
        time_zone: 'Europe/London',
        due_at: '2036-01-12T00:00:00.000Z',
      },
    ]);
    const message = eventMessageOf(events[0])!;
    expect(message).toMatchObject({ topic: TOPICS.rightsTasks, key: 'billing-db' });
    expect(JSON.stringify(message)).not.toMatch(/alice@example/);

    await project();
    expect(await holdingsOf(f.db, alice)).toEqual([]);
    const receipts = await receiptsInWindow(f.db, ['billing-db'], new Date('2026-01-01T00:00:00Z'), new Date('2026-12-31T00:00:00Z'));
    expect(receipts.filter((r) => r.subject_key === alice)).toEqual([]);
    await retentionProcessManager.tick(infra, new Date('2036-02-01T00:00:00Z'));
    expect(await mine('catalog.retention_obligation_ended')).toHaveLength(1);

    const rows = async () => JSON.stringify([(await f.db.query('SELECT * FROM rm_data_map.holdings ORDER BY 1,2,3,4')).rows, (await f.db.query('SELECT * FROM rm_data_map.receipts ORDER BY 1,2')).rows]);
    const before = await rows();
    await rebuildProjection(f.db, store, dataMapProjection);
    expect(await rows()).toBe(before);
  });
});
