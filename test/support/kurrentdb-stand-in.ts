import { Metadata, Server, ServerCredentials, status, type sendUnaryData, type ServerReadableStream, type ServerWritableStream } from '@grpc/grpc-js';
import { randomUUID } from 'node:crypto';
import { ServerFeaturesService } from '@eventstore/db-client/generated/serverfeatures_grpc_pb';
import { SupportedMethods } from '@eventstore/db-client/generated/serverfeatures_pb';
import { Empty, StreamIdentifier, UUID } from '@eventstore/db-client/generated/shared_pb';
import { StreamsService } from '@eventstore/db-client/generated/streams_grpc_pb';
import { AppendReq, AppendResp, ReadReq, ReadResp } from '@eventstore/db-client/generated/streams_pb';

/**
 * A stand-in for a KurrentDB node, for tests of the EventStoreDB adapter on machines without a
 * server. It speaks the real gRPC protocol from the client's own generated definitions, so the real
 * @eventstore/db-client 6.2.1 connects to it, and it fails the way the server does (status codes and
 * the `exception` trailer the client turns into its own error classes). Its log is in memory and
 * models only what the adapter uses, after the server's sources (Enumerator.ReadAllForwardsFiltered,
 * AllSubscriptionFiltered, ReadStreamForwards; idempotent appends by event id). It is not the
 * server: the contract suite against a real one is the proof (EVENTSTORE_CONNECTION_STRING).
 */
export interface StoredEvent {
  readonly streamId: string;
  readonly revision: bigint;
  readonly id: string;
  readonly type: string;
  readonly contentType: string;
  readonly data: Uint8Array;
  readonly metadata: Uint8Array;
  readonly position: bigint;
}

/** What the next append meets: a leader change, a dropped answer after the write, an unreachable node, a size limit. */
export type AppendFault = 'not_leader' | 'deadline_after_write' | 'unavailable_before_write' | 'max_append_size';

interface Live {
  readonly call: ServerWritableStream<ReadReq, ReadResp>;
  readonly matches: (e: StoredEvent) => boolean;
}

export class KurrentDbStandIn {
  readonly events: StoredEvent[] = [];
  readonly faults: AppendFault[] = [];
  readonly tombstoned = new Set<string>();
  readonly truncateBefore = new Map<string, bigint>();
  /** Read calls the server received, for assertions on what the client asked. */
  readonly reads: ReadReq.Options[] = [];
  private readonly live = new Set<Live>();
  private next = 1000n;
  private server = new Server();
  port = 0;

  constructor(private readonly version = '24.10.0') {}

