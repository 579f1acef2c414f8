import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Producer } from 'kafkajs';
import { Webhook } from 'standardwebhooks';
import { auditSignerFor } from '@pl/audit';
import { HEADERS, LEGACY_CONSENT_TOPICS, TOPICS, WEBHOOK_TOPICS } from '@pl/messaging';
import { signCurrentHead } from '@pl/projections/audit_chain';
import { sendResult } from '@pl/sdk';
import { consumeUntil, describeKafka, KAFKA_BROKERS, markTopics, testKafka, type Consumed } from '../../libs/messaging/test/kafka-support';
import { startTestApp, type TestApp } from '../support/app';
import { eventually } from '../support/eventually';
import { requestStatusWhen } from '../support/rights';
import { AsyncApiValidator, type Verdict } from '../contracts/asyncapi';

const iso = (offsetMs = 0) => new Date(Date.now() + offsetMs).toISOString();
const DAY = 24 * 3600 * 1000;
/** Messages this test sends malformed on purpose: the document must refuse them, and they must come back dead-lettered. */
const MALFORMED = 'x-test-malformed';

interface Request {
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

async function receiver(): Promise<{ url: string; received: Request[]; server: Server }> {
  const received: Request[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`, received, server };
}

/** Every Kafka message kind of docs/asyncapi.yaml that this test makes the service produce (or sends as a service would). */
const KAFKA_KINDS = [
  'consentEvent', 'consentState', 'consentStateTombstone', 'rightsTaskEvent', 'rightsTaskResult', 'breachNotice', 'privacyEvent',
  'deadLetter', 'auditHead', 'legacyConsentGiven', 'legacyConsentWithdrawn', 'legacyConsentExpired',
];
const WEBHOOK_KINDS = ['webhookConsentEvent', 'webhookRightsTask', 'webhookBreachNotice', 'webhookAuditHead', 'webhookLegacyWithdrawal'];
const TASK_TYPES = ['rights.task_dispatched', 'catalog.retention_expired'];
/** The breach event types the test's breach writes (each checked against its own `data` schema). */
const BREACH_TYPES = ['breach.detected', 'breach.assessed', 'breach.authority_notified', 'breach.subjects_notified', 'breach.subject_notice_prepared', 'breach.closed', 'breach.reopened'];

describeKafka('AsyncAPI: every message the relay, the consumers and the webhook deliverer produce matches docs/asyncapi.yaml', () => {
  let t: TestApp;
  let producer: Producer;
  let validator: AsyncApiValidator;
  let hooks: Awaited<ReturnType<typeof receiver>>;
  const kafka = testKafka('asyncapi-e2e');
  const topics = [...Object.values(TOPICS), ...Object.values(LEGACY_CONSENT_TOPICS)];

  beforeAll(async () => {
    validator = await AsyncApiValidator.load();
    hooks = await receiver();
    t = await startTestApp({
      backend: 'postgres',
      env: {
        KAFKA_BROKERS: KAFKA_BROKERS.join(','),
        LEGACY_KAFKA_PUBLISH: 'true',
        LEGACY_KAFKA_CONSUME: 'true',
        LEGACY_KAFKA_GROUP_ID: `consent-processing-${randomUUID().slice(0, 8)}`,
        LEGACY_WEBHOOKS: 'true',
        OUTBOUND_ALLOWED_PRIVATE_NETWORKS: '127.0.0.1/32',
        // a key of its own: the shared broker holds other apps' heads, and a key's heads must continue each other
        AUDIT_SIGNING_KEY: generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64'),
      },
    });
    const ready = (c: Record<string, { ok?: boolean }>) => c.kafka_relay?.ok === true && c.legacy_kafka_relay?.ok === true && c.legacy_kafka_consumer?.ok === true;
    const checks = await eventually(async () => (await t.request('GET', '/health', undefined, null)).body.checks ?? {}, ready, 60_000);
    expect([ready(checks), checks]).toEqual([true, checks]);
    const manifest = readFileSync(join(__dirname, '../../examples/manifests/online-shop.yaml'), 'utf8');
    expect((await t.request('POST', '/governance/manifests/apply', { manifest_yaml: manifest })).status).toBe(200);
    producer = kafka.producer();
    await producer.connect();
  }, 120_000);
  afterAll(async () => {
    await producer?.disconnect();
    await t?.close();
    hooks?.server.closeAllConnections();
    hooks?.server.close();
  });

  it('produces every message kind; each key, header set and payload validates against the document, and each webhook verifies with standardwebhooks', async () => {
    const mark = await markTopics(kafka, topics);
    const reg = await t.request('POST', '/webhooks/endpoints', { service: `asyncapi-${randomUUID().slice(0, 8)}`, url: hooks.url, topics: WEBHOOK_TOPICS });
    expect(reg.status).toBe(201);

    // consent: given (expiring soon), withdrawn in part, then expired -> consent events, state, legacy topics, webhooks
    const user = `asyncapi-${randomUUID()}@example.com`;
    const expiresAt = Date.now() + 3000;
    const recorded = await t.request('POST', '/consent/record', {
      user_id: user, data_categories: ['user', 'user.behavior'], processing_purposes: ['marketing'], consent_status: 'granted',
      consent_timestamp: iso(-1000), expiry_timestamp: new Date(expiresAt).toISOString(), legal_basis: 'consent', consent_version: 'v1', consent_metadata: { method: 'checkbox' },
    });
    expect(recorded.status).toBe(201);
    expect((await t.request('POST', '/consent/withdraw', { user_id: user, data_categories: ['user.behavior'] })).status).toBe(200);

    // a breach handled from detection to reopening -> breach notices of each kind these steps write, the
    // staff's free text (delay reason, summary, reason) in its encrypted form
    const breach = await t.request('POST', '/breaches', {
      aware_at: iso(-80 * 3_600_000), source: 'internal_monitoring', description: 'Misconfigured bucket', reporter_role: 'security_operations', systems: ['accounts-db'],
    });
    expect(breach.status).toBe(201);
    const breachId = breach.body.breach_id;
    const breachSteps: Array<[string, unknown, number]> = [
      ['assessment', {
        factors: {
          confidentiality: true, integrity: false, availability: false, categories: ['user.contact.email', 'user.account.credentials'], special_categories: [], subjects_count: 40, records_count: 40,
          identifiability: 'maximum', encrypted: false, keys_safe: false, backup_available: true, vulnerable_subjects: false, likely_consequences: ['account takeover'],
        },
        subject_jurisdictions: { DE: 40 }, main_establishment: null, measures_taken: ['bucket closed'], measures_proposed: ['bucket policy review'], contact_point: 'privacy@example.com',
      }, 200],
      ['authority-notifications', { authority: 'DE', phase: 'initial', reference: 'DE-1', delay_reason: 'found by the quarterly review' }, 201],
      ['subject-notifications', { jurisdiction: 'EU', channel: 'email', subjects_count: 40, subject_ids: [`asyncapi-breach-${randomUUID()}`] }, 201],
      ['close', { summary: 'contained, everyone told' }, 200],
      ['reopen', { reason: 'a second bucket found' }, 200],
    ];
    for (const [step, body, status] of breachSteps) {
      const res = await t.request('POST', `/breaches/${breachId}/${step}`, body);
      expect([step, res.status, res.status === status ? null : res.body]).toEqual([step, status, null]);
    }

    // the intake topic, as a service sends it: a retention_expired report of a holding past its retention -> catalog.retention_expired task
    const held = `asyncapi-held-${randomUUID()}`;
    expect((await t.request('POST', '/privacy/receipts', { user_id: held, system_id: 'web-analytics', data_category: 'user.device.ip_address', processing_purpose: 'analytics.reporting', stored_at: iso(-40 * DAY) })).status).toBe(201);
    const intake = {
      event_id: `asyncapi-${randomUUID()}`, event_type: 'retention_expired', user_id: held, timestamp: iso(-1000), service_name: 'web-analytics',
      data_categories: ['user.device'], processing_purposes: [], legal_basis: 'consent', event_data: {},
    };
    const sends: Array<{ topic: string; key: string | null; value: string; headers?: Record<string, string> }> = [
      { topic: TOPICS.privacyEvents, key: held, value: JSON.stringify(intake) },
      { topic: TOPICS.privacyEvents, key: held, value: JSON.stringify({ ...intake, event_id: 7 }), headers: { [MALFORMED]: 'intake' } },
      // the earlier consent manager's producer: one well-formed message, one with a wrong status
      ...[{}, { consentStatus: 'pending' }].map((over, i) => {
        const legacyUser = `asyncapi-legacy-${randomUUID()}`;
        const value = {
          eventId: randomUUID(), userId: legacyUser, consentId: randomUUID(), timestamp: iso(-60_000), dataCategories: ['personal'], processingPurposes: ['marketing'],
          consentStatus: 'given', legalBasis: 'consent', expiryDate: iso(365 * DAY), consentString: null, metadata: { consentInterface: 'web_banner', language: 'de' }, ...over,
        };
        return { topic: LEGACY_CONSENT_TOPICS.given, key: legacyUser, value: JSON.stringify(value), headers: { eventType: 'CONSENT_GIVEN', userId: legacyUser, timestamp: value.timestamp, ...(i ? { [MALFORMED]: 'legacy' } : {}) } };
      }),
    ];
    for (const s of sends) await producer.send({ topic: s.topic, acks: -1, messages: [{ key: s.key, value: s.value, headers: s.headers }] });

    // an erasure of the subject held by web-analytics -> rights.task_dispatched, and a tombstone on the state topic
    const erasedHeld = await t.request('POST', '/data-subject/erasure', { user_id: held });
    expect(erasedHeld.status).toBe(202);
    const status = await requestStatusWhen(t, erasedHeld.body.request_id, (s) => s.tasks.some((x: { system_id: string }) => x.system_id === 'web-analytics'), 30_000);
    const task = status.tasks.find((x: { system_id: string }) => x.system_id === 'web-analytics');
    // the system answers through the SDK; a malformed answer is dead-lettered
    await sendResult(producer, { request_id: erasedHeld.body.request_id, task_id: task.task_id, system_id: 'web-analytics', outcome: 'done', records_affected: 1, reason: null, data: null, reported_at: iso() });
    await producer.send({ topic: TOPICS.rightsResults, acks: -1, messages: [{ key: 'web-analytics', value: '{"request_id": ', headers: { [MALFORMED]: 'result' } }] });

    // the consent expires
    await new Promise((r) => setTimeout(r, Math.max(0, expiresAt - Date.now() + 200)));
    await t.infra.app.consent.expireDue(new Date());
    // a signed audit head (the worker's schedule signs one an hour): the audit_heads service publishes it
    expect(await signCurrentHead(t.infra.db, auditSignerFor(t.infra.config), new Date())).not.toBeNull();

    const verdicts = new Map<Consumed, Verdict>();
    const verdictOf = (m: Consumed) => {
      let v = verdicts.get(m);
      if (!v) verdicts.set(m, (v = validator.kafka(m.topic, m)));
      return v;
    };
    // the three malformed messages, dead-lettered with the reason (the field, never a value)
    const deadLetters = (all: Consumed[]) => {
      const dlq = (source: string, reason: RegExp) => all.find((m) => m.topic === TOPICS.deadLetter && m.headers[HEADERS.dlqSourceTopic] === source && reason.test(m.headers[HEADERS.dlqReason] ?? ''));
      return { intake: dlq(TOPICS.privacyEvents, /event_id/), legacy: dlq(LEGACY_CONSENT_TOPICS.given, /consentStatus pending/), result: dlq(TOPICS.rightsResults, /not JSON/) };
    };
    const seen = (all: Consumed[]) => ({
      kinds: new Set(all.map((m) => verdictOf(m).message)),
      taskTypes: new Set(all.filter((m) => m.topic === TOPICS.rightsTasks).map((m) => m.headers[HEADERS.eventType])),
      breachTypes: new Set(all.filter((m) => m.topic === TOPICS.breachNotices).map((m) => m.headers[HEADERS.eventType])),
      deadLetters: Object.entries(deadLetters(all)).filter(([, m]) => m).map(([k]) => k),
    });
    let latest: Consumed[] = [];
    const complete = (all: Consumed[]) => {
      latest = all;
      const s = seen(all);
      const sentMalformed = all.filter((m) => m.headers[MALFORMED] && m.topic !== TOPICS.deadLetter).length;
      return KAFKA_KINDS.every((k) => s.kinds.has(k)) && TASK_TYPES.every((x) => s.taskTypes.has(x)) && BREACH_TYPES.every((x) => s.breachTypes.has(x)) && s.deadLetters.length === 3 && sentMalformed === 3;
    };
    let all: Consumed[] = [];
    try {
      all = await consumeUntil(kafka, topics, complete, 60_000, mark);
    } catch (e) {
      const s = seen(latest);
      const invalid = latest.filter((m) => verdictOf(m).message === null).map((m) => ({ topic: m.topic, errors: verdictOf(m).errors }));
      const checks = Object.fromEntries(Object.entries((await t.request('GET', '/health', undefined, null)).body.checks ?? {}).filter(([k]) => k.includes('audit')));
      throw new Error(`${(e as Error).message}; seen: ${JSON.stringify({ kinds: [...s.kinds], taskTypes: [...s.taskTypes], breachTypes: [...s.breachTypes], deadLetters: s.deadLetters, invalid, checks }, null, 1)}`);
    }

    // every message after the mark validates, except the malformed ones sent on purpose, which the document refuses
    const failures = all.filter((m) => !m.headers[MALFORMED] || m.topic === TOPICS.deadLetter).filter((m) => verdictOf(m).message === null);
    expect(failures.map((m) => ({ topic: m.topic, key: m.key, errors: verdictOf(m).errors }))).toEqual([]);
    const malformed = all.filter((m) => m.headers[MALFORMED] && m.topic !== TOPICS.deadLetter);
    expect(malformed.map((m) => [m.topic, verdictOf(m).message]).sort()).toEqual([[LEGACY_CONSENT_TOPICS.given, null], [TOPICS.privacyEvents, null], [TOPICS.rightsResults, null]].sort());
    // dead letters name no subject: no key for intake, the source position for legacy (no userId header either), the system id for results
    const dead = deadLetters(all);
    expect(dead.intake!.key).toBeNull();
    expect(dead.legacy!.key).toBe(`${LEGACY_CONSENT_TOPICS.given}/${dead.legacy!.headers['pl-dlq-source-partition']}/${dead.legacy!.headers['pl-dlq-source-offset']}`);
    expect(dead.legacy!.headers).not.toHaveProperty('userId');
    expect(dead.result!.key).toBe('web-analytics');

    // webhooks: every kind arrives, validates, and verifies with the Standard Webhooks reference library
    const kindsOf = () => new Set(hooks.received.map((r) => validator.webhook({ headers: r.headers, value: r.body }).message));
    const webhookKinds = await eventually(async () => [...kindsOf()], (k) => WEBHOOK_KINDS.every((x) => k.includes(x)), 45_000);
    expect(webhookKinds).toEqual(expect.arrayContaining(WEBHOOK_KINDS));
    const wh = new Webhook(reg.body.secret);
    for (const r of hooks.received) {
      expect([r.headers['x-pl-topic'], validator.webhook({ headers: r.headers, value: r.body }).errors]).toEqual([r.headers['x-pl-topic'], []]);
      expect(wh.verify(r.body, r.headers as Record<string, string>)).toEqual(JSON.parse(r.body));
    }
  }, 150_000);
});
