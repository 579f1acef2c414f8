import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { rebuildProjection } from '@pl/application';
import { AuditSigner } from '@pl/audit';
import { PgDatabase, SqlEventStore, type SqlDatabase } from '@pl/eventstore';
import { registerEndpoint, SecretBox, TOPICS, WEBHOOK_SCHEMA } from '@pl/messaging';
import { OutboundPolicy } from '@pl/outbound';
import { auditChainProjection, signCurrentHead } from '@pl/projections/audit_chain';
import { SQL_BACKENDS, type FreshDatabase } from '../../../test/support/databases';
import { HEAD_PUBLISHER_IDLE_MS, HeadPublisher } from './audit-heads';

/** Counts the statements a component sends (issue 14, defect 5: an idle publisher sends none). */
function counting(db: SqlDatabase): { db: SqlDatabase; calls: () => number } {
  let calls = 0;
  const counted = new Proxy(db, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (prop === 'query' || prop === 'exec' || prop === 'transaction' || prop === 'tryLock') calls++;
        return value.apply(target, args);
      };
    },
  });
  return { db: counted, calls: () => calls };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(SQL_BACKENDS)('the audit head publisher sleeps until a head is saved (%s)', (backend, open) => {
  let fresh: FreshDatabase;
  let store: SqlEventStore;
  let publisher: HeadPublisher | null = null;
  let other: PgDatabase | null = null;
  const signer = new AuditSigner(generateKeyPairSync('ed25519').privateKey);

  async function append(n: number): Promise<void> {
    for (let i = 0; i < n; i++) {
      const at = new Date().toISOString();
      await store.append(`demo-${randomUUID()}`, [{ type: 'demo.item_added', data: { item: 'milk' }, metadata: { event_id: randomUUID(), occurred_at: at, recorded_at: at, actor: 'test', correlation_id: randomUUID(), causation_id: null } }], 'any');
    }
    await rebuildProjection(fresh.db, store, auditChainProjection);
  }

  async function deliveries(): Promise<string[]> {
    return (await fresh.db.query<{ message_key: string }>('SELECT message_key FROM webhook_deliveries ORDER BY id')).rows.map((r) => r.message_key);
  }

  async function until(what: () => Promise<boolean>, ms: number): Promise<boolean> {
    for (const end = Date.now() + ms; Date.now() < end; await sleep(50)) if (await what()) return true;
    return what();
  }

  beforeAll(async () => {
    fresh = await open();
    store = new SqlEventStore(fresh.db);
    await store.init();
    await fresh.db.exec(WEBHOOK_SCHEMA);
    await registerEndpoint(fresh.db, new SecretBox(randomBytes(32)), { service: 'auditor', url: 'http://127.0.0.1:19219/heads', topics: [TOPICS.auditHeads] }, OutboundPolicy.fromSetting('127.0.0.1/32'));
  });
  afterAll(async () => {
    await publisher?.stop();
    await other?.close();
    await fresh?.drop();
  });

  it('publishes a head saved by another process at once, and sends no statement while nothing happens', async () => {
    await append(3);
    await signCurrentHead(fresh.db, signer, new Date());
    const probe = counting(fresh.db);
    publisher = new HeadPublisher(probe.db, signer);
    await publisher.start();
    expect(await until(async () => (await deliveries()).length === 1, 10_000)).toBe(true); // the first pass at start

    expect(HEAD_PUBLISHER_IDLE_MS).toBeGreaterThanOrEqual(30_000);
    // the first pass ends (after publishing it reads the backlog and the next retry time): no call for a second
    for (let last = -1; last !== probe.calls(); ) {
      last = probe.calls();
      await sleep(1000);
    }
    const idle = probe.calls();
    await sleep(2500);
    expect(probe.calls() - idle).toBe(0);

    // PostgreSQL: saved through another pool, as the API or the CLI would; PGlite: one process owns it
    other = backend === 'postgres' ? new PgDatabase(fresh.url!) : null;
    await append(2);
    // its next pass of its own is HEAD_PUBLISHER_IDLE_MS (30 s) after the first: only the NOTIFY of the saved head wakes it
    const head = (await signCurrentHead(other ?? fresh.db, signer, new Date()))!;
    expect(await until(async () => (await deliveries()).length === 2, 10_000)).toBe(true);
    expect((await deliveries())[1]).toContain(head.seq);
    expect(publisher.status()).toMatchObject({ ready: true, detail: { published: 2 } });
  });
});
