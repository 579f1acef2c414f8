import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { catalogUseCases, type CatalogUseCases, CHECKPOINT_SCHEMA, applyBatch, ensureProjectionSchema, rebuildProjection, type CommandContext } from '@pl/application';
import { LOG_START, catalog, comparePositions, DomainError, type LogPosition } from '@pl/domain';
import { SqlEventStore } from '@pl/eventstore';
import { SQL_BACKENDS, type FreshDatabase } from '../../test/support/databases';
import { readWholeLog, storedEventCount } from './int-helpers';
import { CatalogReadModels, catalogDashboard, catalogFromHistory, catalogFromLog, catalogProjection, declaredBases, elementsOf, entities, ropa } from './index';

const T1 = new Date('2026-02-01T09:00:00.000Z');
const T2 = new Date('2026-05-01T09:00:00.000Z');
const ctx = (now: Date): CommandContext => ({ actor: 'cli:test', correlationId: randomUUID(), now });
const manifest = () => catalog.parseManifestYaml(readFileSync(join(__dirname, '../../examples/manifests/online-shop.yaml'), 'utf8')).manifest;

describe.each(SQL_BACKENDS)('catalog projection on %s', (_name, fresh) => {
  let f: FreshDatabase;
  let store: SqlEventStore;
  let commands: CatalogUseCases;
  let queries: CatalogReadModels;
  let checkpoint: LogPosition = LOG_START;

  async function project(): Promise<void> {
    const events = (await readWholeLog(store, f.db)).filter((e) => comparePositions(e.position, checkpoint) > 0);
    if (!events.length) return;
    checkpoint = events[events.length - 1].position;
    await applyBatch(f.db, catalogProjection, events.filter((e) => catalogProjection.typePrefixes!.some((p) => e.type.startsWith(p))), checkpoint);
  }
  const eventCount = () => storedEventCount(f.db);

  beforeAll(async () => {
    f = await fresh();
    store = new SqlEventStore(f.db);
    await store.init();
    await f.db.exec(CHECKPOINT_SCHEMA);
    await ensureProjectionSchema(f.db, catalogProjection);
    commands = catalogUseCases({ store });
    queries = new CatalogReadModels(store, f.db, { integrationOf: () => 'manual' });
  });
  afterAll(async () => {
    await store.close();
    await f.drop();
  });

  it('applies the example manifest; applying it again appends nothing', async () => {
    const first = await commands.applyManifest(manifest(), ctx(T1));
    expect(first.appended).toBeGreaterThan(20);
    expect(first.findings.filter((x) => x.severity === 'error')).toEqual([]);
    const before = await eventCount();
    const second = await commands.applyManifest(manifest(), ctx(T1));
    expect(second.appended).toBe(0);
    expect(second.unchanged).toBe(first.changes.length);
    expect(await eventCount()).toBe(before);
    await project();
    expect((await entities(f.db, 'system')).map((e) => e.id)).toEqual(['accounts-db', 'billing-db', 'newsletter', 'shop-web', 'web-analytics']);
    expect((await elementsOf(f.db, 'accounts-db')).map((e) => [e.element_id, e.category, e.suggestion?.category ?? null])).toContainEqual(['username', 'user.account.username', 'user.account.username']);
  });

  it('rejects an activity referencing an unknown system, and appends nothing', async () => {
    const before = await eventCount();
    const input = { ...manifest().activities![0], activity_id: 'ghostly', systems: ['ghost-db'] };
    await expect(commands.defineActivity(input, 'create', ctx(T1))).rejects.toMatchObject({ code: 'invalid', message: expect.stringMatching(/systems\[0\] is not a registered system/) });
    const bad = { ...manifest(), flows: [{ ...manifest().flows![0], flow_id: 'to-nowhere', destination_country: 'XX' }] };
    await expect(commands.applyManifest(bad, ctx(T1))).rejects.toBeInstanceOf(DomainError);
    expect(await eventCount()).toBe(before);
  });

  it('declaredBases returns the non-consent bases that cover a purpose and category', async () => {
    expect(await declaredBases(f.db, 'essential.service.payment', 'user.financial.account')).toEqual([{ activity_id: 'order-payments', lawful_basis: 'contract', source: 'GDPR Art. 6(1)(b)' }]);
    expect(await declaredBases(f.db, 'essential.legal', 'user.financial.transaction')).toEqual([{ activity_id: 'order-payments', lawful_basis: 'legal_obligation', source: 'GDPR Art. 6(1)(c)' }]);
    // the activity declares user.contact: it covers user.contact.email; the coarse value maps to essential.service
    expect(await declaredBases(f.db, 'contract_necessary', 'user.contact.email')).toEqual([{ activity_id: 'customer-accounts', lawful_basis: 'contract', source: 'GDPR Art. 6(1)(b)' }]);
    expect(await declaredBases(f.db, 'marketing.communications.email', 'user.contact.email')).toEqual([]);
    expect(await declaredBases(f.db, 'analytics.reporting', 'user.behavior.browsing_history')).toEqual([]);
    expect(await declaredBases(f.db, 'essential', 'user.contact.email')).toEqual([]);
    expect(await declaredBases(f.db, 'no.such.purpose', 'user')).toEqual([]);
  });

  it('answers Article 30 records as of a past date from the log, unchanged by later edits', async () => {
    const asOfT1 = JSON.stringify(await queries.ropa('controller', new Date(T1.getTime() + 1000)));
    const accounts = manifest().activities![0];
    await commands.defineActivity({ ...accounts, retention: [{ period: 'P1Y' }], purposes: accounts.purposes.slice(0, 1) }, 'update', ctx(T2));
    await commands.retireActivity('web-analytics', ctx(T2));
    await project();
    const pastAgain = await queries.ropa('controller', new Date(T1.getTime() + 1000));
    expect(JSON.stringify(pastAgain)).toBe(asOfT1);
    const past = pastAgain as catalog.ControllerRecord[];
    expect(past.map((r) => r.activity_id)).toEqual(['customer-accounts', 'newsletter-marketing', 'order-payments', 'web-analytics']);
    expect(past[0].retention.map((r) => r.period)).toEqual(['P3Y', 'P30D']);
    const now = (await queries.ropa('controller', T2)) as catalog.ControllerRecord[];
    // the read model's current records are the log's folded with the deciders' evolve
    expect(await ropa(f.db, 'controller', T2)).toEqual(now);
    expect(await ropa(f.db, 'processor', T2)).toEqual(await queries.ropa('processor', T2));
    expect(now.map((r) => r.activity_id)).toEqual(['customer-accounts', 'newsletter-marketing', 'order-payments']);
    expect(now[0].retention.map((r) => r.period)).toEqual(['P1Y']);
    expect(await queries.ropa('controller', new Date('2025-01-01T00:00:00Z'))).toEqual([]);
    // the newsletter flow goes to the US under SCC C2P: listed as a third-country transfer with its assessment
    const newsletter = now.find((r) => r.activity_id === 'newsletter-marketing')!;
    expect(newsletter.transfers).toContainEqual(expect.objectContaining({ country: 'US', flow_id: 'accounts-to-newsletter', safeguard: 'art46:scc' }));
    expect(newsletter.purposes[0]).toMatchObject({ lawful_basis: 'consent', source: 'GDPR Art. 6(1)(a)' });
  });


  it('the catalog as of any date folded from the read model\'s history equals the fold of the log; a batch applied again adds nothing', async () => {
    const times = (await readWholeLog(store, f.db)).filter((e) => e.streamId.startsWith('catalog-')).map((e) => Date.parse(e.metadata.occurred_at));
    const dates = [...new Set([...times, ...times.map((t) => t - 1), Date.parse('2025-01-01T00:00:00Z'), Date.now()])].sort().map((t) => new Date(t));
    expect(dates.length).toBeGreaterThan(3);
    const comparable = (c: Awaited<ReturnType<typeof catalogFromLog>>) => JSON.stringify({ ...c, elements: [...c.elements] });
    for (const at of dates) expect([at.toISOString(), comparable(await catalogFromHistory(f.db, store, checkpoint, at))]).toEqual([at.toISOString(), comparable(await catalogFromLog(store, at))]);
    // exact whatever the projection's lag: the history up to an older checkpoint, the log's catalog events after it
    const catalogEvents = (await readWholeLog(store, f.db)).filter((e) => e.streamId.startsWith('catalog-'));
    const older = catalogEvents[Math.floor(catalogEvents.length / 2)].position;
    for (const at of dates) expect([at.toISOString(), comparable(await catalogFromHistory(f.db, store, older, at))]).toEqual([at.toISOString(), comparable(await catalogFromLog(store, at))]);
    // the history holds each catalog event once, however often a batch is applied again
    const count = async () => Number((await f.db.query<{ n: string }>('SELECT count(*)::text AS n FROM rm_catalog.history')).rows[0].n);
    const before = await count();
    expect(before).toBe((await readWholeLog(store, f.db)).filter((e) => e.streamId.match(/^catalog-(system|activity|flow|processor)-/)).length);
    await applyBatch(f.db, catalogProjection, (await readWholeLog(store, f.db)).filter((e) => catalogProjection.typePrefixes!.some((p) => e.type.startsWith(p))), checkpoint);
    expect(await count()).toBe(before);
  });
  it('dashboard and breach snapshot', async () => {
    const d = await catalogDashboard(f.db, T2);
    expect(d.counts).toMatchObject({ systems: 5, activities: 3, flows: 4 });
    expect(d.flows_lacking_safeguards).toEqual([]);
    expect(d.declared_transfers_lacking_safeguards).toEqual([]);
    // A transfer declared in an activity with only free text is assessed like a flow: listed, and an activity error.
    const payments = manifest().activities!.find((a) => a.activity_id === 'order-payments')!;
    await commands.defineActivity({ ...payments, transfers: [{ country: 'US', recipient: 'Card Processor Inc', safeguard: 'Privacy Shield' }] }, 'update', ctx(T2));
    await project();
    const after = await catalogDashboard(f.db, T2);
    expect(after.declared_transfers_lacking_safeguards).toEqual([
      expect.objectContaining({ owner: 'activity', id: 'order-payments', country: 'US', reasons: expect.arrayContaining([expect.stringMatching(/C-311\/18/)]) }),
    ]);
    expect(after.activity_errors).toContainEqual(expect.objectContaining({ activity_id: 'order-payments', code: 'transfer_without_safeguard' }));
    expect(d.elements_per_category).toContainEqual({ category: 'user.authorization.credentials', elements: 1, special: true });
    const snap = await queries.snapshot(['billing-db', 'shop-web'], T2);
    expect(snap.systems.find((s) => s.system === 'billing-db')!.categories).toContainEqual({ category: 'user.financial.bank_account', special: false });
  });

  it('rebuilding by replay gives identical rows', async () => {
    const dump = async () => {
      const out: unknown[] = [];
      for (const t of ['entities', 'activity_bases']) out.push((await f.db.query(`SELECT * FROM rm_catalog.${t} ORDER BY 1, 2, 3`)).rows);
      return JSON.stringify(out);
    };
    const before = await dump();
    await rebuildProjection(f.db, store, catalogProjection);
    expect(await dump()).toBe(before);
  });
});
