import { randomUUID } from 'node:crypto';
import { RightsTaskWorker } from '@pl/sdk';
import { describeKafka, KAFKA_BROKERS } from '../../libs/messaging/test/kafka-support';
import { startTestApp, type TestApp } from '../support/app';
import { requestStatusWhen } from '../support/rights';

jest.setTimeout(120_000);

async function eventually<T>(probe: () => Promise<T | null | undefined | false>, timeoutMs = 30_000, describe: () => Promise<unknown> = async () => null): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`condition not met in time: ${JSON.stringify(await describe())}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describeKafka('rights fan-out over the real broker: request -> relay -> tasks topic -> SDK system -> results topic -> completion', () => {
  let t: TestApp;
  let crm: RightsTaskWorker;
  const tasksSeen: Array<{ task_id: string; request_id: string; categories: string[] }> = [];
  const invalidSeen: string[] = [];
  // Its own system id: the broker's tasks topic outlives this test and holds other suites' tasks.
  const systemId = `crm-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    t = await startTestApp({ backend: 'postgres', env: { KAFKA_BROKERS: KAFKA_BROKERS.join(',') } });
    await eventually(async () => (await t.request('GET', '/health', undefined, null)).body.checks?.kafka_relay?.ok === true, 45_000, async () => (await t.request('GET', '/health', undefined, null)).body);
    expect((await t.request('POST', '/governance/systems', { system_id: systemId, name: 'CRM', owner: 'ops', storage: [{ country: 'DE' }] })).status).toBe(201);
    crm = new RightsTaskWorker({
      systemId, brokers: KAFKA_BROKERS, groupId: `${systemId}-${randomUUID()}`, fromBeginning: true,
      onInvalid: (reason) => invalidSeen.push(reason),
      onTask: async (task) => {
        tasksSeen.push({ task_id: task.task_id, request_id: task.request_id, categories: task.categories });
        await crm.report({ request_id: task.request_id, task_id: task.task_id, outcome: 'done', records_affected: task.categories.length, reason: null, data: null });
      },
    });
    await crm.start();
  });
  afterAll(async () => {
    await crm?.stop();
    await t?.close();
  });

  it('an erasure task reaches the system over Kafka and its answer completes the request', async () => {
    const user = `kafka-user-${randomUUID()}`;
    const r = await t.request('POST', '/privacy/receipts', { user_id: user, system_id: systemId, data_category: 'user.contact.email', processing_purpose: 'marketing', stored_at: new Date(Date.now() - 60_000).toISOString() });
    expect(r.status).toBe(201);
    const erased = await t.request('POST', '/data-subject/erasure', { user_id: user });
    expect(erased.status).toBe(202);
    expect((await requestStatusWhen(t, erased.body.request_id, (x) => x.tasks.length > 0)).tasks).toEqual([expect.objectContaining({ system_id: systemId, integration: 'kafka', categories: ['user.contact.email'] })]);
    const done = await eventually(
      async () => {
        const s = await t.request('GET', `/data-subject/requests/${erased.body.request_id}`);
        return s.body.status === 'completed' ? s.body : null;
      },
      45_000,
      async () => ({ health: (await t.request('GET', '/health', undefined, null)).body.checks, tasksSeen, invalidSeen, status: (await t.request('GET', `/data-subject/requests/${erased.body.request_id}`)).body.status }),
    );
    expect(done.tasks[0]).toMatchObject({ status: 'done', system_id: systemId });
    expect(tasksSeen.filter((x) => x.request_id === erased.body.request_id)).toHaveLength(1);
    const { events } = await t.infra.store.readStream(`dsr-${erased.body.request_id}`);
    expect(events.find((e) => e.type === 'rights.task_result_recorded')!.metadata.actor).toBe(`service:${systemId}`);
    expect((await t.request('GET', '/health', undefined, null)).body.checks?.rights_results).toBeDefined();
  });
});
