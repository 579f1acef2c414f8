import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { LOG_START } from '@pl/domain';
import { TOPICS } from '@pl/messaging';
import { WEBHOOK_HEADERS } from '@pl/sdk';
import { startTracing, type Tracing } from '../../apps/common/tracing';
import { startTestApp, type TestApp } from '../support/app';
import { consentRecordBody } from '../support/consent-body';
import { eventually } from '../support/eventually';

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;

// Tracing on, no Kafka: a command sent with a caller's W3C traceparent is delivered to a service's
// webhook (a loopback receiver) with a traceparent of the same trace, so the service's handling joins
// the caller's trace (issue 17 item 6). webhooks.int.ts covers tracing off (the stored one forwarded).
describe('telemetry: a webhook delivery continues the trace of the command that caused its event (tracing on)', () => {
  const exporter = new InMemorySpanExporter();
  const received: Array<{ headers: IncomingMessage['headers']; body: string; status: number }> = [];
  let refusing = false;
  let tracing: Tracing | null;
  let server: Server;
  let t: TestApp;

  beforeAll(async () => {
    tracing = startTracing({}, { exporter });
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const status = refusing ? 503 : 200;
        received.push({ headers: req.headers, body, status });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    // the receiver is local: allow exactly it
    t = await startTestApp({ backend: 'pglite', env: { OUTBOUND_ALLOWED_PRIVATE_NETWORKS: '127.0.0.1/32' } });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/privacy-events`;
    expect((await t.request('POST', '/webhooks/endpoints', { service: 'crm', url, topics: [TOPICS.consentEvents] })).status).toBe(201);
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    server?.closeAllConnections();
    server?.close();
    await tracing?.shutdown();
  });

  const newTraceparent = () => ({ traceId: randomBytes(16).toString('hex'), spanId: randomBytes(8).toString('hex') });
  const deliveries = (eventId: string, status: number) => received.filter((d) => d.headers[WEBHOOK_HEADERS.eventId] === eventId && d.status === status);
  const traceIdOf = (headers: IncomingMessage['headers']) => TRACEPARENT.exec(String(headers.traceparent ?? ''))?.[1];

  /** Records a consent (with `headers`) and waits for a delivery of its event answered `status`: the event as stored and the headers the receiver got. */
  const recordAndDeliver = async (headers: Record<string, string>, status = 200) => {
    const r = await t.request('POST', '/consent/record', consentRecordBody(`webhook-trace-${randomUUID()}@example.com`), undefined, headers);
    expect(r.status).toBe(201);
    const event = (await t.infra.store.readAll(LOG_START)).filter((e) => e.type === 'consent.given').at(-1)!;
    const got = await eventually(async () => deliveries(event.metadata.event_id, status), (d) => d.length > 0, 20_000);
    expect(got).not.toEqual([]);
    return { event, headers: got[0].headers };
  };

  it("carries the caller's trace id from the command's traceparent header to the webhook's traceparent", async () => {
    const { traceId, spanId: callerSpan } = newTraceparent();
    const { event, headers } = await recordAndDeliver({ traceparent: `00-${traceId}-${callerSpan}-01` });

    // the event recorded within the caller's trace
    expect(TRACEPARENT.exec(String(event.metadata.traceparent))?.[1]).toBe(traceId);
    // the delivery: same trace, a span of this service's own (the delivery's), not the caller's
    const delivered = TRACEPARENT.exec(String(headers.traceparent ?? ''));
    expect(delivered?.[1]).toBe(traceId);
    expect(delivered?.[2]).not.toBe(callerSpan);
    // the delivery's span is in the exporter, in the caller's trace
    const deliverSpan = () => exporter.getFinishedSpans().find((s) => s.name === 'deliver webhook' && s.spanContext().traceId === traceId);
    expect(await eventually(async () => deliverSpan(), (s) => !!s, 10_000)).toBeDefined();
  }, 60_000);

  it('starts a trace of its own for a command sent without one, and the webhook carries that one', async () => {
    const { event, headers } = await recordAndDeliver({});
    const recorded = TRACEPARENT.exec(String(event.metadata.traceparent))?.[1];
    expect(recorded).toMatch(/^[0-9a-f]{32}$/);
    expect(traceIdOf(headers)).toBe(recorded);
  }, 60_000);

  it("keeps each command's trace on retries, sent later by the deliverer's own timer (the trace comes from the event, not from whatever woke the deliverer)", async () => {
    refusing = true;
    const a = newTraceparent();
    const b = newTraceparent();
    const first = await recordAndDeliver({ traceparent: `00-${a.traceId}-${a.spanId}-01` }, 503);
    const second = await recordAndDeliver({ traceparent: `00-${b.traceId}-${b.spanId}-01` }, 503);
    expect([traceIdOf(first.headers), traceIdOf(second.headers)]).toEqual([a.traceId, b.traceId]);
    refusing = false;
    const ids = [first.event.metadata.event_id, second.event.metadata.event_id];
    const retried = await eventually(async () => ids.map((id) => deliveries(id, 200)[0]), (d) => d.every(Boolean), 20_000);
    expect(retried.map((d) => d && traceIdOf(d.headers))).toEqual([a.traceId, b.traceId]);
  }, 60_000);
});
