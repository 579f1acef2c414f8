import { randomUUID } from 'node:crypto';
import { invalid } from '@pl/domain';
import { RightsResultsConsumer, TOPICS, HEADERS, ensureTopics, type RightsResultMessage } from '@pl/messaging';
import { RightsTaskWorker } from '@pl/sdk';
import { consumeUntil, describeKafka, markTopics, testKafka } from '../test/kafka-support';

describeKafka('rights results consumer', () => {
  const kafka = testKafka('results-int');

  it('dead-letters malformed or refused results with the reason and keeps consuming', async () => {
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin);
    await admin.disconnect();
    const system = `sys-${randomUUID().slice(0, 8)}`;
    const mark = await markTopics(kafka, [TOPICS.deadLetter]);
    const handled: RightsResultMessage[] = [];
    const consumer = new RightsResultsConsumer({
      kafka,
      groupId: `results-${randomUUID()}`,
      fromBeginning: false,
      onResult: async (r) => {
        if (r.system_id !== system) return;
        if (r.task_id === 'unknown-task') throw invalid('no such task');
        handled.push(r);
      },
    });
    await consumer.start();
    const producer = kafka.producer();
    await producer.connect();
    const raw = (key: string, value: string) => ({ key, value, headers: { [HEADERS.eventId]: randomUUID() } });
    await producer.send({
      topic: TOPICS.rightsResults,
      messages: [
        raw(system, '{not json'),
        raw(system, JSON.stringify({ request_id: 'r1', task_id: 't1', system_id: system, outcome: 'exploded' })),
        raw(system, JSON.stringify({ request_id: 'r1', task_id: 't1', system_id: 'someone-else', outcome: 'done' })),
        raw(system, JSON.stringify({ request_id: 'r1', task_id: 'unknown-task', system_id: system, outcome: 'done' })),
      ],
    });
    await producer.disconnect();
    // a valid result through the SDK helper, after the bad ones: still processed
    const sdk = new RightsTaskWorker({ kafka, systemId: system, onTask: async () => undefined, fromBeginning: false, groupId: `tasks-${randomUUID()}` });
    await sdk.start();
    await sdk.report({ request_id: 'r1', task_id: 't1', outcome: 'done', records_affected: 3 });
    await sdk.stop();

    const dlq = await consumeUntil(kafka, [TOPICS.deadLetter], (msgs) => msgs.filter((m) => m.key === system).length >= 4, 30_000, mark);
    const reasons = dlq.filter((m) => m.key === system).map((m) => m.headers[HEADERS.dlqReason]);
    expect(reasons).toEqual(['value is not JSON', 'outcome must be one of done, no_data, cannot_comply', 'message key must be the system_id', 'refused: no such task']);
    expect(dlq.find((m) => m.key === system)!.value).toBe('{not json');
    expect(dlq.find((m) => m.key === system)!.headers[HEADERS.dlqSourceTopic]).toBe(TOPICS.rightsResults);

    const deadline = Date.now() + 10_000;
    while (handled.length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(handled).toHaveLength(1);
    expect(handled[0]).toMatchObject({ request_id: 'r1', task_id: 't1', system_id: system, outcome: 'done', records_affected: 3 });
    expect(consumer.status().running).toBe(true);
    await consumer.stop();
  });
});
