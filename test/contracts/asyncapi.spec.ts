import { readFileSync } from 'node:fs';
import type { AsyncAPIDocumentInterface } from '@asyncapi/parser';
import { HEADERS, LEGACY_CONSENT_TOPICS, LEGACY_HEADERS, ROUTES, STANDARD_WEBHOOK_HEADERS, TOPIC_SPECS, TOPICS, WEBHOOK_HEADERS, WEBHOOK_TOPICS } from '@pl/messaging';
import { AsyncApiValidator, parseAsyncApi, type ParsedAsyncApi } from './asyncapi';
import { parseDocument } from 'yaml';
import { ASYNCAPI_PATH, BREACH_DATA_ROOTS, CONSENT_DATA_ROOTS, GENERATED_ROOTS, documentedWireSchemas, generateWireSchemas } from './asyncapi-schemas';

/**
 * Diagnostics of @asyncapi/parser that were reviewed and accepted (anything else fails):
 * - asyncapi-latest-version: the issue asks for AsyncAPI 3.0; 3.1 adds nothing this document uses.
 */
const REVIEWED_DIAGNOSTICS = ['asyncapi-latest-version'];

type Json = Record<string, any>;

/** JSON types a schema admits (its `type`, or the types of its `enum`/`const` values). */
function jsonTypes(s: Json): Set<string> {
  const of = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'number' ? 'number' : typeof v);
  if (s.type) return new Set([s.type].flat());
  if (s.enum) return new Set((s.enum as unknown[]).map(of));
  if ('const' in s) return new Set([of(s.const)]);
  if (s.anyOf) return new Set((s.anyOf as Json[]).flatMap((x) => [...jsonTypes(x)]));
  return new Set();
}

/**
 * Where a view type (what the SDK declares) promises more than the wire type (what the ledger sends):
 * a property the wire lacks, a property required by the view but optional on the wire, another JSON type.
 */
function promisesBeyond(wire: Json, view: Json, defs: Record<string, Json>, path = ''): string[] {
  const deref = (s: Json): Json => (s.$ref ? deref(defs[String(s.$ref).replace('#/components/schemas/', '')]) : s);
  const [w, v] = [deref(wire), deref(view)];
  if (v.properties) {
    return Object.entries(v.properties as Record<string, Json>).flatMap(([name, sub]) => {
      if (!w.properties?.[name]) return [`${path}.${name}: not sent`];
      const optional = (v.required ?? []).includes(name) && !(w.required ?? []).includes(name) ? [`${path}.${name}: optional on the wire`] : [];
      return [...optional, ...promisesBeyond(w.properties[name], sub, defs, `${path}.${name}`)];
    });
  }
  if (v.items) return w.items ? promisesBeyond(w.items, v.items, defs, `${path}[]`) : [`${path}: not an array on the wire`];
  const [wt, vt] = [jsonTypes(w), jsonTypes(v)];
  return [...wt].every((t) => vt.has(t) || (t === 'integer' && vt.has('number'))) ? [] : [`${path}: ${[...wt]} on the wire, ${[...vt]} in the view`];
}

const schemaOf = (doc: AsyncAPIDocumentInterface, name: string) => doc.components().schemas().get(name)!.json() as { properties?: Record<string, unknown>; required?: string[] };

