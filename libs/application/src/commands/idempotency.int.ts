import { randomUUID } from 'node:crypto';
import { demo } from '@pl/domain';
import { SqlEventStore } from '@pl/eventstore';
import { SQL_BACKENDS, type FreshDatabase } from '../../../../test/support/databases';
import { appendUnderKey } from './append-under-key';
import { handleCommand } from './handle-command';
import { newIdempotencyScope, type IdempotencyScope } from './idempotency';

jest.setTimeout(60_000);

const now = '2026-01-01T00:00:00.000Z';
const ctx = (idempotency?: IdempotencyScope) => ({ actor: 'test', correlationId: randomUUID(), now: new Date(now), ...(idempotency ? { idempotency } : {}) });

describe.each(SQL_BACKENDS)('handleCommand and appendUnderKey under an Idempotency-Key on %s', (_name, open) => {
  let f: FreshDatabase;
  let store: SqlEventStore;
  beforeAll(async () => {
    f = await open();
    store = new SqlEventStore(f.db);
    await store.init();
  });
  afterAll(async () => {
    await store.close();
    await f.drop();
  });

  async function openList(): Promise<{ listId: string; stream: string }> {
    const listId = randomUUID();
    await handleCommand(store, demo.demoDecider, `demo-${listId}`, { type: 'OpenList', listId, title: 't', now }, ctx());
    return { listId, stream: `demo-${listId}` };
  }

  it('a rerun of the same claim answers from the recorded events and appends nothing', async () => {
    const { listId, stream } = await openList();
    const claim = randomUUID();
    const first = await handleCommand(store, demo.demoDecider, stream, { type: 'AddItem', listId, item: 'milk', now }, ctx(newIdempotencyScope(claim)));
    const again = newIdempotencyScope(claim);
    const second = await handleCommand(store, demo.demoDecider, stream, { type: 'AddItem', listId, item: 'milk', now }, ctx(again));
    const { events } = await store.readStream(stream);
    expect(events.map((e) => e.type)).toEqual(['demo.list_opened', 'demo.item_added']);
    expect(events[1].metadata).toMatchObject({ idempotency_claim: claim, idempotency_step: 'AddItem#0' });
    expect(second.events.map(({ type, data }) => ({ type, data }))).toEqual(first.events.map(({ type, data }) => ({ type, data })));
    expect(second.metadata.map((m) => m.event_id)).toEqual(first.metadata.map((m) => m.event_id));
    expect(second.appended).toEqual(first.appended);
    expect(second.state).toEqual(first.state);
    expect(again.positions).toEqual([first.appended!.position]);
  });

  it('answers with the state right after the recorded step, not with what was appended since', async () => {
    const { listId, stream } = await openList();
    const claim = randomUUID();
    const first = await handleCommand(store, demo.demoDecider, stream, { type: 'AddItem', listId, item: 'a', now }, ctx(newIdempotencyScope(claim)));
    await handleCommand(store, demo.demoDecider, stream, { type: 'AddItem', listId, item: 'b', now }, ctx());
    const second = await handleCommand(store, demo.demoDecider, stream, { type: 'AddItem', listId, item: 'a', now }, ctx(newIdempotencyScope(claim)));
    expect(second.state).toEqual(first.state);
    expect((await store.readStream(stream)).events).toHaveLength(3);
  });

  it('numbers the steps of one request: a second command of the same type on the stream is decided, not mistaken for the first', async () => {
    const { listId, stream } = await openList();
    const scope = newIdempotencyScope(randomUUID());
    await handleCommand(store, demo.demoDecider, stream, { type: 'AddItem', listId, item: 'a', now }, ctx(scope));
    const b = await handleCommand(store, demo.demoDecider, stream, { type: 'AddItem', listId, item: 'b', now }, ctx(scope));
    expect(b.events).toEqual([expect.objectContaining({ type: 'demo.item_added', data: expect.objectContaining({ item: 'b' }) })]);
    const { events } = await store.readStream(stream);
    expect(events.slice(1).map((e) => e.metadata.idempotency_step)).toEqual(['AddItem#0', 'AddItem#1']);
    expect(scope.positions).toHaveLength(2);
  });

  it('another claim (a new key, or the same key after it expired) decides again', async () => {
    const { listId, stream } = await openList();
    await handleCommand(store, demo.demoDecider, stream, { type: 'AddItem', listId, item: 'milk', now }, ctx(newIdempotencyScope(randomUUID())));
    await handleCommand(store, demo.demoDecider, stream, { type: 'AddItem', listId, item: 'milk', now }, ctx(newIdempotencyScope(randomUUID())));
    expect((await store.readStream(stream)).events).toHaveLength(3);
  });

  it('two concurrent runs of one claim record the step once: the loser of the append re-reads and finds it', async () => {
    const { listId, stream } = await openList();
    const claim = randomUUID();
    const runs = await Promise.all(
      [0, 1, 2].map(() => handleCommand(store, demo.demoDecider, stream, { type: 'AddItem', listId, item: 'milk', now }, ctx(newIdempotencyScope(claim)))),
    );
    const { events } = await store.readStream(stream);
    expect(events.map((e) => e.type)).toEqual(['demo.list_opened', 'demo.item_added']);
    expect(new Set(runs.map((r) => r.metadata[0].event_id)).size).toBe(1);
  });

  const receipt = (n: number) => ({
    type: 'demo.item_added',
    schemaVersion: 1,
    data: { list_id: 'l', item: `item-${n}-${randomUUID()}`, added_at: now },
    metadata: { event_id: randomUUID(), occurred_at: now, recorded_at: now, actor: 'test', correlation_id: 'c', causation_id: null },
  });

  it('appendUnderKey appends with expected revision any; a rerun of the claim finds its events and appends nothing', async () => {
    const stream = `receipts-${randomUUID()}`;
    const claim = randomUUID();
    const first = await appendUnderKey(store, stream, [receipt(1), receipt(2)], ctx(newIdempotencyScope(claim)), 'RecordReceipts');
    expect(first.recorded).toBeNull();
    await appendUnderKey(store, stream, [receipt(3)], ctx(), 'RecordReceipts');
    const again = newIdempotencyScope(claim);
    const rerun = await appendUnderKey(store, stream, [receipt(1), receipt(2)], ctx(again), 'RecordReceipts');
    const { events } = await store.readStream(stream);
    expect(events).toHaveLength(3);
    expect(rerun.recorded!.map((e) => e.data)).toEqual(events.slice(0, 2).map((e) => e.data));
    expect(rerun.appended.position).toEqual(first.appended.position);
    expect(again.positions).toEqual([first.appended.position]);
  });

  it('appendUnderKey without a key appends every time', async () => {
    const stream = `receipts-${randomUUID()}`;
    await appendUnderKey(store, stream, [receipt(1)], ctx(), 'RecordReceipts');
    await appendUnderKey(store, stream, [receipt(1)], ctx(), 'RecordReceipts');
    expect((await store.readStream(stream)).events).toHaveLength(2);
  });
});
