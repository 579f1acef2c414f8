import type { Readable } from 'node:stream';
import { convertToCommandError, type EventStoreDBClient, type RecordedEvent as EsdbRecordedEvent } from '@eventstore/db-client';
import { convertGrpcRecord } from '@eventstore/db-client/dist/utils/convertGrpcEvent';
import { createStreamIdentifier } from '@eventstore/db-client/dist/utils/grpcStreamIdentifier';
import { Empty } from '@eventstore/db-client/generated/shared_pb';
import { StreamsClient } from '@eventstore/db-client/generated/streams_grpc_pb';
import { ReadReq, type ReadResp } from '@eventstore/db-client/generated/streams_pb';
import type { LogPosition } from '@pl/domain';

/**
 * The gRPC `Streams.Read` call built here rather than through the 6.2.1 client's `readAll` /
 * `readStream` / `subscribeToAll`, which (a) send no filter on `$all` reads, so every sparse read
 * scanned the log on the client, (b) parse the stored JSON and drop its bytes, (c) do not ask for
 * the last stream position, and (d) hand checkpoints to a callback outside the order of the stream.
 * It runs on the client's own channel, credentials and reconnection (its `GRPCStreamCreator` and
 * `callArguments`) and converts records and errors with the client's own functions.
 */

/** A stored record: the client's conversion, plus its data and metadata exactly as stored (UTF-8). */
export interface StoredRecord {
  readonly event: EsdbRecordedEvent;
  readonly rawData: string;
  readonly rawMetadata: string;
}

export type ReadMessage =
  | { readonly kind: 'event'; readonly record: StoredRecord }
  | { readonly kind: 'checkpoint'; readonly position: LogPosition }
  | { readonly kind: 'caught_up' }
  | { readonly kind: 'fell_behind' }
  | { readonly kind: 'last_stream_revision'; readonly revision: bigint }
  | { readonly kind: 'stream_not_found' };

type ReadCall = Readable & { cancel(): void };

/** The client's protected machinery, reached from outside the class (same package version, pinned). */
interface ClientInternals {
  GRPCStreamCreator(client: typeof StreamsClient, debugName: string, creator: (grpc: StreamsClient) => ReadCall): () => Promise<ReadCall>;
  callArguments(options: { requiresLeader?: boolean; deadline?: number }, callOptions?: { deadline?: number | Date }): [unknown, object];
  readonly capabilities: Promise<{ readonly serverVersion: string }>;
}

const internals = (client: EventStoreDBClient) => client as unknown as ClientInternals;

export async function serverVersion(client: EventStoreDBClient): Promise<string> {
  return (await internals(client).capabilities).serverVersion;
}

export interface AllReadOptions {
  /** Exclusive on the server only for subscriptions; reads include the event at `from`. */
  readonly from: LogPosition | 'start' | 'end';
  readonly backwards?: boolean;
  readonly maxCount?: number;
  /** Event type prefixes, filtered by the server; without them the server leaves out system (`$`) types. */
  readonly typePrefixes?: readonly string[];
  /** A subscription instead of a read: checkpoints every `checkpointEvery` considered events (rounded up to the search window). */
  readonly subscription?: { readonly checkpointEvery: number };
}

/** Events the server considers per page of a filtered read (its search window). */
export const SEARCH_WINDOW = 256;

export function allRequest(o: AllReadOptions): ReadReq {
  const options = new ReadReq.Options();
  const all = new ReadReq.Options.AllOptions();
  if (o.from === 'start') all.setStart(new Empty());
  else if (o.from === 'end') all.setEnd(new Empty());
  else {
    const p = new ReadReq.Options.Position();
    p.setCommitPosition(o.from.tx.toString(10));
    p.setPreparePosition(o.from.pos.toString(10));
    all.setPosition(p);
  }
  options.setAll(all);
  options.setResolveLinks(false);
  options.setReadDirection(o.backwards ? 1 : 0);
  options.setUuidOption(new ReadReq.Options.UUIDOption().setString(new Empty()));
  if (o.subscription) options.setSubscription(new ReadReq.Options.SubscriptionOptions());
  else options.setCount(String(o.maxCount ?? Number.MAX_SAFE_INTEGER));
  const expression = new ReadReq.Options.FilterOptions.Expression();
  if (o.typePrefixes?.length) expression.setPrefixList([...o.typePrefixes]);
  else expression.setRegex('^[^$]');
  const filter = new ReadReq.Options.FilterOptions().setEventType(expression).setMax(SEARCH_WINDOW);
  // The server checkpoints every multiplier x search window considered events (not every event).
  filter.setCheckpointintervalmultiplier(Math.max(1, Math.ceil((o.subscription?.checkpointEvery ?? SEARCH_WINDOW) / SEARCH_WINDOW)));
  options.setFilter(filter);
  return new ReadReq().setOptions(options);
}