describe('docs/asyncapi.yaml: the AsyncAPI 3 contract of the topics and webhooks', () => {
  let parsed: ParsedAsyncApi;
  let doc: AsyncAPIDocumentInterface;
  let generated: Record<string, Json>;
  let v: AsyncApiValidator;

  beforeAll(async () => {
    parsed = await parseAsyncApi();
    doc = parsed.document!;
    v = new AsyncApiValidator(doc);
    generated = generateWireSchemas([...GENERATED_ROOTS, 'RightsTask']);
  });

  it('parses with @asyncapi/parser: no error, no warning, only the reviewed diagnostics', () => {
    expect(parsed.diagnostics.filter((d) => !REVIEWED_DIAGNOSTICS.includes(String(d.code))).map((d) => `${d.code}: ${d.message} at ${d.path.join('.')}`)).toEqual([]);
    expect(doc).toBeDefined();
    expect(doc.version()).toBe('3.0.0');
  });

  it('the schemas generated from the TypeScript wire types are the ones in the document (refresh: bash bench/run.sh test/contracts/asyncapi-schemas.ts --write)', () => {
    const { RightsTask: _sdkView, ...wire } = generated;
    expect(documentedWireSchemas(readFileSync(ASYNCAPI_PATH, 'utf8'))).toEqual(wire);
  });

  it("the SDK's RightsTask promises nothing the ledger does not send in rights.task_dispatched", () => {
    expect(promisesBeyond(generated.TaskDispatchedData, generated.RightsTask, generated)).toEqual([]);
    // the check bites: a view with a field the wire lacks, or a wider promise, is reported
    const widened = { ...generated.RightsTask, properties: { ...generated.RightsTask.properties, priority: { type: 'number' }, attempt: { type: 'string' } } };
    expect(promisesBeyond(generated.TaskDispatchedData, widened, generated)).toEqual(['.attempt: number on the wire, string in the view', '.priority: not sent']);
  });

  it('has a channel for every topic the code produces or consumes, with its partitions and cleanup policy', () => {
    const kafka = doc.channels().all().filter((c) => c.servers().all().some((s) => s.protocol() === 'kafka'));
    const addresses = kafka.map((c) => c.address()).sort();
    expect(addresses).toEqual([...Object.values(TOPICS), ...Object.values(LEGACY_CONSENT_TOPICS)].sort());
    for (const spec of TOPIC_SPECS) {
      const binding = kafka.find((c) => c.address() === spec.topic)!.bindings().get('kafka')!.value() as { partitions: number; topicConfiguration: Record<string, unknown> };
      expect([spec.topic, binding.partitions]).toEqual([spec.topic, spec.numPartitions]);
      const cleanup = spec.configEntries?.find((e) => e.name === 'cleanup.policy')?.value ?? 'delete';
      expect([spec.topic, binding.topicConfiguration['cleanup.policy']]).toEqual([spec.topic, [cleanup]]);
      const retention = spec.configEntries?.find((e) => e.name === 'retention.ms')?.value;
      expect([spec.topic, binding.topicConfiguration['retention.ms']]).toEqual([spec.topic, retention === undefined ? undefined : Number(retention)]);
    }
  });

  it('has a webhook channel for every topic an endpoint may subscribe to, and the header names the code sends', () => {
    expect(v.webhookTopics().sort()).toEqual([...WEBHOOK_TOPICS].sort());
    const webhook = schemaOf(doc, 'WebhookHeaders');
    expect(webhook.required!.slice().sort()).toEqual(['content-type', ...Object.values(WEBHOOK_HEADERS), ...Object.values(STANDARD_WEBHOOK_HEADERS)].sort());
    expect((webhook.properties!['x-pl-topic'] as { enum: string[] }).enum.slice().sort()).toEqual([...WEBHOOK_TOPICS].sort());
  });

  it('names the Kafka headers the code sends', () => {
    const event = schemaOf(doc, 'EventHeaders');
    expect(event.required!.slice().sort()).toEqual([HEADERS.eventId, HEADERS.eventType, HEADERS.schemaVersion, HEADERS.correlationId, HEADERS.contentType].sort());
    expect(schemaOf(doc, 'DeadLetterHeaders').required).toEqual(expect.arrayContaining([HEADERS.dlqReason, HEADERS.dlqSourceTopic]));
    expect(Object.keys(schemaOf(doc, 'LegacyHeaders').properties!).sort()).toEqual([...Object.values(LEGACY_HEADERS), HEADERS.eventId].sort());
    // the optional W3C trace context (issue 17 item 6) is declared on every relay message through the trait
    const consentEvent = doc.components().messages().get('ConsentEvent')!.headers()!.json() as { properties: Record<string, unknown>; required: string[] };
    expect(Object.keys(consentEvent.properties)).toEqual(expect.arrayContaining(['traceparent', 'tracestate', HEADERS.eventId]));
    expect(consentEvent.required).not.toContain('traceparent');
    // a closed header set must declare it, or a traced message would break the contract
    const closed = doc.messages().all().filter((m) => (m.headers()?.json() as Json | undefined)?.additionalProperties === false);
    expect(closed.length).toBeGreaterThan(0);
    expect(closed.filter((m) => !(m.headers()!.json() as Json).properties?.traceparent).map((m) => m.name())).toEqual([]);
  });

  it('every routed event type is accepted on its topic, and another type is not', () => {
    const envelope = (type: string) => ({
      event_id: '5d0c2f4e-8a43-4c7e-9d1f-0a1b2c3d4e5f', type, schema_version: 1, stream_id: 'x-1', subject_key: null, revision: '0', position: '1:1',
      occurred_at: '2026-12-03T00:00:00.000Z', recorded_at: '2026-12-03T00:00:00.000Z', correlation_id: 'c', causation_id: null, data: {},
    });
    const headers = (type: string) => ({ [HEADERS.eventId]: '5d0c2f4e-8a43-4c7e-9d1f-0a1b2c3d4e5f', [HEADERS.eventType]: type, [HEADERS.schemaVersion]: '1', [HEADERS.correlationId]: 'c', [HEADERS.contentType]: 'application/json' });
    for (const route of ROUTES) {
      const type = route.match.endsWith('.') ? `${route.match}example` : route.match;
      const key = `sub_${'a'.repeat(32)}`;
      const verdict = v.kafka(route.topic, { key, headers: headers(type), value: JSON.stringify({ ...envelope(type), subject_key: key }) });
      // exact routes carry typed data, so an empty `data` must be refused there: the type is known to the topic
      if (route.match.endsWith('.')) expect([type, verdict.errors]).toEqual([type, []]);
      else expect(verdict.errors.join(' ')).toMatch(/payload: \/data must have required property/);
    }
    expect(v.kafka(TOPICS.rightsTasks, { key: 'crm', headers: headers('rights.request_completed'), value: JSON.stringify(envelope('rights.request_completed')) }).message).toBeNull();
    expect(v.kafka(TOPICS.consentEvents, { key: 'alice@example.com', headers: headers('consent.given'), value: JSON.stringify(envelope('consent.given')) }).message).toBeNull();
  });
  it("types each consent and breach event's data by its type: every type of the code has its schema, and data that breaks it is refused", () => {
    const messages = (parseDocument(readFileSync(ASYNCAPI_PATH, 'utf8')).toJS() as Json).components.messages as Record<string, Json>;
    for (const [message, roots] of [['ConsentEvent', CONSENT_DATA_ROOTS], ['BreachNotice', BREACH_DATA_ROOTS]] as const) {
      const typed = (messages[message].payload.allOf as Json[]).filter((s) => s.if).map((s) => [s.if.properties.type.const, s.then.properties.data.$ref]);
      expect(Object.fromEntries(typed)).toEqual(Object.fromEntries(Object.entries(roots).map(([type, root]) => [type, `#/components/schemas/${root}`])));
    }
    const eventId = '5d0c2f4e-8a43-4c7e-9d1f-0a1b2c3d4e5f';
    const closed = (summary: unknown) => v.kafka(TOPICS.breachNotices, {
      key: 'b1',
      headers: { [HEADERS.eventId]: eventId, [HEADERS.eventType]: 'breach.closed', [HEADERS.schemaVersion]: '1', [HEADERS.correlationId]: 'c', [HEADERS.contentType]: 'application/json' },
      value: JSON.stringify({
        event_id: eventId, type: 'breach.closed', schema_version: 1, stream_id: 'breach-b1', subject_key: null, revision: '3', position: '1:1',
        occurred_at: '2026-12-03T00:00:00.000Z', recorded_at: '2026-12-03T00:00:00.000Z', correlation_id: 'c', causation_id: null,
        data: { breach_id: 'b1', closed_at: '2026-12-03T00:00:00.000Z', summary, not_notified_reasons: [] },
      }),
    });
    const encrypted = { $enc: 'aes-256-gcm/v1', sub: 'brk_1', kid: 'k1', eid: eventId, iv: 'aXY', ct: 'Y3Q', tag: 'dGFn' };
    expect(closed(encrypted).errors).toEqual([]);
    // the closing summary is staff's free text: on the wire only in its encrypted form
    expect(closed('contained; Alice Example was told').errors.join(' ')).toMatch(/\/data\/summary/);
  });
});