  async start(): Promise<string> {
    this.server.addService(ServerFeaturesService, {
      getSupportedMethods: (_: unknown, done: sendUnaryData<SupportedMethods>) => done(null, new SupportedMethods().setEventStoreServerVersion(this.version).setMethodsList([])),
    });
    this.server.addService(StreamsService, {
      read: (call: ServerWritableStream<ReadReq, ReadResp>) => this.read(call),
      append: (call: ServerReadableStream<AppendReq, AppendResp>, done: sendUnaryData<AppendResp>) => this.append(call, done),
    } as never);
    this.port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, port) => (e ? reject(e) : resolve(port))),
    );
    return `esdb://127.0.0.1:${this.port}?tls=false`;
  }

  async stop(): Promise<void> {
    for (const l of this.live) l.call.end();
    await new Promise<void>((r) => this.server.tryShutdown(() => r()));
  }

  /** Writes an event the way another writer (or the server itself, for `$` streams) would. */
  write(streamId: string, type: string, data: string, contentType = 'application/json'): StoredEvent {
    const last = [...this.events].reverse().find((e) => e.streamId === streamId);
    return this.store({ streamId, revision: last ? last.revision + 1n : 0n, id: randomUUID(), type, contentType, data: Buffer.from(data), metadata: Buffer.from('{}') });
  }

  private store(e: Omit<StoredEvent, 'position'>): StoredEvent {
    const stored = { ...e, position: this.next };
    this.next += BigInt(100 + e.data.length + e.metadata.length); // byte offsets, as in the transaction file
    this.events.push(stored);
    for (const l of this.live) if (l.matches(stored)) l.call.write(eventResp(stored));
    return stored;
  }

  private read(call: ServerWritableStream<ReadReq, ReadResp>): void {
    const o = call.request.getOptions()!;
    this.reads.push(o);
    if (o.hasStream()) return this.readStream(call, o);
    const all = o.getAll()!;
    const from = all.hasStart() ? -1n : all.hasEnd() ? null : BigInt(all.getPosition()!.getCommitPosition());
    const matches = filterOf(o);
    if (o.hasSubscription()) {
      call.write(new ReadResp().setConfirmation(new ReadResp.SubscriptionConfirmation().setSubscriptionId('stand-in')));
      const after = from ?? this.head();
      for (const e of this.events) if (e.position > after && matches(e)) call.write(eventResp(e));
      // the server checkpoints at the end of catch-up, then says it is live; live, it checkpoints
      // only every multiplier x window considered events (never here: tests stay below that)
      const head = this.head();
      if (head > after) call.write(new ReadResp().setCheckpoint(new ReadResp.Checkpoint().setCommitPosition(String(head)).setPreparePosition(String(head))));
      call.write(new ReadResp().setCaughtUp(new ReadResp.CaughtUp()));
      const live = { call, matches };
      this.live.add(live);
      call.on('cancelled', () => this.live.delete(live));
      return;
    }
    const backwards = o.getReadDirection() === 1;
    const start = from ?? (backwards ? this.head() : this.head() + 1n);
    const ordered = backwards ? [...this.events].reverse().filter((e) => e.position <= start) : this.events.filter((e) => e.position >= start);
    let count = Number(o.getCount());
    for (const e of ordered) {
      if (count <= 0) break;
      if (!matches(e)) continue;
      call.write(eventResp(e));
      count -= 1;
    }
    call.end();
  }

  private readStream(call: ServerWritableStream<ReadReq, ReadResp>, o: ReadReq.Options): void {
    const streamId = Buffer.from(o.getStream()!.getStreamIdentifier()!.getStreamName_asU8()).toString('utf8');
    if (this.tombstoned.has(streamId)) return fail(call, status.FAILED_PRECONDITION, 'stream-deleted', { 'stream-name': streamId });
    const all = this.events.filter((e) => e.streamId === streamId);
    if (!all.length) {
      call.write(new ReadResp().setStreamNotFound(new ReadResp.StreamNotFound().setStreamIdentifier(new StreamIdentifier().setStreamName(Buffer.from(streamId)))));
      return void call.end();
    }
    const from = this.truncateBefore.get(streamId) ?? 0n;
    for (const e of all) if (e.revision >= from) call.write(eventResp(e));
    if (o.getControlOption()?.getCompatibility() === 1) call.write(new ReadResp().setLastStreamPosition(String(all[all.length - 1].revision)));
    call.end();
  }

  private append(call: ServerReadableStream<AppendReq, AppendResp>, done: sendUnaryData<AppendResp>): void {
    let options: AppendReq.Options | undefined;
    const proposed: AppendReq.ProposedMessage[] = [];
    call.on('data', (m: AppendReq) => (m.hasOptions() ? (options = m.getOptions()) : proposed.push(m.getProposedMessage()!)));
    call.on('end', () => {
      const streamId = Buffer.from(options!.getStreamIdentifier()!.getStreamName_asU8()).toString('utf8');
      const fault = this.faults.shift();
      if (fault === 'not_leader') return done(error(status.NOT_FOUND, 'not-leader', { 'leader-endpoint-host': '127.0.0.1', 'leader-endpoint-port': String(this.port) }));
      if (fault === 'unavailable_before_write') return done(error(status.UNAVAILABLE, null, {}));
      if (fault === 'max_append_size') return done(error(status.INVALID_ARGUMENT, 'maximum-append-size-exceeded', { 'maximum-append-size': '1048576' }));
      if (this.tombstoned.has(streamId)) return done(error(status.FAILED_PRECONDITION, 'stream-deleted', { 'stream-name': streamId }));
      const mine = this.events.filter((e) => e.streamId === streamId);
      const current = mine.length ? mine[mine.length - 1].revision : null;
      const expected = options!.hasRevision() ? BigInt(options!.getRevision()) : options!.hasNoStream() ? -1n : null;
      const ids = proposed.map((p) => p.getId()!.getString());
      // idempotent: the same ids right after the expected revision were written by an earlier attempt
      const earlier = expected === null ? [] : mine.filter((e) => e.revision > expected).slice(0, ids.length);
      if (earlier.length === ids.length && earlier.every((e, i) => e.id === ids[i])) {
        return fault === 'deadline_after_write' ? done(error(status.DEADLINE_EXCEEDED, null, {})) : done(null, success(earlier[earlier.length - 1]));
      }
      if (expected !== null && (current ?? -1n) !== expected) {
        const wrong = new AppendResp.WrongExpectedVersion();
        if (current === null) wrong.setCurrentNoStream(new Empty());
        else wrong.setCurrentRevision(String(current));
        if (expected === -1n) wrong.setExpectedNoStream(new Empty());
        else wrong.setExpectedRevision(String(expected));
        return done(null, new AppendResp().setWrongExpectedVersion(wrong));
      }
      let last: StoredEvent | null = null;
      let revision = current ?? -1n;
      for (const p of proposed) {
        const m = p.getMetadataMap();
        revision += 1n;
        last = this.store({ streamId, revision, id: p.getId()!.getString(), type: m.get('type')!, contentType: m.get('content-type')!, data: p.getData_asU8(), metadata: p.getCustomMetadata_asU8() });
      }
      if (fault === 'deadline_after_write') return done(error(status.DEADLINE_EXCEEDED, null, {}));
      done(null, success(last!));
    });
  }

  private head(): bigint {
    return this.events.length ? this.events[this.events.length - 1].position : 0n;
  }
}

