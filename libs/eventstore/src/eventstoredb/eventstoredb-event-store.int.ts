import { randomUUID } from 'node:crypto';
import { comparePositions, LOG_START, type EventMetadata, type LogPosition } from '@pl/domain';
import { KurrentDbStandIn } from '../../../../test/support/kurrentdb-stand-in';
import { AppendTooLargeError, EventStoreUnavailableError, StreamDeletedError, type EventStore, type NewEvent } from '../port';
import { EventStoreDbEventStore } from './eventstoredb-event-store';
import { CAUSATION_KEY, CORRELATION_KEY } from './mapping';

/**
 * The adapter through the real @eventstore/db-client 6.2.1 and a real gRPC connection, to a
 * stand-in server on loopback (test/support/kurrentdb-stand-in.ts: the client's own protocol
 * definitions, the server's failure trailers, an in-memory log). It shows what the adapter asks
 * and how it reacts; it does not show what a real KurrentDB answers: the contract suite does that
 * where EVENTSTORE_CONNECTION_STRING is set.
 */
const metadata = (extra: Partial<EventMetadata> = {}): EventMetadata => ({
  event_id: randomUUID(),
  occurred_at: '2026-12-02T20:00:00.000Z',
  recorded_at: '2026-12-02T20:00:00.000Z',
  actor: 'service:test',
  correlation_id: 'corr-1',
  causation_id: null,
  ...extra,
});
const ev = (type: string, data: unknown = {}, extra: Partial<EventMetadata> = {}): NewEvent => ({ type, data, metadata: metadata(extra) });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(check: () => boolean, ms: number): Promise<void> {
  for (const end = Date.now() + ms; !check() && Date.now() < end; ) await sleep(10);
}

