import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFaults } from '@pl/application';
import { PgDatabase, SqlEventStore } from '@pl/eventstore';
import { freshPostgres, type FreshDatabase } from '../../../../test/support/databases';
import {
  SecretBox,
  TOPICS,
  WebhookDeliverer,
  WebhookDispatcher,
  deliveryBacklog,
  listDeliveries,
  registerEndpoint,
  retryDeadDeliveries,
  WEBHOOK_HEADERS,
  STANDARD_WEBHOOK_HEADERS,
} from '@pl/messaging';
import { Webhook } from 'standardwebhooks';
import { OutboundPolicy } from '@pl/outbound';
import { noDnsInTests } from '../../../../test/support/outbound';
import { appendTo, newEvent } from '../../test/kafka-support';

// The receivers listen on 127.0.0.1, which outbound calls reach only when allow-listed.
const policy = OutboundPolicy.fromSetting('127.0.0.1/32', noDnsInTests);

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
  at: number;
}

/** A real local HTTP endpoint whose behaviour the test switches. */
async function endpoint(behaviour: { mode: 'ok' | 'fail' | 'hang' }): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ headers: req.headers, body, at: Date.now() });
      if (behaviour.mode === 'ok') res.writeHead(204).end();
      else if (behaviour.mode === 'fail') res.writeHead(503).end('down');
      // hang: never answers
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received, server };
}

const subject = () => `sub_${randomBytes(24).toString('base64url').slice(0, 32)}`;

