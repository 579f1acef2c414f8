import { SqlEventStore } from '@pl/eventstore';
import { readCheckpoint } from '@pl/application';
import { freshPglite, type FreshDatabase } from '../../../test/support/databases';
import { KafkaRelay, createKafka } from '@pl/messaging';
import { appendTo, newEvent } from '../test/kafka-support';

// Needs no broker: nothing listens on port 1.
describe('KafkaRelay with the broker unreachable', () => {
  let fresh: FreshDatabase;
  let store: SqlEventStore;
  beforeEach(async () => {
    fresh = await freshPglite();
    store = new SqlEventStore(fresh.db);
    await store.init();
  });
  afterEach(async () => {
    await store.close();
    await fresh.drop();
  });

  it('starts without blocking, reports not ready, retries with backoff and never advances its checkpoint', async () => {
    await appendTo(store, 'consent-sub_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', newEvent('consent.given', { category: 'c', purpose: 'p' }));
    const relay = new KafkaRelay(fresh.db, store, {
      kafka: createKafka({ brokers: ['127.0.0.1:1'], clientId: 'unreachable', connectionTimeoutMs: 200, retry: { retries: 1 } }),
      backoff: { initialMs: 50, maxMs: 200 },
    });
    const t0 = Date.now();
    relay.start();
    expect(Date.now() - t0).toBeLessThan(50);
    await new Promise((r) => setTimeout(r, 2500));
    const status = relay.status();
    expect(status.ready).toBe(false);
    expect(['retrying', 'connecting']).toContain(status.state);
    expect(status.attempts).toBeGreaterThanOrEqual(2);
    expect(status.lastError).toMatch(/connect|ECONNREFUSED/i);
    expect(await readCheckpoint(fresh.db, 'relay:kafka')).toBeNull();
    await relay.stop();
    expect(relay.status()).toMatchObject({ state: 'stopped', ready: false });
  });
});