function filterOf(o: ReadReq.Options): (e: StoredEvent) => boolean {
  if (!o.hasFilter()) return () => true;
  const expr = o.getFilter()!.getEventType()!;
  const prefixes = expr.getPrefixList();
  const regex = expr.getRegex() ? new RegExp(expr.getRegex()) : null;
  return (e) => (prefixes.length ? prefixes.some((p) => e.type.startsWith(p)) : true) && (!regex || regex.test(e.type));
}

function eventResp(e: StoredEvent): ReadResp {
  const r = new ReadResp.ReadEvent.RecordedEvent()
    .setId(new UUID().setString(e.id))
    .setStreamIdentifier(new StreamIdentifier().setStreamName(Buffer.from(e.streamId)))
    .setStreamRevision(String(e.revision))
    .setCommitPosition(String(e.position))
    .setPreparePosition(String(e.position))
    .setCustomMetadata(e.metadata)
    .setData(e.data);
  r.getMetadataMap().set('type', e.type).set('content-type', e.contentType).set('created', '0');
  return new ReadResp().setEvent(new ReadResp.ReadEvent().setEvent(r).setCommitPosition(String(e.position)));
}

function success(last: StoredEvent): AppendResp {
  const position = new AppendResp.Position().setCommitPosition(String(last.position)).setPreparePosition(String(last.position));
  return new AppendResp().setSuccess(new AppendResp.Success().setCurrentRevision(String(last.revision)).setPosition(position));
}

function error(code: status, exception: string | null, extra: Record<string, string>) {
  const metadata = new Metadata();
  if (exception) metadata.set('exception', exception);
  for (const [k, v] of Object.entries(extra)) metadata.set(k, v);
  return { code, details: exception ?? 'stand-in fault', metadata, name: 'Error', message: exception ?? 'stand-in fault' };
}

function fail(call: ServerWritableStream<ReadReq, ReadResp>, code: status, exception: string, extra: Record<string, string>): void {
  call.emit('error', error(code, exception, extra));
}
