import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Kafka, Producer } from 'kafkajs';
import { PrivacyIntakeConsumer, TOPICS } from '@pl/messaging';
import { consumeUntil, describeKafka, markTopics, testKafka, uniqueSuffix } from '../../../libs/messaging/test/kafka-support';
import { startTestApp, type TestApp } from '../../../test/support/app';
import { privacyIntakeService } from './privacy-intake';
import { privacyEvents } from '../../../test/support/privacy-events';

const USER = 'topic-intake-7731@example.com';
const SECRET = 'case-note-7731';

const event = privacyEvents({ user_id: USER, event_data: { note: SECRET } });

async function until<T>(probe: () => Promise<T | null | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * The intake topic against a real Kafka broker and the ledger on PostgreSQL and PGlite: the worker's
 * consumer (the same service the worker starts, on a topic of this test's own) records processing
 * events in one append per fetched batch, collapses repeats (also across the HTTP route), runs consent
 * and breach events through their rules, and dead-letters malformed or refused messages with a reason
 * and no key, committing offsets only after that.
 */
describeKafka('privacy event intake topic (issue 16)', () => {
  describe.each(['postgres', 'pglite'] as const)('on %s', (backend) => {
    let app: TestApp;
    let kafka: Kafka;
    let producer: Producer;
    let service: ReturnType<typeof privacyIntakeService>;
    const topic = `${TOPICS.privacyEvents}.test-${uniqueSuffix()}`;

    beforeAll(async () => {
      app = await startTestApp({ backend });
      const manifest = readFileSync(join(__dirname, '../../../examples/manifests/online-shop.yaml'), 'utf8');
      expect((await app.request('POST', '/governance/manifests/apply', { manifest_yaml: manifest })).status).toBe(200);
      kafka = testKafka('pl-intake-test');
      service = privacyIntakeService({ app: app.infra.app, config: { kafkaBrokers: (process.env.KAFKA_BROKERS ?? '').split(',') } }, undefined, { topic, groupId: `pl-intake-test-${uniqueSuffix()}` });
      await service.consumer.start();
      producer = kafka.producer();
      await producer.connect();
    });
    afterAll(async () => {
      await producer?.disconnect();
      await service?.stop();
      await app?.close();
    });

    const processed = () => service.consumer.status().handled + service.consumer.status().deadLettered;
    const facts = async (type: string) =>
      (await app.infra.db.query(`SELECT stream_id, data, metadata FROM es_events WHERE type = $1 ORDER BY global_position`, [type])).rows.map((r: any) => ({ stream: r.stream_id, data: JSON.parse(r.data), metadata: JSON.parse(r.metadata) }));

    it('records a batch of processing events once each, dead-letters malformed and refused ones with a reason and no key', async () => {
      const mark = await markTopics(kafka, [TOPICS.deadLetter]);
      const good = Array.from({ length: 50 }, (_, i) => event({ event_type: ['data_accessed', 'data_modified', 'data_deleted', 'data_exported'][i % 4] }));
      const before = processed();
      await producer.send({
        topic,
        messages: [
          ...good.map((e) => ({ key: 'k-1', value: JSON.stringify(e) })),
          ...good.slice(0, 10).map((e) => ({ key: 'k-1', value: JSON.stringify(e) })), // redelivered by the producer
          { key: USER, value: '{not json' },
          { key: USER, value: JSON.stringify({ ...event(), event_type: 'data_sold' }) },
          { key: USER, value: JSON.stringify(event({ data_categories: ['user.no_such_category'] })) },
        ],
      });
      await until(async () => processed() - before >= 63);
      const logged = (await facts('intake.processing_logged')).filter((f) => good.some((g) => g.event_id === f.data.source_event_id));
      expect(logged).toHaveLength(50);
      expect(new Set(logged.map((f) => f.data.source_event_id)).size).toBe(50);
      expect(JSON.stringify(logged)).not.toContain(SECRET);
      expect(JSON.stringify(logged)).not.toContain(USER);

      const ours = (all: Array<{ headers: Record<string, string> }>) => all.filter((m) => m.headers['pl-dlq-source-topic'] === topic);
      const dead = ours(await consumeUntil(kafka, [TOPICS.deadLetter], (all) => ours(all).length >= 3, 60_000, mark)) as Awaited<ReturnType<typeof consumeUntil>>;
      expect(dead.map((d) => d.headers['pl-dlq-reason'])).toEqual([
        'value is not JSON',
        expect.stringMatching(/^event_type must be one of consent_given, /),
        expect.stringMatching(/^refused: data_categories\[0\]: unknown data category/),
      ]);
      for (const d of dead) {
        expect(d.key).toBeNull();
        expect(d.headers['pl-dlq-source-topic']).toBe(topic);
        expect(d.headers['pl-dlq-reason']).not.toContain(USER);
      }
      // the HTTP route sees the topic's event as taken in: a repeat across paths is collapsed
      const again = await app.request('POST', '/privacy/events', good[0]);
      expect(again.body.outcome).toBe('duplicate');
      expect(service.status()).toMatchObject({ ready: true });
    });

    it('consent events from the topic go through the consent rules, once', async () => {
      const user = `topic-consent-${uniqueSuffix()}`;
      const given = event({ event_type: 'consent_given', user_id: user, data_categories: ['user.contact.email'], processing_purposes: ['marketing'], legal_basis: 'consent', event_data: { consent_version: 'v3' } });
      const before = processed();
      await producer.send({ topic, messages: [given, given].map((e) => ({ key: user, value: JSON.stringify(e) })) });
      await until(async () => processed() - before >= 2);
      expect((await facts('consent.given')).filter((f) => f.metadata.source_event_id === given.event_id)).toHaveLength(1);
      const v = await app.request('GET', `/consent/validate?user_id=${user}&data_category=user.contact.email&processing_purpose=marketing`);
      expect(v.body.processing_allowed).toBe(true);
      // and the HTTP route collapses it too
      expect((await app.request('POST', '/privacy/events', given)).body.outcome).toBe('duplicate');
    });
  });
});

describeKafka('privacy intake consumer when recording fails (issue 16, invariant 11)', () => {
  it('retries the batch until it records, reports itself stuck after three failures in a row and recovers; nothing is lost', async () => {
    const kafka = testKafka('pl-intake-stuck');
    const topic = `${TOPICS.privacyEvents}.stuck-${uniqueSuffix()}`;
    let failuresLeft = 4;
    const recorded: string[] = [];
    const seen: number[] = [];
    const consumer = new PrivacyIntakeConsumer<{ id: string }>({
      kafka,
      topic,
      groupId: `pl-intake-stuck-${uniqueSuffix()}`,
      parse: (v) => ({ ok: true, event: JSON.parse(String(v)) }),
      record: async (events) => {
        if (failuresLeft-- > 0) throw Object.assign(new Error('database down'), { code: '57P01' });
        recorded.push(...events.map((e) => e.id));
        return events.map(() => null);
      },
      onFailureChange: (failures) => seen.push(failures),
    });
    await consumer.start();
    const producer = kafka.producer();
    await producer.connect();
    try {
      await producer.send({ topic, messages: ['a', 'b', 'c'].map((id) => ({ key: id, value: JSON.stringify({ id }) })) });
      await until(async () => seen.includes(3) && consumer.status().stuck && consumer.status());
      expect(consumer.status()).toMatchObject({ stuck: true, last_error_class: 'Error:57P01' });
      await until(async () => recorded.length >= 3 && !consumer.status().stuck);
      expect(recorded.sort()).toEqual(['a', 'b', 'c']);
      expect(seen).toEqual([1, 2, 3, 4, 0]);
      expect(consumer.status()).toMatchObject({ stuck: false, failures: 0, handled: 3 });
    } finally {
      await producer.disconnect();
      await consumer.stop();
    }
  });
});
