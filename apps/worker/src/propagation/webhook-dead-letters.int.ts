import { WEBHOOK_SCHEMA, deliveryBacklog, retryDeadDeliveries } from '@pl/messaging';
import { freshPglite, type FreshDatabase } from '../../../../test/support/databases';
import { processMetrics } from '../../../common/metrics';
import { webhookDeadLetters } from './webhook-dead-letters';

// The dead-lettering itself (three failed attempts) is proven in libs/messaging/src/webhooks/webhooks.int.ts;
// this proves the worker's gauge follows the table, up and back down after a retry.
describe('pl_webhook_dead_letters and pl_webhook_retry_queue (PGlite)', () => {
  let f: FreshDatabase;
  beforeAll(async () => {
    f = await freshPglite();
    await f.db.exec(WEBHOOK_SCHEMA);
    await f.db.query(`INSERT INTO webhook_endpoints (service, url, topics, secret_sealed) VALUES ('crm', 'https://crm.invalid/hook', '{}', 'sealed')`);
    for (const [i, status] of ['dead', 'dead', 'delivered', 'pending'].entries()) {
      await f.db.query(
        `INSERT INTO webhook_deliveries (service, event_id, topic, event_type, message_key, headers, body, status, attempts) VALUES ('crm', $1, 't', 'x', 'k', '{}', '{}', $2, 3)`,
        [`e${i}`, status],
      );
    }
  }, 120_000);
  afterAll(() => f?.drop(), 60_000);

  const gauge = async (name = 'pl_webhook_dead_letters') => new RegExp(`^${name} (\\d+)$`, 'm').exec(await processMetrics().registry.metrics())?.[1];

  it('counts the dead letters on every tick, and drops when they are put back in the queue', async () => {
    const pm = webhookDeadLetters();
    await pm.tick({ db: f.db } as any, new Date());
    expect(await gauge()).toBe('2');
    // the pending delivery has failed 3 attempts: it waits in the retry queue
    expect(await gauge('pl_webhook_retry_queue')).toBe('1');
    expect(await retryDeadDeliveries(f.db)).toBe(2);
    expect((await deliveryBacklog(f.db)).dead).toBe(0);
    await pm.tick({ db: f.db } as any, new Date());
    expect(await gauge()).toBe('0');
    // put back with attempts 0: due now, not retrying
    expect(await gauge('pl_webhook_retry_queue')).toBe('1');
  });
});
