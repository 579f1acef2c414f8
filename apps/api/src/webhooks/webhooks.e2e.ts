import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhook, WEBHOOK_HEADERS } from '@pl/sdk';
import { startTestApp, type TestApp } from '../../../../test/support/app';
import { answers } from '../../../../test/support/outbound';

describe('webhook routes (HTTP, PGlite): register, deliver signed, query the delivery log', () => {
  let t: TestApp;
  let server: Server;
  let url: string;
  const received: Array<{ headers: IncomingMessage['headers']; body: string }> = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/privacy-events`;
    // the receiver is local: allow exactly it; `internal.example` resolves (in the test only) to a private address
    t = await startTestApp({ backend: 'pglite', env: { OUTBOUND_ALLOWED_PRIVATE_NETWORKS: '127.0.0.1/32' }, resolve: answers(['10.0.0.5']) });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    server.closeAllConnections();
    server.close();
  });

  it('registers an endpoint, delivers a consent event it can verify, and logs the delivery', async () => {
    const bad = await t.request('POST', '/webhooks/endpoints', { service: 'crm', url, topics: ['privacy-ledger.nope.v1'] });
    expect(bad.status).toBe(400);
    const reader = await t.createKey('consent:read');
    expect((await t.request('POST', '/webhooks/endpoints', { service: 'crm', url, topics: ['privacy-ledger.consent.events.v1'] }, reader)).status).toBe(403);

    // internal destinations: 400 with the reason, the address not echoed, nothing registered (ARCHITECTURE invariant 14)
    for (const internal of ['http://169.254.169.254/latest/meta-data/', 'http://0xa9fea9fe:8080/', 'http://2130706434/', 'http://[fd00::1]/', 'https://internal.example/hooks']) {
      const refused = await t.request('POST', '/webhooks/endpoints', { service: 'crm', url: internal, topics: ['privacy-ledger.consent.events.v1'] });
      expect(refused.status).toBe(400);
      expect(refused.body.message).toMatch(/OUTBOUND_ALLOWED_PRIVATE_NETWORKS/);
      expect(JSON.stringify(refused.body)).not.toMatch(/169\.254|a9fe|2130706434|127\.0\.0\.1|fd00|10\.0\.0\.5|internal\.example/);
    }
    expect((await t.request('GET', '/webhooks/endpoints')).body.endpoints).toEqual([]);

    const reg = await t.request('POST', '/webhooks/endpoints', { service: 'crm', url, topics: ['privacy-ledger.consent.events.v1'] });
    expect(reg.status).toBe(201);
    expect(reg.body.secret).toMatch(/^whsec_/);
    const list = await t.request('GET', '/webhooks/endpoints');
    expect(list.body.endpoints).toEqual([expect.objectContaining({ service: 'crm', url, active: true })]);
    expect(JSON.stringify(list.body)).not.toContain(reg.body.secret);

    const rec = await t.request('POST', '/consent/record', {
      user_id: 'carol@example.com',
      data_categories: ['user.contact.email'],
      processing_purposes: ['marketing.communications.email'],
      consent_status: 'granted',
      consent_timestamp: new Date(Date.now() - 1000).toISOString(),
      legal_basis: 'consent',
      consent_version: 'v1',
      consent_metadata: { ip_address: '198.51.100.7' },
    });
    expect(rec.status).toBe(201);
    const deadline = Date.now() + 20_000;
    while (!received.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(received).toHaveLength(1);
    const got = received[0];
    expect(verifyWebhook({ secret: reg.body.secret, rawBody: got.body, headers: got.headers })).toEqual({ ok: true });
    expect(verifyWebhook({ secret: reg.body.secret, rawBody: got.body.replace('consent.given', 'consent.withdrawn'), headers: got.headers })).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyWebhook({ secret: reg.body.secret, rawBody: got.body, headers: got.headers, nowMs: Date.now() + 3600_000 })).toEqual({ ok: false, reason: 'stale_timestamp' });
    const body = JSON.parse(got.body);
    expect(body).toMatchObject({ type: 'consent.given', subject_key: expect.stringMatching(/^sub_/) });
    // personal data never in clear: neither the user id nor the IP address
    expect(got.body).not.toContain('carol@example.com');
    expect(got.body).not.toContain('198.51.100.7');

    let log: any;
    while (Date.now() < deadline) {
      log = await t.request('GET', `/webhooks/deliveries?service=crm&event_id=${got.headers[WEBHOOK_HEADERS.eventId]}`);
      if (log.body.deliveries[0]?.status === 'delivered') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(log.body.deliveries).toEqual([
      expect.objectContaining({ service: 'crm', event_type: 'consent.given', status: 'delivered', attempts: 1, last_status_code: 200, attempt_log: [expect.objectContaining({ attempt: 1, status_code: 200 })] }),
    ]);
    expect((await t.request('GET', '/webhooks/deliveries?status=bogus')).status).toBe(400);
    expect(await (await fetch(`${t.url}/metrics`)).text()).toMatch(/pl_outbound_calls_total\{caller="webhooks",outcome="http_200"\} 1/);
    expect((await t.request('POST', '/webhooks/deliveries/retry', { service: 'crm' })).body).toEqual({ requeued: 0 });
  }, 60_000);
});
