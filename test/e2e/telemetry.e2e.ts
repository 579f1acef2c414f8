import { randomUUID } from 'node:crypto';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { LOG_START } from '@pl/domain';
import { HEADERS, TOPICS } from '@pl/messaging';
import { startTracing, type Tracing } from '../../apps/common/tracing';
import { startTestApp, type TestApp } from '../support/app';
import { consentRecordBody } from '../support/consent-body';
import { consumeUntil, describeKafka, markTopics, testKafka } from '../../libs/messaging/test/kafka-support';
import { eventually } from '../support/eventually';

// One consent command over HTTP, with the worker, the relay and a real broker: the spans form one
// trace (HTTP -> command -> append -> projection batch, relay batch -> Kafka send), the event's
// metadata and the Kafka message carry the append's traceparent, and no attribute names the subject.
describeKafka('telemetry: one trace from the HTTP request to the Kafka message (in-memory exporter), and the metrics it moves', () => {
  const exporter = new InMemorySpanExporter();
  let tracing: Tracing | null;
  let t: TestApp;

  beforeAll(async () => {
    tracing = startTracing({}, { exporter });
    t = await startTestApp({ backend: 'postgres', env: { KAFKA_BROKERS: process.env.KAFKA_BROKERS! } });
    await eventually(async () => (await t.request('GET', '/health', undefined, null)).body.checks?.kafka_relay?.ok, (ok) => ok === true, 30_000);
  }, 90_000);
  afterAll(async () => {
    await t?.close();
    await tracing?.shutdown();
  });

  it('links the HTTP request, the command, the append, the projection and the relay in one trace', async () => {
    const user = `trace-${randomUUID()}@example.com`;
    const kafka = testKafka('tracing-e2e');
    const mark = await markTopics(kafka, [TOPICS.consentEvents]);
    exporter.reset();
    const r = await t.request('POST', '/consent/record', consentRecordBody(user));
    expect(r.status).toBe(201);

    // the event as stored: its metadata holds the traceparent of the append span
    const events = (await t.infra.store.readAll(LOG_START)).filter((e) => e.type === 'consent.given' && e.metadata.traceparent);
    const event = events[events.length - 1];
    const [, traceId, appendSpanId] = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(String(event.metadata.traceparent)) ?? [];
    expect(traceId).toBeDefined();

    // the relay's message carries the same traceparent
    const sent = await consumeUntil(kafka, [TOPICS.consentEvents], (all) => all.some((m) => m.headers[HEADERS.eventId] === event.metadata.event_id), 30_000, mark);
    expect(sent.find((m) => m.headers[HEADERS.eventId] === event.metadata.event_id)!.headers[HEADERS.traceparent]).toBe(event.metadata.traceparent);

    const named = (name: string) => exporter.getFinishedSpans().find((s) => s.name === name && s.spanContext().traceId === traceId);
    await eventually(async () => !!named('consume consent') && !!named('consume relay:kafka') && !!named('send'), (ok) => ok, 15_000);
    const spans = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
    const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
    const parentOf = (s: ReadableSpan) => byId.get(s.parentSpanContext?.spanId ?? '');

    const server = spans.find((s) => s.kind === SpanKind.SERVER)!;
    expect(server).toBeDefined();
    const command = spans.find((s) => s.name.startsWith('command '))!;
    expect(parentOf(command)).toBe(server);
    const append = byId.get(appendSpanId)!;
    expect(append.name).toBe('append consent');
    expect(parentOf(append)).toBe(command);
    expect(parentOf(named('consume consent')!)).toBe(append);
    expect(parentOf(named('consume relay:kafka')!)).toBe(append);
    expect(named('send')!.kind).toBe(SpanKind.PRODUCER);
    expect(parentOf(named('send')!)).toBe(named('consume relay:kafka'));

    // a check with the user id in the query string: the server span keeps the parameter names only
    const q = `user_id=${encodeURIComponent(user)}&data_category=user.contact.email&processing_purpose=marketing.communications.email`;
    expect((await t.request('GET', `/consent/validate?${q}`)).status).toBe(200);
    const validateSpan = async () => exporter.getFinishedSpans().find((s) => s.kind === SpanKind.SERVER && s.attributes['url.path'] === '/consent/validate');
    expect((await eventually(validateSpan, (s) => !!s, 10_000))!.attributes['url.query']).toBe('user_id=REDACTED&data_category=REDACTED&processing_purpose=REDACTED');

    // no span (of this trace or any other) names the subject, in its name or attributes
    const local = user.split('@')[0];
    for (const s of exporter.getFinishedSpans()) expect(JSON.stringify([s.name, s.attributes, s.events])).not.toContain(local);
  }, 60_000);

  it('/metrics: the relay (messages, batches, last success, lag) and the consent checks move with the traffic', async () => {
    const scrape = async () => (await fetch(`${t.url}/metrics`)).text();
    const value = (text: string, series: string) => Number(new RegExp(`^${series.replace(/[{}"=,.:]/g, (c) => `\\${c}`)} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
    const before = await scrape();
    const user = `metrics-${randomUUID()}@example.com`;
    expect((await t.request('POST', '/consent/record', consentRecordBody(user))).status).toBe(201);
    const q = (u: string) => `/consent/validate?user_id=${encodeURIComponent(u)}&data_category=user.contact.email&processing_purpose=marketing.communications.email`;
    expect((await t.request('GET', q(user))).body.reason).toBe('consent_given');
    expect((await t.request('GET', q(`nobody-${randomUUID()}`))).body.reason).toBe('unknown_subject');

    const sent = `pl_relay_messages_total{relay="relay:kafka",topic="${TOPICS.consentEvents}",outcome="sent"}`;
    const after = await eventually(scrape, (text) => (value(text, sent) || 0) > (value(before, sent) || 0), 15_000);
    expect(value(after, sent)).toBeGreaterThan(value(before, sent) || 0);
    expect(value(after, 'pl_consumer_batch_events_count{consumer="relay:kafka"}')).toBeGreaterThan(value(before, 'pl_consumer_batch_events_count{consumer="relay:kafka"}') || 0);
    expect(value(after, 'pl_consumer_last_success_timestamp_seconds{consumer="relay:kafka"}')).toBeGreaterThan(Date.now() / 1000 - 30);
    expect(value(after, 'pl_projection_lag_events{projection="relay:kafka"}')).toBeGreaterThanOrEqual(0);
    expect(value(after, 'pl_consent_checks_total{outcome="allowed",reason="consent_given"}') - (value(before, 'pl_consent_checks_total{outcome="allowed",reason="consent_given"}') || 0)).toBe(1);
    expect(value(after, 'pl_consent_checks_total{outcome="denied",reason="unknown_subject"}') - (value(before, 'pl_consent_checks_total{outcome="denied",reason="unknown_subject"}') || 0)).toBe(1);
    // a batch counts each check, one increment per outcome and reason
    const check = (u: string) => ({ user_id: u, data_category: 'user.contact.email', processing_purpose: 'marketing.communications.email' });
    const batch = await t.request('POST', '/consent/validate/batch', { checks: [check(user), check(`nobody-${randomUUID()}`), check(`nobody-${randomUUID()}`)] });
    expect(batch.status).toBe(200);
    const afterBatch = await scrape();
    const grew = (series: string) => value(afterBatch, series) - (value(after, series) || 0);
    expect([grew('pl_consent_checks_total{outcome="allowed",reason="consent_given"}'), grew('pl_consent_checks_total{outcome="denied",reason="unknown_subject"}')]).toEqual([1, 2]);
    // labels name consumers, topics and reason codes, never the subject
    expect(afterBatch).not.toContain(user.split('@')[0]);
  }, 60_000);
});
