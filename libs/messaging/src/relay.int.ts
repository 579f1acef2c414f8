import { randomBytes } from 'node:crypto';
import { SqlEventStore } from '@pl/eventstore';
import { readCheckpoint } from '@pl/application';
import { comparePositions, positionToString } from '@pl/domain';
import { freshPostgres, type FreshDatabase } from '../../../test/support/databases';
import { KafkaRelay, TOPICS, HEADERS, ensureTopics, type StateTopicBinding } from '@pl/messaging';
import { appendTo, consumeUntil, describeKafka, markTopics, newEvent, testKafka, type TopicMark } from '../test/kafka-support';

const subject = () => `sub_${randomBytes(24).toString('base64url').slice(0, 32)}`;

/** A toy state: the number of events folded and the last type (the consent binding has its own test). */
const countBinding: StateTopicBinding<{ n: number; last: string | null }> = {
  topic: TOPICS.consentState,
  streamPrefix: 'consent-',
  stateSchemaVersion: 1,
  initialState: () => ({ n: 0, last: null }),
  evolve: (s, e) => ({ n: s.n + 1, last: e.type }),
  snapshot: (s) => s,
};

describeKafka('KafkaRelay against the real broker', () => {
  let fresh: FreshDatabase;
  let store: SqlEventStore;
  let relay: KafkaRelay | null = null;
  const kafka = testKafka('relay-int');
  const ALL = [TOPICS.consentEvents, TOPICS.rightsTasks, TOPICS.breachNotices, TOPICS.consentState];
  let mark: TopicMark;

  beforeEach(async () => {
    fresh = await freshPostgres('pl_relay');
    store = new SqlEventStore(fresh.db);
    await store.init();
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin);
    await admin.disconnect();
    mark = await markTopics(kafka, ALL);
  });
  afterEach(async () => {
    await relay?.stop();
    relay = null;
    await store.close();
    await fresh.drop();
  });

  it('publishes each routed event with a pseudonymous key and PII-free headers, then checkpoints', async () => {
    const [a, b] = [subject(), subject()];
    const routed = [
      [`consent-${a}`, newEvent('consent.given', { subject_key: a, category: 'contact', purpose: 'marketing' })],
      [`consent-${b}`, newEvent('consent.given', { subject_key: b, category: 'contact', purpose: 'analytics' })],
      [`consent-${a}`, newEvent('consent.withdrawn', { subject_key: a, category: 'contact', purpose: 'marketing' })],
      ['rights-req1', newEvent('rights.task_dispatched', { request_id: 'req1', task_id: 't1', system_id: 'crm', subject_key: a })],
      ['breach-b1', newEvent('breach.authority_notified', { breach_id: 'b1' })],
    ] as const;
    for (const [stream, e] of routed) await appendTo(store, stream, e);
    // the last append's position: headPosition() stops below other sessions' open transactions on the shared server
    const head = (await appendTo(store, 'demo-x', newEvent('demo.list_opened', { list_id: 'x', title: 't', opened_at: 'now' }))).position;
    const all = routed.map(([, e]) => e);
    const ids = new Set(all.map((e) => e.metadata.event_id));

    relay = new KafkaRelay(fresh.db, store, { kafka, stateTopics: [countBinding] });
    relay.start();
    await relay.waitFor(head);

    const seen = await consumeUntil(kafka, [TOPICS.consentEvents, TOPICS.rightsTasks, TOPICS.breachNotices, TOPICS.consentState], (msgs) => {
      const mine = msgs.filter((m) => ids.has(m.headers[HEADERS.eventId]));
      return new Set(mine.filter((m) => m.topic !== TOPICS.consentState).map((m) => m.headers[HEADERS.eventId])).size === ids.size &&
        mine.filter((m) => m.topic === TOPICS.consentState).length >= 3;
    }, 30_000, mark);
    const mine = seen.filter((m) => ids.has(m.headers[HEADERS.eventId]));
    const events = mine.filter((m) => m.topic === TOPICS.consentEvents);
    expect(events.map((m) => m.key).sort()).toEqual([a, a, b].sort());
    const withdrawn = events.find((m) => m.headers[HEADERS.eventType] === 'consent.withdrawn')!;
    const source = all.find((e) => e.type === 'consent.withdrawn')!;
    expect(withdrawn.headers).toEqual({
      [HEADERS.eventId]: source.metadata.event_id,
      [HEADERS.eventType]: 'consent.withdrawn',
      [HEADERS.schemaVersion]: '1',
      [HEADERS.correlationId]: source.metadata.correlation_id,
      [HEADERS.contentType]: 'application/json',
    });
    expect(JSON.parse(withdrawn.value!)).toMatchObject({ event_id: source.metadata.event_id, subject_key: a, stream_id: `consent-${a}`, revision: '1', data: source.data });
    expect(withdrawn.value).not.toContain('contact@'); // nothing but the stored (encrypted) form and pseudonyms
    expect(mine.find((m) => m.topic === TOPICS.rightsTasks)!.key).toBe('crm');
    expect(mine.find((m) => m.topic === TOPICS.breachNotices)!.key).toBe('b1');

    // compacted state: the latest fold per subject, in per-subject order
    const states = mine.filter((m) => m.topic === TOPICS.consentState && m.key === a).map((m) => JSON.parse(m.value!));
    expect(states.map((s) => s.state)).toEqual([{ n: 1, last: 'consent.given' }, { n: 2, last: 'consent.withdrawn' }]);

    const cp = await readCheckpoint(fresh.db, 'relay:kafka');
    expect(positionToString(cp!.position)).toBe(positionToString(head));
    expect(relay.status()).toMatchObject({ ready: true, state: 'running', position: positionToString(head), published: 8 });
  });

  it('catches up a backlog larger than the broker accepts in one request: sends it in size-bounded chunks, in order', async () => {
    // 1,500 events of ~2.5 KB for one subject: one partition, ~4 MB per topic in one page (broker limit 1 MB per batch)
    const a = subject();
    const pad = 'x'.repeat(2500);
    let last = null as Awaited<ReturnType<typeof appendTo>> | null;
    const ids: string[] = [];
    for (let i = 0; i < 15; i++) {
      const batch = Array.from({ length: 100 }, (_, k) => newEvent('consent.given', { subject_key: a, category: 'contact', purpose: `p${i * 100 + k}`, note: pad }));
      batch.forEach((e) => ids.push(e.metadata.event_id));
      last = await appendTo(store, `consent-${a}`, ...batch);
    }
    relay = new KafkaRelay(fresh.db, store, { kafka, stateTopics: [countBinding], batchSize: 2000 });
    relay.start();
    await relay.waitFor(last!.position, 60_000);
    const seen = await consumeUntil(kafka, [TOPICS.consentEvents], (msgs) => msgs.filter((m) => m.key === a).length >= ids.length, 60_000, mark);
    expect(seen.filter((m) => m.key === a).map((m) => m.headers[HEADERS.eventId])).toEqual(ids);
    expect(relay.status()).toMatchObject({ ready: true, state: 'running' });
  }, 120_000);

  it('sends a tombstone to the state topic when a subject is erased', async () => {
    const a = subject();
    await appendTo(store, `consent-${a}`, newEvent('consent.given', { subject_key: a, category: 'contact', purpose: 'marketing' }));
    const { position } = await appendTo(store, `rights-r-${a}`, newEvent('rights.subject_erased', { subject_key: a }));
    relay = new KafkaRelay(fresh.db, store, { kafka, stateTopics: [countBinding] });
    relay.start();
    await relay.waitFor(position);
    const seen = await consumeUntil(kafka, [TOPICS.consentState], (msgs) => msgs.filter((m) => m.key === a).length >= 2, 30_000, mark);
    const forA = seen.filter((m) => m.key === a);
    expect(forA[0].value).not.toBeNull();
    expect(forA[1].value).toBeNull();
    expect(forA[1].headers[HEADERS.eventType]).toBe('rights.subject_erased');
  });

  it('resumes from its checkpoint: a second relay publishes only what came after', async () => {
    const a = subject();
    const first = await appendTo(store, `consent-${a}`, newEvent('consent.given', { subject_key: a, category: 'c', purpose: 'p' }));
    relay = new KafkaRelay(fresh.db, store, { kafka });
    relay.start();
    await relay.waitFor(first.position);
    await relay.stop();
    const firstPublished = relay.status().published;
    const head = (await appendTo(store, `consent-${a}`, newEvent('consent.withdrawn', { subject_key: a, category: 'c', purpose: 'p' }))).position;
    relay = new KafkaRelay(fresh.db, store, { kafka });
    relay.start();
    await relay.waitFor(head);
    expect(firstPublished).toBe(1);
    expect(relay.status().published).toBe(1);
    const cp = await readCheckpoint(fresh.db, 'relay:kafka');
    expect(comparePositions(cp!.position, head)).toBe(0);
  });
});