describe('EventStoreDB adapter against a stand-in KurrentDB gRPC server', () => {
  let server: KurrentDbStandIn;
  let store: EventStoreDbEventStore;

  beforeEach(async () => {
    server = new KurrentDbStandIn();
    const url = await server.start();
    store = EventStoreDbEventStore.fromConnectionString(url.replace('esdb://', 'kurrentdb://'), { idleCheckpointMs: 50 });
    await store.init();
  });
  afterEach(async () => {
    await store.close();
    await server.stop();
  });

  it('connects with a kurrentdb:// string and refuses a server older than 24.10 at start (defect 7)', async () => {
    const old = new KurrentDbStandIn('23.10.1');
    const url = await old.start();
    const refused = EventStoreDbEventStore.fromConnectionString(url);
    await expect(refused.init()).rejects.toThrow(/23\.10\.1 is not supported: this service needs 24\.10 or newer/);
    await refused.close();
    await old.stop();
    expect(await store.headPosition()).toEqual(LOG_START);
  });

  it('a filtered read is filtered by the server and pages to the head without matches (defect 3)', async () => {
    for (let i = 0; i < 40; i++) server.write(`other-${i}`, 'rights.other', '{}');
    const wanted = await store.append('consent-s1', [ev('consent.given', { i: 1 })], 'no_stream');
    for (let i = 0; i < 10; i++) server.write(`other-b${i}`, 'rights.other', '{}');
    server.write('$stats-127.0.0.1:2113', '$statsCollected', '{}');
    const page = await store.readPage(LOG_START, { typePrefixes: ['consent.'], maxCount: 5 });
    expect(page.events.map((e) => e.type)).toEqual(['consent.given']);
    expect(page.events[0].position).toEqual(wanted.position);
    const lastService = server.events.filter((e) => !e.type.startsWith('$')).at(-1)!;
    expect(page.scannedTo).toEqual({ tx: lastService.position, pos: lastService.position });
    const filtered = server.reads.filter((o) => o.hasAll() && !o.hasSubscription() && o.getReadDirection() === 0);
    expect(filtered.at(-1)!.getFilter()!.getEventType()!.getPrefixList()).toEqual(['consent.']);
    // without a type filter the server still leaves out system events
    const all = await store.readAll(LOG_START, { maxCount: 1000 });
    expect(all).toHaveLength(51);
    expect(server.reads.at(-1)!.getFilter()!.getEventType()!.getRegex()).toBe('^[^$]');
    expect(await store.headPosition()).toEqual({ tx: lastService.position, pos: lastService.position });
  });

  it('the revision is the stream\'s even when older events are gone; a tombstone is StreamDeletedError (defect 4)', async () => {
    await store.append('s-trunc', [ev('t.a'), ev('t.b'), ev('t.c')], 'no_stream');
    server.truncateBefore.set('s-trunc', 3n);
    expect(await store.readStream('s-trunc')).toEqual({ revision: 2n, events: [] });
    expect((await store.append('s-trunc', [ev('t.d')], 2n)).nextRevision).toBe(3n);
    server.tombstoned.add('s-trunc');
    await expect(store.readStream('s-trunc')).rejects.toBeInstanceOf(StreamDeletedError);
    await expect(store.append('s-trunc', [ev('t.e')], 3n)).rejects.toBeInstanceOf(StreamDeletedError);
    expect(await store.readStream('s-missing')).toEqual({ revision: null, events: [] });
  });

  it('an append whose answer was lost, or that met no leader or no node, is retried with the same ids and written once (defect 4)', async () => {
    for (const fault of ['deadline_after_write', 'not_leader', 'unavailable_before_write'] as const) {
      const id = `s-${fault}`;
      server.faults.push(fault);
      const r = await store.append(id, [ev('r.a'), ev('r.b')], 'no_stream');
      expect(r.nextRevision).toBe(1n);
      expect(server.events.filter((e) => e.streamId === id)).toHaveLength(2);
      expect((await store.readStream(id)).events.map((e) => e.position)).toEqual([
        expect.anything(),
        r.position,
      ]);
    }
    server.faults.push('deadline_after_write', 'deadline_after_write', 'deadline_after_write');
    const gaveUp = await store.append('s-gave-up', [ev('r.a')], 'no_stream').catch((e) => e);
    expect(gaveUp).toEqual(new EventStoreUnavailableError('deadline_exceeded', true));
    expect(server.events.filter((e) => e.streamId === 's-gave-up')).toHaveLength(1); // written once, confirmed never
    server.faults.push('max_append_size');
    await expect(store.append('s-big', [ev('r.a')], 'no_stream')).rejects.toEqual(new AppendTooLargeError('s-big', 1048576));
  });

  it('delivers waiting events in batches up to maxCount, caught up and live (defect 5)', async () => {
    await store.append('s-batch', Array.from({ length: 25 }, (_, i) => ev('b.x', { i })), 'no_stream');
    const batches: number[] = [];
    let caughtUp = false;
    const sub = store.subscribe(LOG_START, async (events) => void (events.length && batches.push(events.length)), { maxCount: 10, onCaughtUp: () => (caughtUp = true) });
    await until(() => caughtUp && batches.reduce((a, b) => a + b, 0) === 25, 5000);
    const catchUp = batches.length;
    await store.append('s-batch', Array.from({ length: 30 }, (_, i) => ev('b.x', { i: 25 + i })), 24n);
    await until(() => batches.reduce((a, b) => a + b, 0) === 55, 5000);
    await sub.stop();
    expect(batches.reduce((a, b) => a + b, 0)).toBe(55);
    expect(Math.max(...batches)).toBeLessThanOrEqual(10);
    expect(catchUp).toBeLessThan(25); // 3 when nothing else runs; one call per event before
    expect(batches.length - catchUp).toBeLessThan(30);
  });

  it('a filtered subscription, live and idle, moves its checkpoint to the head over events of other types (defect 2)', async () => {
    await store.append('s-tail', [ev('wanted.x')], 'no_stream');
    const checkpoints: LogPosition[] = [];
    const types: string[] = [];
    const sub = store.subscribe(LOG_START, async (events, cp) => {
      types.push(...events.map((e) => e.type));
      checkpoints.push(cp);
    }, { typePrefixes: ['wanted.'] });
    await until(() => types.length === 1, 5000);
    for (let i = 0; i < 5; i++) server.write('s-other', 'other.x', '{}');
    const head = await store.headPosition();
    await until(() => checkpoints.length > 0 && comparePositions(checkpoints.at(-1)!, head) >= 0, 5000);
    // a wanted event after that is delivered as usual, past the moved checkpoint
    server.write('s-other', 'wanted.late', '{}');
    await until(() => types.length === 2, 5000);
    await sub.stop();
    expect(types).toEqual(['wanted.x', 'wanted.late']);
    expect(checkpoints.at(-2)).toEqual(head);
    expect(checkpoints.every((cp, i) => i === 0 || comparePositions(checkpoints[i - 1], cp) < 0)).toBe(true);
  });

  it('gives lag what it is told from on a log without counts: no countAfter, the first service event after a checkpoint, past system events (defect 1)', async () => {
    const first = await store.append('s-lag', [ev('l.a', {}, { recorded_at: '2026-12-02T19:00:00.000Z' })], 'no_stream');
    server.write('$stats-127.0.0.1:2113', '$statsCollected', '{}');
    await store.append('s-lag', [ev('l.b', {}, { recorded_at: '2026-12-02T19:05:00.000Z' })], 0n);
    server.write('$stats-127.0.0.1:2113', '$statsCollected', '{}');
    expect((store as EventStore).countAfter).toBeUndefined(); // byte offsets: apps/common/projection-lag.ts reads caught up / since instead
    const [next] = await store.readAll(first.position, { maxCount: 1 });
    expect(next).toMatchObject({ type: 'l.b', metadata: { recorded_at: '2026-12-02T19:05:00.000Z' } });
    const head = await store.headPosition();
    expect(head).toEqual(next.position);
    expect(await store.readAll(head, { maxCount: 1 })).toEqual([]);
  });

  it('stores $correlationId and $causationId for the server projections, and gives back the stored bytes as raw (defect 6)', async () => {
    const r = await store.append('s-meta', [ev('m.x', { a: 1 }, { correlation_id: 'corr-9', causation_id: 'cause-3' })], 'no_stream');
    const stored = JSON.parse(Buffer.from(server.events.at(-1)!.metadata).toString('utf8'));
    expect(stored).toMatchObject({ [CORRELATION_KEY]: 'corr-9', [CAUSATION_KEY]: 'cause-3', correlation_id: 'corr-9', causation_id: 'cause-3', schema_version: 1 });
    const [back] = (await store.readStream('s-meta')).events;
    expect(back.metadata).not.toHaveProperty(CORRELATION_KEY);
    expect(back.metadata).toMatchObject({ correlation_id: 'corr-9', causation_id: 'cause-3' });
    expect(back.position).toEqual(r.position);
    // another writer's bytes, spacing and key order kept as stored: the audit chain hashes these
    server.write('s-foreign', 'f.x', '{ "b": 2,  "a": 1 }');
    const [foreign] = await store.readAll(r.position);
    expect(foreign.raw!.data).toBe('{ "b": 2,  "a": 1 }');
    expect(foreign.data).toEqual({ a: 1, b: 2 });
  });
});