/** A whole stream forwards; compatibility 1 makes the server end with the stream's last revision (also when older events are gone). */
export function streamRequest(streamId: string): ReadReq {
  const options = new ReadReq.Options();
  const stream = new ReadReq.Options.StreamOptions().setStreamIdentifier(createStreamIdentifier(streamId)).setStart(new Empty());
  options.setStream(stream);
  options.setResolveLinks(false);
  options.setReadDirection(0);
  options.setCount(String(Number.MAX_SAFE_INTEGER));
  options.setUuidOption(new ReadReq.Options.UUIDOption().setString(new Empty()));
  options.setNoFilter(new Empty());
  options.setControlOption(new ReadReq.Options.ControlOption().setCompatibility(1));
  return new ReadReq().setOptions(options);
}

const utf8 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');

export function toReadMessage(resp: ReadResp): ReadMessage | null {
  if (resp.hasEvent()) {
    const record = resp.getEvent()!.getEvent();
    if (!record) return null;
    return { kind: 'event', record: { event: convertGrpcRecord(record) as EsdbRecordedEvent, rawData: utf8(record.getData_asU8()), rawMetadata: utf8(record.getCustomMetadata_asU8()) } };
  }
  if (resp.hasCheckpoint()) {
    const c = resp.getCheckpoint()!;
    return { kind: 'checkpoint', position: { tx: BigInt(c.getCommitPosition()), pos: BigInt(c.getPreparePosition()) } };
  }
  if (resp.hasCaughtUp()) return { kind: 'caught_up' };
  if (resp.hasFellBehind()) return { kind: 'fell_behind' };
  if (resp.hasLastStreamPosition()) return { kind: 'last_stream_revision', revision: BigInt(resp.getLastStreamPosition()) };
  if (resp.hasStreamNotFound()) return { kind: 'stream_not_found' };
  return null;
}

/** An open `Streams.Read` call, pulled one message at a time; errors come out as the client's error classes. */
export class ReadCallReader {
  private failure: Error | null = null;
  private cancelled = false;

  private constructor(private readonly call: ReadCall) {
    // grpc-js ends the stream, then emits the call's status error: kept here, thrown by poll().
    call.on('error', (e: Error) => {
      if (!this.cancelled) this.failure ??= e;
    });
  }

  static async open(client: EventStoreDBClient, request: ReadReq, deadlineMs: number | null): Promise<ReadCallReader> {
    const c = internals(client);
    const create = c.GRPCStreamCreator(StreamsClient, 'read', (grpc) =>
      grpc.read(request, ...(c.callArguments({}, { deadline: deadlineMs === null ? Infinity : new Date(Date.now() + deadlineMs) }) as [never, never])) as unknown as ReadCall,
    );
    return new ReadCallReader(await create());
  }

  /** The next message already received, without waiting; undefined when none is buffered; null at the end. */
  poll(): ReadMessage | null | undefined {
    for (;;) {
      this.throwIfFailed();
      const resp = this.call.read() as ReadResp | null;
      if (resp === null) return this.call.readableEnded || this.call.destroyed ? null : undefined;
      const m = toReadMessage(resp);
      if (m) return m;
    }
  }

  /** Waits until a message can be polled, the call ends, or `timeoutMs` passes (false). */
  wait(timeoutMs = Number.POSITIVE_INFINITY): Promise<boolean> {
    if (this.call.readableLength > 0 || this.call.readableEnded || this.call.destroyed) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (ready: boolean) => () => {
        clearTimeout(timer);
        for (const [event, f] of listeners) this.call.off(event, f);
        resolve(ready);
      };
      const timer = Number.isFinite(timeoutMs) ? setTimeout(done(false), timeoutMs) : undefined;
      const listeners: [string, () => void][] = ['readable', 'end', 'close', 'error'].map((event) => [event, done(true)]);
      for (const [event, f] of listeners) this.call.once(event, f);
    });
  }

  /** The next message, waiting for it; null at the end. */
  async next(): Promise<ReadMessage | null> {
    for (;;) {
      const m = this.poll();
      if (m !== undefined) return m;
      await this.wait();
    }
  }

  cancel(): void {
    this.cancelled = true;
    if (!this.call.destroyed) this.call.cancel();
  }

  private throwIfFailed(): void {
    if (this.failure) throw convertToCommandError(this.failure as never);
  }
}

/** Every message of a finite read (not a subscription). */
export async function* readMessages(client: EventStoreDBClient, request: ReadReq, deadlineMs: number): AsyncGenerator<ReadMessage> {
  const reader = await ReadCallReader.open(client, request, deadlineMs);
  try {
    for (let m = await reader.next(); m; m = await reader.next()) yield m;
  } finally {
    reader.cancel();
  }
}
