import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { catalogUseCases, CHECKPOINT_SCHEMA, ensureProjectionSchema, type CommandContext } from '@pl/application';
import { catalog, domainUpcasters } from '@pl/domain';
import { Pseudonymizer } from '@pl/crypto';
import { SqlEventStore, type EventStore } from '@pl/eventstore';
import { catalogProjection } from '@pl/projections/catalog';
import { dataMapProjection } from '@pl/projections/data_map';
import type { Infrastructure } from '../../common/infrastructure';
import { SQL_BACKENDS, type FreshDatabase } from '../../../test/support/databases';
import { expectSameFactsAfterEachCrash, projectToHead, type CrashWorld } from '../../../test/support/crash-store';
import { retentionProcessManager } from './retention.process-manager';

const T0 = new Date('2026-01-10T08:00:00.000Z');
/** The web-analytics holdings' 30 days ran out on 11 Feb; the obligations that kept the billing holdings ended on 20 Feb. */
const NOW = new Date('2026-03-02T00:00:00.000Z');
const ctx = (now: Date): CommandContext => ({ actor: 'service:test', correlationId: randomUUID(), now });
const pseudo = new Pseudonymizer('retention-crash-secret-0123456789');
const EXPIRING = ['ana', 'ben', 'cem'].map((u) => pseudo.subject(u));
const KEPT = ['dan', 'eva'].map((u) => pseudo.subject(u));

/**
 * Crash test of the retention process manager (Art. 5(1)(e)): a tick interrupted right after each
 * of its appends (`catalog.retention_expired` for holdings past their activity's retention,
 * `catalog.retention_obligation_ended` for holdings an erasure kept until an obligation ended),
 * then ticks run again, leaves the log an uninterrupted run leaves (same facts, none twice).
 */
type World = CrashWorld & { f: FreshDatabase };

describe.each(SQL_BACKENDS)('retention process manager crash test on %s', (_name, open) => {
  jest.setTimeout(300_000);

  async function world(): Promise<World> {
    const f = await open();
    const store = new SqlEventStore(f.db, { upcasters: domainUpcasters() });
    await store.init();
    await f.db.exec(CHECKPOINT_SCHEMA);
    await ensureProjectionSchema(f.db, catalogProjection);
    await ensureProjectionSchema(f.db, dataMapProjection);
    const commands = catalogUseCases({ store });
    await commands.applyManifest(catalog.parseManifestYaml(readFileSync(join(__dirname, '../../../examples/manifests/online-shop.yaml'), 'utf8')).manifest, ctx(T0));
    const receipt = (subject_key: string, system_id: string, category: string, purpose: string) => ({ subject_key, receipt: { system_id, category, purpose, stored_at: '2026-01-12T08:00:00Z' } });
    await commands.recordReceipts(
      [
        ...EXPIRING.map((s) => receipt(s, 'web-analytics', 'user.device.ip_address', 'analytics.reporting')),
        ...KEPT.map((s) => receipt(s, 'billing-db', 'user.financial.transaction', 'essential.legal')),
      ],
      ctx(new Date('2026-01-13T00:00:00Z')),
    );
    // each kept subject was erased with the billing holding retained until 20 Feb (Art. 17(3)(b))
    for (const [i, subject_key] of KEPT.entries()) {
      const erased_at = '2026-01-20T00:00:00.000Z';
      const retained = [{ system_id: 'billing-db', category: 'user.financial.transaction', reason_code: 'legal_obligation_retention', source: 'GDPR Art. 17(3)(b)', explanation: 'kept for tax law', retain_until: '2026-02-20' }];
      const metadata = { event_id: randomUUID(), occurred_at: erased_at, recorded_at: erased_at, actor: 'test', correlation_id: 'c', causation_id: null };
      await store.append(`dsr-retention-crash-${i}`, [{ type: 'rights.subject_erased', schemaVersion: 2, data: { request_id: `r${i}`, subject_key, erased: { data_keys_shredded: 1, read_models_purged: [] }, retained, ground: 'x', erased_at }, metadata }], 'no_stream');
    }
    const project = async () => {
      await projectToHead(f.db, store, catalogProjection);
      await projectToHead(f.db, store, dataMapProjection);
    };
    await project();
    return { f, store, project, close: async () => { await store.close(); await f.drop(); } };
  }

  /** The worker's tick with the catalog use cases bound to `store` (the tick reads the read models and records through them). */
  const tick = (w: World, store: EventStore) => retentionProcessManager.tick({ db: w.f.db, app: { catalog: catalogUseCases({ store }) } } as unknown as Infrastructure, NOW);

  it('interrupted after each append, then run again: the log equals an uninterrupted run', async () => {
    const { facts, appends } = await expectSameFactsAfterEachCrash({ world, tick });
    const of = (type: string) => facts.filter((x) => x.includes(`"${type}"`)).map((x) => JSON.parse(x)[0]).sort();
    expect(of('catalog.retention_expired')).toEqual(EXPIRING.map((s) => `receipts-${s}`).sort());
    expect(of('catalog.retention_obligation_ended')).toEqual(KEPT.map((s) => `receipts-${s}`).sort());
    expect(appends).toBe(EXPIRING.length + KEPT.length);
  });
});
