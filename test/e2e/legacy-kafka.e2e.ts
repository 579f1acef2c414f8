import { randomUUID } from 'node:crypto';
import type { Producer } from 'kafkajs';
import { consent } from '@pl/domain';
import { HEADERS, TOPICS } from '@pl/messaging';
import { consumeUntil, describeKafka, KAFKA_BROKERS, markTopics, testKafka } from '../../libs/messaging/test/kafka-support';
import { startTestApp, type TestApp } from '../support/app';
import { tcString } from '../support/consent-signals';

const iso = (offsetMs = 0) => new Date(Date.now() + offsetMs).toISOString();

async function eventually<T>(probe: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await probe();
    if (ok(v)) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`condition not met in time (last: ${JSON.stringify(v)})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The earlier Node consent manager's messages, exactly in the shapes issue 16 lists. */
const givenMessage = (userId: string, over: Record<string, unknown> = {}) => ({
  eventId: randomUUID(),
  userId,
  consentId: randomUUID(),
  timestamp: iso(-60_000),
  dataCategories: ['personal', 'behavioral'],
  processingPurposes: ['marketing'],
  consentStatus: 'given',
  legalBasis: 'consent',
  expiryDate: iso(365 * 24 * 3600 * 1000),
  consentString: tcString({ purposes: [1] }),
  metadata: { userAgent: 'Mozilla/5.0 (legacy)', ipAddress: '203.0.113.9', consentInterface: 'web_banner', language: 'de' },
  ...over,
});
const withdrawnMessage = (userId: string, over: Record<string, unknown> = {}) => ({
  eventId: randomUUID(),
  userId,
  timestamp: iso(),
  withdrawalType: 'partial',
  dataCategories: ['behavioral'],
  reason: 'user clicked "stop tracking"',
  requiredActions: ['stop_processing', 'delete_behavioral_profile'],
  ...over,
});

describeKafka('legacy Kafka consent topics (LEGACY_KAFKA_CONSUME): the earlier producers\' messages become ledger facts', () => {
  let t: TestApp;
  let producer: Producer;
  const kafka = testKafka('legacy-e2e');
  const group = `consent-processing-${randomUUID().slice(0, 8)}`;

  const send = async (topic: string, value: unknown, key: string | null, extraHeaders: Record<string, string> = {}) => {
    const v = value as { userId?: string; timestamp?: string };
    const eventType = topic.replace('consent.', 'CONSENT_').toUpperCase();
    await producer.send({
      topic,
      acks: -1,
      messages: [{ key, value: typeof value === 'string' ? value : JSON.stringify(value), headers: { eventType, userId: v.userId ?? '', timestamp: v.timestamp ?? iso(), ...extraHeaders } }],
    });
  };
  const validate = async (user: string, category: string, purpose: string) =>
    (await t.request('GET', `/consent/validate?user_id=${encodeURIComponent(user)}&data_category=${category}&processing_purpose=${purpose}`)).body.processing_allowed as boolean;
  const streamOf = async (user: string) => (await t.infra.store.readStream(consent.consentStreamId(t.infra.pseudonymizer.subject(user)))).events;

  beforeAll(async () => {
    t = await startTestApp({ backend: 'postgres', env: { KAFKA_BROKERS: KAFKA_BROKERS.join(','), LEGACY_KAFKA_CONSUME: 'true', LEGACY_KAFKA_PUBLISH: 'true', LEGACY_KAFKA_GROUP_ID: group } });
    await eventually(
      async () => (await t.request('GET', '/health', undefined, null)).body.checks ?? {},
      (c) => c.legacy_kafka_consumer?.ok === true && c.legacy_kafka_relay?.ok === true,
      60_000,
    );
    producer = kafka.producer();
    await producer.connect();
  }, 120_000);
  afterAll(async () => {
    await producer?.disconnect();
    await t?.close();
  });

  it('consent.given, re-produced, records one consent; personal never covers a special category', async () => {
    const user = `legacy-${randomUUID()}@example.com`;
    const m = givenMessage(user);
    await send('consent.given', m, user);
    await send('consent.given', m, user); // the producer re-sent it: same eventId
    await eventually(() => validate(user, 'behavioral', 'marketing'), (ok) => ok);
    expect(await validate(user, 'user.contact.email', 'marketing')).toBe(true);
    // the coarse `personal` is the root `user`: it never covers a special category or sensitive PI
    expect(await validate(user, 'user.health', 'marketing')).toBe(false);
    expect(await validate(user, 'user.location.precise', 'marketing')).toBe(false);
    // the duplicate is consumed after the first: wait for a later message to be sure it was handled
    const marker = givenMessage(user, { dataCategories: ['financial'], processingPurposes: ['analytics'] });
    await send('consent.given', marker, user);
    await eventually(() => validate(user, 'financial', 'analytics'), (ok) => ok);
    const events = await streamOf(user);
    expect(events.map((e) => e.type)).toEqual(['consent.given', 'consent.given']);
    expect(events[0].data).toMatchObject({ data_categories: ['user', 'user.behavior'], legal_basis: 'consent', consent_version: 'legacy', signal: { kind: 'tcf' } });
    expect(events[0].metadata).toMatchObject({ actor: 'service:legacy-consent-manager', source: 'legacy-kafka', legacy_topic: 'consent.given' });
    // no clear user id, IP address or user agent in the log
    const stored = JSON.stringify(events, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
    expect(stored).not.toContain(user);
    expect(stored).not.toContain('203.0.113.9');
    // what the ledger does not act on is recorded (encrypted), not dropped
    const [first] = await t.infra.codec.decode(events);
    expect(first.data.proof).toMatchObject({ user_agent: 'Mozilla/5.0 (legacy)', ip_address: '203.0.113.9', channel: 'web_banner', language: 'de', collected_by: 'legacy-consent-manager' });
    expect(first.data.extra).toMatchObject({ legacy_event_id: m.eventId, legacy_consent_id: m.consentId });
    expect(first.data.consent_string).toBe(m.consentString);
  }, 90_000);

  it('consent.withdrawn (urgency header), consent.updated and consent.expired change the ledger as the earlier service did', async () => {
    const user = `legacy-${randomUUID()}@example.com`;
    await send('consent.given', givenMessage(user), user);
    await eventually(() => validate(user, 'behavioral', 'marketing'), (ok) => ok);

    const w = withdrawnMessage(user);
    await send('consent.withdrawn', w, user, { urgency: 'high' });
    await eventually(() => validate(user, 'behavioral', 'marketing'), (ok) => !ok);
    expect(await validate(user, 'user.contact.email', 'marketing')).toBe(true); // only the behavioural part ended

    await send('consent.updated', givenMessage(user, { dataCategories: ['personal'], processingPurposes: ['analytics'] }), user);
    await eventually(() => validate(user, 'personal', 'analytics'), (ok) => ok);

    const expired = { eventId: randomUUID(), userId: user, consentId: randomUUID(), timestamp: iso(), dataCategories: ['personal'], processingPurposes: ['analytics'] };
    await send('consent.expired', expired, user);
    await eventually(() => validate(user, 'personal', 'analytics'), (ok) => !ok);
    expect(await validate(user, 'user.contact.email', 'marketing')).toBe(true);

    const events = await t.infra.codec.decode(await streamOf(user));
    expect(events.map((e) => [e.type, e.metadata.legacy_topic])).toEqual([
      ['consent.given', 'consent.given'],
      ['consent.withdrawn', 'consent.withdrawn'],
      ['consent.given', 'consent.updated'],
      ['consent.withdrawn', 'consent.expired'],
    ]);
    expect(events[1].data.extra).toEqual({
      legacy_event_id: w.eventId,
      legacy_timestamp: w.timestamp,
      withdrawal_type: 'partial',
      reason: w.reason,
      required_actions: w.requiredActions,
      urgency: 'high',
    });
    expect(events[3].data.extra).toMatchObject({ withdrawal_type: 'expired', legacy_event_id: expired.eventId });
    // a full withdrawal ends everything
    await send('consent.withdrawn', withdrawnMessage(user, { withdrawalType: 'full', dataCategories: [] }), user, { urgency: 'high' });
    await eventually(() => validate(user, 'user.contact.email', 'marketing'), (ok) => !ok);
  }, 90_000);

  it('malformed or refused messages go to the dead-letter topic with a reason and no user id; the consumer goes on', async () => {
    const user = `legacy-${randomUUID()}@example.com`;
    const mark = await markTopics(kafka, [TOPICS.deadLetter]);
    await send('consent.given', '{not json', user);
    await send('consent.given', givenMessage(user, { consentStatus: 'pending' }), user);
    await send('consent.given', givenMessage(user, { dataCategories: ['sensitive'] }), user); // plain consent for a special category
    await send('consent.withdrawn', withdrawnMessage(user, { userId: undefined }), user);
    await send('consent.given', givenMessage(user, { legalBasis: 'legitimate_interests' }), user);
    await send('consent.given', givenMessage(user), user);
    await eventually(() => validate(user, 'behavioral', 'marketing'), (ok) => ok);

    const dlq = await consumeUntil(kafka, [TOPICS.deadLetter], (all) => all.filter((m) => m.headers[HEADERS.dlqSourceTopic]?.startsWith('consent.')).length >= 5, 30_000, mark);
    const letters = dlq.filter((m) => m.headers[HEADERS.dlqSourceTopic]?.startsWith('consent.'));
    // the topics' partitions are consumed side by side: the order holds within consent.given only
    expect(letters.map((m) => m.headers[HEADERS.dlqReason]).sort()).toEqual([
      'consentStatus pending records no consent: send consent.given once the user has given it',
      expect.stringMatching(/^refused: data_categories name a special category .*send legal_basis "explicit_consent"/),
      expect.stringMatching(/^refused: legal_basis names a lawful basis other than consent: .*declare it for the purpose on a processing activity/),
      'userId is required',
      'value is not JSON',
    ]);
    expect(letters.filter((m) => m.headers[HEADERS.dlqSourceTopic] === 'consent.given').map((m) => m.headers[HEADERS.dlqReason])).toEqual([
      'value is not JSON',
      'consentStatus pending records no consent: send consent.given once the user has given it',
      expect.stringMatching(/^refused: data_categories name a special category .*send legal_basis "explicit_consent"/),
      expect.stringMatching(/^refused: legal_basis names a lawful basis other than consent: /),
    ]);
    for (const l of letters) {
      expect(l.key).toMatch(/^consent\.(given|withdrawn)\/\d+\/\d+$/);
      expect(l.headers.userId).toBeUndefined();
      expect(l.headers[HEADERS.dlqReason]).not.toContain(user);
    }
    expect((await streamOf(user)).map((e) => e.type)).toEqual(['consent.given']);
    const h = await t.request('GET', '/health', undefined, null);
    expect(h.body.checks.legacy_kafka_consumer).toMatchObject({ ok: true, detail: { running: true } });
    expect(h.body.checks.legacy_kafka_consumer.detail.deadLettered).toBeGreaterThanOrEqual(5);
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toMatch(/pl_legacy_kafka_messages_total\{direction="consumed",outcome="dead_lettered"\} [1-9]/);
  }, 90_000);

  it('publishes each consent fact recorded through the API in the legacy shapes, keyed by the clear user id; legacy-consumed facts are not echoed', async () => {
    const user = `current-${randomUUID()}@example.com`;
    const legacyUser = `legacy-${randomUUID()}@example.com`;
    const topics = ['consent.given', 'consent.updated', 'consent.withdrawn', 'consent.expired'];
    const mark = await markTopics(kafka, topics);
    await send('consent.given', givenMessage(legacyUser), legacyUser);
    const body = {
      user_id: user,
      data_categories: ['user', 'user.behavior'],
      processing_purposes: ['marketing'],
      consent_status: 'granted',
      consent_timestamp: iso(-1000),
      expiry_timestamp: iso(4000),
      legal_basis: 'consent',
      consent_version: 'v3',
      consent_metadata: { method: 'checkbox', channel: 'mobile_app', language: 'fr', ip_address: '198.51.100.4', user_agent: 'App/2.0' },
    };
    const recorded = await t.request('POST', '/consent/record', body);
    expect(recorded.status).toBe(201);
    expect((await t.request('POST', '/consent/withdraw', { user_id: user, data_categories: ['user.behavior'] })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 4100));
    await t.infra.app.consent.expireDue(new Date());

    const all = await consumeUntil(kafka, topics, (msgs) => msgs.filter((m) => m.key === user).length >= 3, 30_000, mark);
    // three topics: read side by side, so in no order across them
    const order = ['consent.given', 'consent.withdrawn', 'consent.expired'];
    const mine = all.filter((m) => m.key === user).sort((a, b) => order.indexOf(a.topic) - order.indexOf(b.topic));
    expect(mine.map((m) => m.topic)).toEqual(order);
    const [given, withdrawn, expired] = mine.map((m) => JSON.parse(m.value!));
    expect(given).toEqual({
      eventId: expect.any(String),
      userId: user,
      consentId: recorded.body.consent_id,
      timestamp: new Date(body.consent_timestamp).toISOString(),
      dataCategories: ['personal', 'behavioral'],
      processingPurposes: ['marketing'],
      consentStatus: 'given',
      legalBasis: 'consent',
      expiryDate: new Date(body.expiry_timestamp).toISOString(),
      consentString: null,
      metadata: { userAgent: 'App/2.0', ipAddress: '198.51.100.4', consentInterface: 'mobile_app', language: 'fr' },
    });
    expect(withdrawn).toEqual({
      eventId: expect.any(String),
      userId: user,
      timestamp: expect.any(String),
      withdrawalType: 'partial',
      dataCategories: ['behavioral'],
      reason: null,
      requiredActions: ['stop_processing'],
    });
    expect(expired).toMatchObject({ userId: user, consentStatus: 'expired', consentIds: [recorded.body.consent_id], processingPurposes: ['marketing'] });
    expect(mine[0].headers).toMatchObject({ eventType: 'consent.given', userId: user, timestamp: given.timestamp, 'pl-origin': 'privacy-ledger', [HEADERS.eventId]: given.eventId });
    expect(mine[1].headers).toMatchObject({ eventType: 'consent.withdrawn', userId: user, urgency: 'high' });
    // the ledger's own messages came back to its consumer and were skipped: the facts are the API's only
    expect((await streamOf(user)).map((e) => e.type)).toEqual(['consent.given', 'consent.withdrawn', 'consent.expired']);
    // a fact that came from the legacy topics is not published back to them
    expect(all.filter((m) => m.key === legacyUser && m.headers['pl-origin'])).toEqual([]);
    const h = await t.request('GET', '/health', undefined, null);
    expect(h.body.checks.legacy_kafka_relay).toMatchObject({ ok: true, detail: { name: 'relay:kafka-legacy', ready: true } });
  }, 90_000);
});