describe('webhooks: signed deliveries, retries, dead letters', () => {
  let fresh: FreshDatabase;
  let store: SqlEventStore;
  const servers: Server[] = [];
  let dispatcher: WebhookDispatcher;
  let deliverer: WebhookDeliverer;
  const box = new SecretBox(randomBytes(32));

  beforeEach(async () => {
    fresh = await freshPostgres('pl_webhooks');
    store = new SqlEventStore(fresh.db);
    await store.init();
    dispatcher = new WebhookDispatcher(fresh.db, store);
    await dispatcher.start();
  });
  afterEach(async () => {
    await deliverer?.stop();
    await dispatcher.stop();
    for (const s of servers.splice(0)) {
      s.closeAllConnections();
      s.close();
    }
    await store.close();
    await fresh.drop();
  });

  it('a hanging or failing endpoint does not hold up a healthy one; failures are retried then dead-lettered, and the CLI retry re-delivers', async () => {
    const good = await endpoint({ mode: 'ok' });
    const flaky = { mode: 'fail' as 'ok' | 'fail' | 'hang' };
    const bad = await endpoint(flaky);
    const slow = await endpoint({ mode: 'hang' });
    servers.push(good.server, bad.server, slow.server);
    const goodReg = await registerEndpoint(fresh.db, box, { service: 'good', url: good.url, topics: [TOPICS.consentEvents] }, policy);
    await registerEndpoint(fresh.db, box, { service: 'bad', url: bad.url, topics: [TOPICS.consentEvents] }, policy);
    await registerEndpoint(fresh.db, box, { service: 'slow', url: slow.url, topics: [TOPICS.consentEvents] }, policy);
    // the secret is stored sealed, never in clear
    const stored = await fresh.db.query<{ secret_sealed: string }>("SELECT secret_sealed FROM webhook_endpoints WHERE service = 'good'");
    expect(stored.rows[0].secret_sealed).not.toContain(goodReg.secret);

    const subjects = [subject(), subject(), subject()];
    const ids: string[] = [];
    let last = { tx: -1n, pos: -1n };
    for (let i = 0; i < 12; i++) {
      const ev = newEvent(i % 2 ? 'consent.withdrawn' : 'consent.given', { subject_key: subjects[i % 3], category: 'contact', purpose: `p${i}` });
      ids.push(ev.metadata.event_id);
      last = (await appendTo(store, `consent-${subjects[i % 3]}`, ev)).position;
    }
    await dispatcher.waitFor(last);

    deliverer = new WebhookDeliverer(fresh.db, box, { policy, timeoutMs: 1500, maxAttempts: 3, backoff: { initialMs: 50, maxMs: 100 }, pollMs: 20, perServiceConcurrency: 4 });
    const t0 = Date.now();
    await deliverer.start();
    await waitUntil(() => good.received.length >= 12, 5000);
    // all 12 arrived while the slow endpoint's first requests were still hanging (timeout 1.5 s)
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(good.received.map((r) => r.headers[WEBHOOK_HEADERS.eventId]).sort()).toEqual([...ids].sort());

    // signature: HMAC-SHA256(secret, "<timestamp>.<body>") and a fresh timestamp
    for (const r of good.received) {
      const ts = String(r.headers[WEBHOOK_HEADERS.timestamp]);
      const expected = 'sha256=' + createHmac('sha256', goodReg.secret).update(`${ts}.${r.body}`).digest('hex');
      expect(r.headers[WEBHOOK_HEADERS.signature]).toBe(expected);
      expect(Math.abs(Date.now() / 1000 - Number(ts))).toBeLessThan(30);
      const body = JSON.parse(r.body);
      expect(body.event_id).toBe(r.headers[WEBHOOK_HEADERS.eventId]);
      expect(body).not.toHaveProperty('user_id');
    }
    // per-subject order: each subject's events arrive in revision order
    for (const s of subjects) {
      const revs = good.received.map((r) => JSON.parse(r.body)).filter((b) => b.subject_key === s).map((b) => Number(b.revision));
      expect(revs).toEqual([...revs].sort((a, b) => a - b));
    }

    // the failing endpoint: 3 attempts each with 503, then dead
    await waitUntil(async () => (await listDeliveries(fresh.db, { service: 'bad', status: 'dead' })).length === 12, 15000);
    const dead = await listDeliveries(fresh.db, { service: 'bad', eventId: ids[0] });
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ status: 'dead', attempts: 3, last_status_code: 503, last_error: 'http_503' });
    expect(dead[0].attempt_log.map((a) => a.status_code)).toEqual([503, 503, 503]);

    // the hanging endpoint: timeouts recorded, dead after 3
    await waitUntil(async () => (await listDeliveries(fresh.db, { service: 'slow', status: 'dead' })).length === 12, 30000);
    const slowLog = await listDeliveries(fresh.db, { service: 'slow', eventId: ids[0] });
    expect(slowLog[0].last_error).toBe('timeout');
    expect((await deliveryBacklog(fresh.db)).dead).toBe(24);

    // the endpoint recovers; retrying the dead letters delivers them
    flaky.mode = 'ok';
    const before = bad.received.length;
    expect(await retryDeadDeliveries(fresh.db, { service: 'bad' })).toBe(12);
    await waitUntil(async () => (await listDeliveries(fresh.db, { service: 'bad', status: 'delivered' })).length === 12, 10000);
    expect(bad.received.length - before).toBe(12);
    expect((await deliveryBacklog(fresh.db)).dead).toBe(12);
    expect((await listDeliveries(fresh.db, { service: 'good', status: 'delivered' })).length).toBe(12);
  }, 90_000);

  it('Standard Webhooks: every delivery verifies with the standardwebhooks library; after a rotation the new and the replaced secret both verify until the overlap ends', async () => {
    const hook = await endpoint({ mode: 'ok' });
    servers.push(hook.server);
    const first = await registerEndpoint(fresh.db, box, { service: 'crm', url: hook.url, topics: [TOPICS.consentEvents] }, policy, { overlapHours: 24 });
    expect(first.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(first.previous_secret_valid_until).toBeNull();
    deliverer = new WebhookDeliverer(fresh.db, box, { policy, pollMs: 20 });
    await deliverer.start();
    const deliverOne = async (): Promise<Received> => {
      const before = hook.received.length;
      const s = subject();
      const { position } = await appendTo(store, `consent-${s}`, newEvent('consent.given', { subject_key: s, category: 'contact', purpose: 'p' }));
      await dispatcher.waitFor(position);
      deliverer.wake();
      await waitUntil(() => hook.received.length > before, 10_000);
      return hook.received[before];
    };
    const verifies = (secret: string, r: Received) => {
      const headers = Object.fromEntries(Object.values(STANDARD_WEBHOOK_HEADERS).map((h) => [h, String(r.headers[h])]));
      try {
        return JSON.stringify(new Webhook(secret).verify(r.body, headers)) === JSON.stringify(JSON.parse(r.body));
      } catch {
        return false;
      }
    };

    const a = await deliverOne();
    expect(a.headers[STANDARD_WEBHOOK_HEADERS.id]).toBe(a.headers[WEBHOOK_HEADERS.deliveryId]);
    expect(a.headers[STANDARD_WEBHOOK_HEADERS.timestamp]).toBe(a.headers[WEBHOOK_HEADERS.timestamp]);
    expect(verifies(first.secret, a)).toBe(true);

    // re-registering rotates: the new secret signs, and the replaced one still signs for 24 h
    const second = await registerEndpoint(fresh.db, box, { service: 'crm', url: hook.url, topics: [TOPICS.consentEvents] }, policy, { overlapHours: 24 });
    expect(second.secret).not.toBe(first.secret);
    expect(Date.parse(second.previous_secret_valid_until!) - Date.now()).toBeGreaterThan(23 * 3_600_000);
    const b = await deliverOne();
    expect(String(b.headers[STANDARD_WEBHOOK_HEADERS.signature]).split(' ')).toHaveLength(2);
    expect([verifies(second.secret, b), verifies(first.secret, b)]).toEqual([true, true]);
    expect(verifies(`whsec_${randomBytes(32).toString('base64')}`, b)).toBe(false);
    // the legacy header is signed with the current secret only
    expect(b.headers[WEBHOOK_HEADERS.signature]).toBe('sha256=' + createHmac('sha256', second.secret).update(`${b.headers[WEBHOOK_HEADERS.timestamp]}.${b.body}`).digest('hex'));

    // the overlap over, only the current secret signs
    await fresh.db.query(`UPDATE webhook_endpoints SET previous_valid_until = now() - interval '1 second' WHERE service = 'crm'`);
    const c = await deliverOne();
    expect([verifies(second.secret, c), verifies(first.secret, c)]).toEqual([true, false]);

    // WEBHOOK_SECRET_OVERLAP_HOURS=0: a rotation replaces the secret at once
    const third = await registerEndpoint(fresh.db, box, { service: 'crm', url: hook.url, topics: [TOPICS.consentEvents] }, policy, { overlapHours: 0 });
    expect(third.previous_secret_valid_until).toBeNull();
    const d = await deliverOne();
    expect([verifies(third.secret, d), verifies(second.secret, d)]).toEqual([true, false]);
  }, 60_000);

  it('sleeps without polling: woken by the dispatcher\'s enqueue (NOTIFY, another process included), by a retry falling due, and by the CLI retry', async () => {
    const mode = { mode: 'fail' as 'ok' | 'fail' | 'hang' };
    const hook = await endpoint(mode);
    servers.push(hook.server);
    await registerEndpoint(fresh.db, box, { service: 'sleepy', url: hook.url, topics: [TOPICS.consentEvents] }, policy);
    // the deliverer on its own connection pool, as in another process; its safety poll far beyond this test
    const other = new PgDatabase(fresh.url!);
    try {
      deliverer = new WebhookDeliverer(other, box, { policy, pollMs: 600_000, maxAttempts: 2, backoff: { initialMs: 300, maxMs: 300 } });
      await deliverer.start();
      await new Promise((r) => setTimeout(r, 200));
      const s = subject();
      const { position } = await appendTo(store, `consent-${s}`, newEvent('consent.given', { subject_key: s, category: 'contact', purpose: 'p' }));
      await dispatcher.waitFor(position);
      // the first attempt follows the enqueue, the second the backoff (~300 ms): neither waits for a poll
      await waitUntil(() => hook.received.length >= 2, 10_000);
      await waitUntil(async () => (await listDeliveries(fresh.db, { service: 'sleepy', status: 'dead' })).length === 1, 10_000);
      mode.mode = 'ok';
      expect(await retryDeadDeliveries(fresh.db, { service: 'sleepy' })).toBe(1);
      await waitUntil(async () => (await listDeliveries(fresh.db, { service: 'sleepy', status: 'delivered' })).length === 1, 10_000);
      expect(hook.received).toHaveLength(3);
    } finally {
      await deliverer.stop();
      await other.close();
    }
  }, 60_000);

  it('rejects bad registrations and only routes rights tasks of the endpoint\'s system', async () => {
    await expect(registerEndpoint(fresh.db, box, { service: 'Bad Name', url: 'http://x', topics: [TOPICS.consentEvents] }, policy)).rejects.toMatchObject({ code: 'invalid' });
    await expect(registerEndpoint(fresh.db, box, { service: 'ok', url: 'ftp://x', topics: [TOPICS.consentEvents] }, policy)).rejects.toMatchObject({ code: 'invalid' });
    await expect(registerEndpoint(fresh.db, box, { service: 'ok', url: 'http://x', topics: ['nope'] }, policy)).rejects.toMatchObject({ code: 'invalid' });
    const crm = await endpoint({ mode: 'ok' });
    servers.push(crm.server);
    await registerEndpoint(fresh.db, box, { service: 'crm', url: crm.url, topics: [TOPICS.rightsTasks], systemId: 'crm' }, policy);
    const { position } = await appendTo(store, 'rights-r1', newEvent('rights.task_dispatched', { system_id: 'crm', task_id: 't1' }), newEvent('rights.task_dispatched', { system_id: 'billing', task_id: 't2' }));
    await dispatcher.waitFor(position);
    deliverer = new WebhookDeliverer(fresh.db, box, { policy, pollMs: 20 });
    await deliverer.start();
    await waitUntil(() => crm.received.length >= 1, 5000);
    await new Promise((r) => setTimeout(r, 300));
    expect(crm.received.map((r) => JSON.parse(r.body).data.task_id)).toEqual(['t1']);
  });

  it('forwards the W3C traceparent of an event that carries one (issue 17 item 6), as the relay does in its Kafka header; an untraced or malformed one sends none', async () => {
    const receiver = await endpoint({ mode: 'ok' });
    servers.push(receiver.server);
    await registerEndpoint(fresh.db, box, { service: 'traced', url: receiver.url, topics: [TOPICS.consentEvents] }, policy);
    const traceparent = `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;
    const key = subject();
    const traced = newEvent('consent.given', { subject_key: key, category: 'contact', purpose: 'p' }, { traceparent });
    const untraced = newEvent('consent.given', { subject_key: key, category: 'contact', purpose: 'q' });
    const malformed = newEvent('consent.given', { subject_key: key, category: 'contact', purpose: 'r' }, { traceparent: '00-not-a-trace' });
    const { position } = await appendTo(store, `consent-${key}`, traced, untraced, malformed);
    await dispatcher.waitFor(position);
    deliverer = new WebhookDeliverer(fresh.db, box, { policy, pollMs: 20 });
    await deliverer.start();
    await waitUntil(() => receiver.received.length >= 3, 5000);
    const byEvent = new Map(receiver.received.map((r) => [r.headers[WEBHOOK_HEADERS.eventId], r.headers.traceparent ?? null]));
    expect([byEvent.get(traced.metadata.event_id), byEvent.get(untraced.metadata.event_id), byEvent.get(malformed.metadata.event_id)]).toEqual([traceparent, null, null]);
  });

  it('enqueues old events whose key or headers hold NUL or a lone surrogate (escaped), never getting stuck on them', async () => {
    const crm = await endpoint({ mode: 'ok' });
    servers.push(crm.server);
    await registerEndpoint(fresh.db, box, { service: 'tasks', url: crm.url, topics: [TOPICS.rightsTasks] }, policy);
    const poisoned = newEvent('rights.task_dispatched', { system_id: 'crm\u0000\ud800', task_id: 't-old' }, { correlation_id: 'corr\u0000' });
    const { position } = await appendTo(store, 'rights-r-old', poisoned);
    await dispatcher.waitFor(position, 20_000);
    expect(dispatcher.status()).toMatchObject({ stuck: null, lastError: null });
    const rows = (await fresh.db.query<{ message_key: string; headers: Record<string, string> }>('SELECT message_key, headers FROM webhook_deliveries')).rows;
    expect(rows.map((r) => r.message_key)).toEqual(['crm\uFDD00000\uFDD0D800']);
    expect(Object.values(rows[0].headers)).toContain('corr\uFDD00000');
  });

  it('a dispatcher whose batch keeps failing is stuck (fault row, one report), and recovers', async () => {
    await dispatcher.stop();
    const changes: unknown[] = [];
    dispatcher = new WebhookDispatcher(fresh.db, store, { retryMs: 50, maxRetryMs: 100, onStateChange: (c) => changes.push(c) });
    await dispatcher.start();
    await registerEndpoint(fresh.db, box, { service: 'tasks', url: 'http://127.0.0.1:9/hook', topics: [TOPICS.rightsTasks] }, policy);
    await fresh.db.exec("ALTER TABLE webhook_deliveries ADD CONSTRAINT refuse_all CHECK (event_type <> 'rights.task_dispatched')");
    const { position } = await appendTo(store, 'rights-r-stuck', newEvent('rights.task_dispatched', { system_id: 'crm', task_id: 't1' }));
    await waitUntil(() => dispatcher.status().stuck !== null, 20_000);
    expect(dispatcher.status().stuck).toMatchObject({ errorClass: 'DatabaseError:23514' });
    expect(await readFaults(fresh.db, [dispatcher.name])).toEqual([expect.objectContaining({ name: 'webhooks:dispatch', errorClass: 'DatabaseError:23514' })]);
    await new Promise((r) => setTimeout(r, 500));
    expect(changes).toEqual([{ projection: 'webhooks:dispatch', stuck: true, errorClass: 'DatabaseError:23514', failures: 3 }]);
    await fresh.db.exec('ALTER TABLE webhook_deliveries DROP CONSTRAINT refuse_all');
    await dispatcher.waitFor(position, 20_000);
    await waitUntil(() => changes.length === 2, 5_000);
    expect(changes[1]).toMatchObject({ stuck: false });
    expect(await readFaults(fresh.db, [dispatcher.name])).toEqual([]);
  });
});

async function waitUntil(cond: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}
