import { randomUUID } from 'node:crypto';
import { demo, DomainError } from '@pl/domain';
import { SqlEventStore, type EventStore, type StreamRead } from '@pl/eventstore';
import { SQL_BACKENDS, type FreshDatabase } from '../../../../test/support/databases';
import { intercept, newEvent } from '../../test/support';
import { ConcurrencyRetriesExhaustedError, handleCommand } from './handle-command';

jest.setTimeout(60_000);

const ctx = () => ({ actor: 'test', correlationId: randomUUID(), now: new Date('2026-01-01T00:00:00.000Z') });
const now = '2026-01-01T00:00:00.000Z';

describe.each(SQL_BACKENDS)('handleCommand on %s', (_name, open) => {
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

  /** Every readStream of the stream waits until `parties` reads have happened: all read the same revision. */
  function readBarrier(parties: number): { store: EventStore; reads: () => number } {
    let reads = 0;
    const waiting: Array<() => void> = [];
    const gated = intercept(store, 'readStream', (read) => async (id: string): Promise<StreamRead> => {
      const r = await read(id);
      reads++;
      if (reads <= parties) {
        await new Promise<void>((resolve) => {
          waiting.push(resolve);
          if (waiting.length === parties) waiting.forEach((w) => w());
        });
      }
      return r;
    });
    return { store: gated, reads: () => reads };
  }

  it('lets two compatible concurrent commands on one stream both succeed: the loser re-reads and re-decides', async () => {
    const { listId, stream } = await openList();
    const gate = readBarrier(2);
    const [a, b] = await Promise.all([
      handleCommand(gate.store, demo.demoDecider, stream, { type: 'AddItem', listId, item: 'a', now }, ctx()),
      handleCommand(gate.store, demo.demoDecider, stream, { type: 'AddItem', listId, item: 'b', now }, ctx()),
    ]);
    expect(gate.reads()).toBe(3);
    expect([a.state, b.state].map((s) => (s.status === 'none' ? 0 : s.items)).sort()).toEqual([1, 2]);
    const { revision, events } = await store.readStream(stream);
    expect(revision).toBe(2n);
    expect(events.map((e) => e.type)).toEqual(['demo.list_opened', 'demo.item_added', 'demo.item_added']);
    expect(events.slice(1).map((e) => e.data.item).sort()).toEqual(['a', 'b']);
  });

  it('re-decides on the new state: a command that the winner made invalid is refused, not appended', async () => {
    const { listId, stream } = await openList();
    const gate = readBarrier(2);
    const [close, add] = await Promise.allSettled([
      handleCommand(gate.store, demo.demoDecider, stream, { type: 'CloseList', listId, now }, ctx()),
      // the add's append goes second (it waits a tick), conflicts, re-reads a closed list
      (async () => {
        return handleCommand(
          intercept(gate.store, 'append', (append) => async (...args: Parameters<EventStore['append']>) => {
            await new Promise((r) => setTimeout(r, 50));
            return append(...args);
          }),
          demo.demoDecider,
          stream,
          { type: 'AddItem', listId, item: 'late', now },
          ctx(),
        );
      })(),
    ]);
    expect(close.status).toBe('fulfilled');
    expect(add.status).toBe('rejected');
    expect((add as PromiseRejectedResult).reason).toBeInstanceOf(DomainError);
    expect((add as PromiseRejectedResult).reason.message).toBe('list is closed');
    expect((await store.readStream(stream)).events.map((e) => e.type)).toEqual(['demo.list_opened', 'demo.list_closed']);
  });

  it('gives up after a bounded number of retries under constant contention and never overwrites', async () => {
    const { listId, stream } = await openList();
    let reads = 0;
    // a competing writer appends after every read, so every append of the handler conflicts
    const contended = intercept(store, 'readStream', (read) => async (id: string) => {
      const r = await read(id);
      reads++;
      await store.append(id, [newEvent('demo.item_added', { list_id: listId, item: `competitor-${reads}`, added_at: now })], 'any');
      return r;
    });
    const attempt = handleCommand(contended, demo.demoDecider, stream, { type: 'AddItem', listId, item: 'mine', now }, ctx(), { maxRetries: 3 });
    await expect(attempt).rejects.toBeInstanceOf(ConcurrencyRetriesExhaustedError);
    await expect(attempt).rejects.toMatchObject({ attempts: 4, streamId: stream });
    expect(reads).toBe(4);
    const items = (await store.readStream(stream)).events.slice(1).map((e) => e.data.item);
    expect(items).toEqual(['competitor-1', 'competitor-2', 'competitor-3', 'competitor-4']);
  });

  it('appends with no_stream for a new stream: two concurrent creations give one stream and one refusal', async () => {
    const listId = randomUUID();
    const gate = readBarrier(2);
    const results = await Promise.allSettled([
      handleCommand(gate.store, demo.demoDecider, `demo-${listId}`, { type: 'OpenList', listId, title: 'one', now }, ctx()),
      handleCommand(gate.store, demo.demoDecider, `demo-${listId}`, { type: 'OpenList', listId, title: 'two', now }, ctx()),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toMatchObject({ code: 'conflict', message: 'list already exists' });
    expect((await store.readStream(`demo-${listId}`)).events).toHaveLength(1);
  });

  it('adds metadata from the context and returns the appended position', async () => {
    const { listId, stream } = await openList();
    const c = { ...ctx(), actor: 'apikey:abc', causationId: 'cause-1', extra: { reason: 'test' } };
    const r = await handleCommand(store, demo.demoDecider, stream, { type: 'AddItem', listId, item: 'x', now }, c);
    const last = (await store.readStream(stream)).events.at(-1)!;
    expect(last.metadata).toMatchObject({ actor: 'apikey:abc', correlation_id: c.correlationId, causation_id: 'cause-1', reason: 'test', occurred_at: now, event_id: r.metadata[0].event_id });
    expect(r.appended!.position).toEqual(last.position);
    const noop = await handleCommand(store, demo.demoDecider, stream, { type: 'CloseList', listId, now }, ctx());
    const again = await handleCommand(store, demo.demoDecider, stream, { type: 'CloseList', listId, now }, ctx());
    expect(noop.appended).not.toBeNull();
    expect(again).toMatchObject({ events: [], appended: null });
  });
});
