import { EventEmitter } from 'node:events';
import { LOG_START, UpcasterRegistry, comparePositions, type LogPosition, type RecordedEvent } from '@pl/domain';
import type { SqlDatabase, SqlExecutor } from '../sql/database';
import {
  WrongExpectedRevisionError,
  type AppendManyResult,
  type AppendResult,
  type BatchHandler,
  type EventStore,
  type ExpectedRevision,
  type NewEvent,
  type ReadAllOptions,
  type StreamRead,
  type StreamAppend,
  type SubscribeOptions,
  type Subscription,
} from '../port';
import { appendManyStatement, appendStatement, NOTIFY_CHANNEL, type AppendManyRow, type AppendRow } from './append-statement';
import { migrateEventStore } from './migrations';
import { decodeRow, SELECT_COLUMNS, type EventRow } from './rows';

export interface SqlEventStoreOptions {
  /**
   * Safety poll of idle subscriptions (ms). Appends through the same database object wake them at
   * once, and with `notify` so do appends of other processes; the poll only bounds a missed wake.
   * Default: 30 s on PGlite (this process is the only writer) and on PostgreSQL with `notify`;
   * 50 ms on PostgreSQL without it (another process's appends are seen only by polling).
   */
  readonly pollIntervalMs?: number;
  readonly batchSize?: number;
  readonly upcasters?: UpcasterRegistry;
  /**
   * PostgreSQL: wake the subscribers of other processes through NOTIFY (default true). Sent after
   * the append committed, outside its transaction, at most one in flight per process: a burst of
   * appends costs one or two NOTIFYs, and no append waits for the global lock NOTIFY takes at commit.
   */
  readonly notify?: boolean;
  /**
   * PostgreSQL with `notify`: after a NOTIFY, the next waits at least this long (default 5 ms) and
   * then carries the newest position appended meanwhile. The first append after a quiet spell is
   * announced at once; under a stream of appends, other processes hear at most one per interval
   * (each costs a transaction and a delivery to every listening connection: one per append cost
   * single-writer appends about 10 %, session 10's `bench/eventstore.ts --notify`). 0: one in
   * flight at a time, no gap.
   */
  readonly notifyIntervalMs?: number;
  /**
   * While an announced append is not readable yet (an open writing transaction holds the horizon),
   * the subscription re-reads from 10 ms, doubling up to this (default 50 ms); a commit of a
   * transaction of this process wakes it at once.
   */
  readonly announcedPollMaxMs?: number;
}

const EAGER_POLL_MS = 10;
const EAGER_POLL_MAX_MS = 50;
const SAFETY_POLL_MS = 30_000;
const NOTIFY_INTERVAL_MS = 5;

/** Wakes the subscribers of every SqlEventStore on one database object (a process may build several). */
const appendedSignals = new WeakMap<SqlDatabase, EventEmitter>();
/** The newest position announced on a database object (appended here or NOTIFYed), for subscriptions started after it. */
const newestAnnounced = new WeakMap<SqlDatabase, LogPosition>();
function appendedSignalOf(db: SqlDatabase): EventEmitter {
  let e = appendedSignals.get(db);
  if (!e) {
    e = new EventEmitter().setMaxListeners(0);
    e.on('appended', (at?: LogPosition) => {
      const newest = newestAnnounced.get(db);
      if (at && (!newest || comparePositions(at, newest) > 0)) newestAnnounced.set(db, at);
    });
    appendedSignals.set(db, e);
  }
  return e;
}

/** The event store on PostgreSQL (`pg`) or PGlite: one implementation, the same SQL. */
export class SqlEventStore implements EventStore {
  readonly backend: 'postgres' | 'embedded';
  private readonly appended: EventEmitter;
  private readonly notify: boolean;
  private readonly pollIntervalMs: number;
  private readonly batchSize: number;
  private readonly upcasters: UpcasterRegistry;
  private readonly subscriptions = new Set<Subscription>();
  private listening: Promise<void> | null = null;
  private notifying: Promise<void> | null = null;
  private notifyAgain = false;
  /** Ends the gap after a NOTIFY early (close). */
  private endNotifyGap: (() => void) | null = null;
  private closing = false;
  private newest: LogPosition | null = null;

  constructor(
    private readonly db: SqlDatabase,
    private readonly options: SqlEventStoreOptions = {},
  ) {
    this.backend = db.kind === 'pglite' ? 'embedded' : 'postgres';
    this.notify = db.kind === 'postgres' && (options.notify ?? true);
    this.pollIntervalMs = options.pollIntervalMs ?? (db.kind === 'pglite' || this.notify ? SAFETY_POLL_MS : 50);
    this.batchSize = options.batchSize ?? 1000;
    this.upcasters = options.upcasters ?? new UpcasterRegistry();
    this.appended = appendedSignalOf(db);
  }

  async init(): Promise<void> {
    await migrateEventStore(this.db);
    await this.listen();
  }

  /** Other processes' appends wake this one's subscribers (PostgreSQL with notify). */
  private listen(): Promise<void> {
    if (!this.notify) return Promise.resolve();
    this.listening ??= this.db
      .listen(NOTIFY_CHANNEL, (payload) => this.appended.emit('appended', positionOfPayload(payload)))
      .then(() => undefined)
      .catch((e) => {
        this.listening = null;
        throw e;
      });
    return this.listening;
  }

  /**
   * One NOTIFY in flight at a time, carrying the newest position appended, then a gap of
   * `notifyIntervalMs`; appends during either ask for one more after the gap, not one each.
   */
  private notifyOthers(position: LogPosition): void {
    if (!this.newest || comparePositions(position, this.newest) > 0) this.newest = position;
    if (this.notifying) {
      this.notifyAgain = true;
      return;
    }
    this.notifying = this.db
      .query('SELECT pg_notify($1, $2)', [NOTIFY_CHANNEL, `${this.newest.tx}:${this.newest.pos}`], { name: 'es_notify_v2' })
      .then(
        () => undefined,
        () => undefined, // a lost NOTIFY costs latency only: the safety poll still finds the events
      )
      .then(() => this.notifyGap())
      .finally(() => {
        this.notifying = null;
        if (this.notifyAgain) {
          this.notifyAgain = false;
          this.notifyOthers(this.newest!);
        }
      });
  }

  private notifyGap(): Promise<void> {
    const ms = this.options.notifyIntervalMs ?? NOTIFY_INTERVAL_MS;
    if (ms <= 0 || this.closing) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        this.endNotifyGap = null;
        resolve();
      }, ms);
      this.endNotifyGap = () => {
        clearTimeout(t);
        this.endNotifyGap = null;
        resolve();
      };
    });
  }

  async append(streamId: string, events: readonly NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    if (events.length === 0) throw new Error('append needs at least one event');
    const { sql, params, name } = appendStatement(streamId, events, expected);
    let row: AppendRow;
    try {
      row = (await this.db.query<AppendRow>(sql, params, { name })).rows[0];
    } catch (e) {
      if (isUniqueViolation(e, 'es_streams_pkey') || isUniqueViolation(e, 'es_events_stream_revision') || isUniqueViolation(e, 'es_events_event_id')) {
        return this.earlierAppendOrConflict(streamId, events, expected);
      }
      throw e;
    }
    if (row.revision === null || row.gp === null) return this.earlierAppendOrConflict(streamId, events, expected);
    const position = { tx: BigInt(row.tx), pos: BigInt(row.gp) };
    this.appended.emit('appended', position);
    if (this.notify) this.notifyOthers(position);
    return { nextRevision: BigInt(row.revision), position };
  }

  /**
   * The append did not apply. When these very events (same ids, same order) already sit in the stream
   * right after the expected revision, this is a retry of an append that was written (its first
   * answer was lost): answer as the first one did. Otherwise it is a conflict.
   */
  private async earlierAppendOrConflict(streamId: string, events: readonly NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    const r = await this.db.query<{ event_id: string; stream_id: string; revision: string; tx: string; gp: string }>(
      `SELECT event_id::text AS event_id, stream_id, revision::text AS revision, transaction_id::text AS tx, global_position::text AS gp
       FROM es_events WHERE event_id::text = ANY($1::text[]) ORDER BY revision`,
      [events.map((e) => e.metadata.event_id.toLowerCase())],
    );
    const first = expected === 'no_stream' ? 0n : typeof expected === 'bigint' ? expected + 1n : r.rows.length ? BigInt(r.rows[0].revision) : -1n;
    const same =
      r.rows.length === events.length &&
      r.rows.every((row, i) => row.stream_id === streamId && BigInt(row.revision) === first + BigInt(i) && row.event_id === events[i].metadata.event_id.toLowerCase());
    if (!same) throw new WrongExpectedRevisionError(streamId, expected, await this.currentRevision(streamId));
    const last = r.rows[r.rows.length - 1];
    return { nextRevision: BigInt(last.revision), position: { tx: BigInt(last.tx), pos: BigInt(last.gp) } };
  }

  async appendMany(appends: readonly StreamAppend[]): Promise<AppendManyResult> {
    // a repeat within the batch is dropped here (the first is kept); the statement drops what the log holds
    const ids = new Set<string>();
    const rows = appends.flatMap((a) => a.events.map((event) => ({ streamId: a.streamId, event }))).filter((r) => {
      const id = r.event.metadata.event_id.toLowerCase();
      return !ids.has(id) && !!ids.add(id);
    });
    if (!rows.length) return { appended: [], position: null };
    const { sql, params, name } = appendManyStatement(rows);
    for (let attempt = 0; ; attempt++) {
      let row: AppendManyRow;
      try {
        row = (await this.db.query<AppendManyRow>(sql, params, { name })).rows[0];
      } catch (e) {
        // a concurrent batch appended one of these ids first (the unique event id), or locked the same
        // streams in another order: run again; the statement then skips what the other one appended
        if (attempt < 5 && (isUniqueViolation(e, 'es_events_event_id') || isUniqueViolation(e, 'es_streams_pkey') || (e as { code?: string })?.code === '40P01')) continue;
        throw e;
      }
      if (row.gp === null) return { appended: [], position: null };
      const held = new Set(row.held);
      const position = { tx: BigInt(row.tx), pos: BigInt(row.gp) };
      this.appended.emit('appended', position);
      if (this.notify) this.notifyOthers(position);
      // every row the log did not hold was inserted (the statement is atomic; rows hold each id once)
      const appended: string[] = [];
      rows.forEach((r, i) => held.has(i + 1) || appended.push(r.event.metadata.event_id));
      return { appended, position };
    }
  }

  private async currentRevision(streamId: string, executor: SqlExecutor = this.db): Promise<bigint | null> {
    const r = await executor.query<{ revision: string }>('SELECT revision::text AS revision FROM es_streams WHERE stream_id = $1', [streamId]);
    return r.rows.length ? BigInt(r.rows[0].revision) : null;
  }

  /** The revision is the stream's (es_streams), read in the same statement as its events, so rows deleted below it (retention) do not lower it. */
  async readStream(streamId: string): Promise<StreamRead> {
    const r = await this.db.query<EventRow & { stream_revision: string }>(
      `SELECT s.stream_revision, e.* FROM (SELECT revision::text AS stream_revision FROM es_streams WHERE stream_id = $1) s
       LEFT JOIN LATERAL (SELECT ${SELECT_COLUMNS} FROM es_events WHERE es_events.stream_id = $1) e ON true
       ORDER BY e.revision::bigint`,
      [streamId],
      { name: 'es_read_stream_v3' },
    );
    if (r.rows.length === 0) return { revision: null, events: [] };
    const events = r.rows.filter((row) => row.gp !== null).map((row) => this.toRecorded(row));
    return { revision: BigInt(r.rows[0].stream_revision), events };
  }

  async readAll(after: LogPosition, options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const { events } = await this.readPage(after, options);
    return events;
  }

  /**
   * One page in global order. Without a type filter: up to `maxCount` events, `scannedTo` the last.
   * With one, the filter runs in SQL (only matching rows leave the server): up to `maxCount`
   * matching events; `scannedTo` is the last of them when the page is full, else the head of the
   * visible log, read in the same statement (one snapshot), so nothing between is ever skipped.
   */
  async readPage(after: LogPosition, options: ReadAllOptions = {}): Promise<{ events: RecordedEvent[]; scannedTo: LogPosition }> {
    const limit = options.maxCount ?? this.batchSize;
    const from = [(after.tx < 0n ? 0n : after.tx).toString(), after.pos.toString()];
    const prefixes = options.typePrefixes;
    if (!prefixes?.length) {
      const r = await this.db.query<EventRow>(
        `SELECT ${SELECT_COLUMNS} FROM es_events
         WHERE (transaction_id, global_position) > ($1::text::xid8, $2::bigint)
           AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
         ORDER BY transaction_id, global_position
         LIMIT $3`,
        [...from, limit],
        { name: 'es_read_page_v1' },
      );
      if (r.rows.length === 0) return { events: [], scannedTo: after };
      const lastRow = r.rows[r.rows.length - 1];
      return { events: r.rows.map((row) => this.toRecorded(row)), scannedTo: { tx: BigInt(lastRow.tx), pos: BigInt(lastRow.gp) } };
    }
    const r = await this.db.query<EventRow & { head_tx: string; head_gp: string }>(
      `WITH snap AS (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin),
       head AS (
         SELECT e.transaction_id::text AS head_tx, e.global_position::text AS head_gp FROM es_events e, snap
         WHERE e.transaction_id < snap.xmin AND (e.transaction_id, e.global_position) > ($1::text::xid8, $2::bigint)
         ORDER BY e.transaction_id DESC, e.global_position DESC LIMIT 1
       ),
       page AS (
         SELECT ${SELECT_COLUMNS}, es_events.transaction_id AS o_tx FROM es_events, snap
         WHERE (es_events.transaction_id, es_events.global_position) > ($1::text::xid8, $2::bigint)
           AND es_events.transaction_id < snap.xmin
           AND es_events.type LIKE ANY($4::text[])
         ORDER BY es_events.transaction_id, es_events.global_position
         LIMIT $3
       )
       SELECT head.head_tx, head.head_gp, page.* FROM head LEFT JOIN page ON true ORDER BY page.o_tx, page.gp::bigint`,
      [...from, limit, prefixes.map((p) => `${p.replace(/[\\%_]/g, '\\$&')}%`)],
      { name: 'es_read_page_filtered_v1' },
    );
    if (r.rows.length === 0) return { events: [], scannedTo: after };
    const rows = r.rows.filter((row) => row.gp !== null);
    const head = { tx: BigInt(r.rows[0].head_tx), pos: BigInt(r.rows[0].head_gp) };
    const last = rows.length ? rows[rows.length - 1] : null;
    const scannedTo = last && rows.length >= limit ? { tx: BigInt(last.tx), pos: BigInt(last.gp) } : head;
    return { events: rows.map((row) => this.toRecorded(row)), scannedTo };
  }

  subscribe(after: LogPosition, handler: BatchHandler, options: SubscribeOptions = {}): Subscription {
    // a store that was not init()ed here (another process migrated the log) still hears NOTIFY
    void this.listen().catch(() => undefined);
    let stopping = false;
    let wake: (() => void) | null = null;
    // An announced append not read yet: its commit may not be readable at once (an older transaction
    // elsewhere on the server is still open), so re-poll from 10 ms, doubling up to the old 50 ms
    // poll, until the subscription has read past it; then sleep until the next append.
    // A subscription started after an announced append (a worker restarted in the same process, a
    // projection started late) polls eagerly until it has read past it too, instead of sleeping until
    // the safety poll when that commit is not readable yet at its first read.
    let pending: LogPosition | null = newestAnnounced.get(this.db) ?? null;
    let backoffMs = pending ? EAGER_POLL_MS : Number.POSITIVE_INFINITY;
    const onAppended = (at?: LogPosition) => {
      if (at && (!pending || comparePositions(at, pending) > 0)) pending = at;
      backoffMs = EAGER_POLL_MS;
      wake?.();
    };
    this.appended.on('appended', onAppended);
    // a commit in this process may have moved the horizon past the announced append: read again now
    const offCommit = this.db.onCommit?.(() => {
      if (pending) wake?.();
    });
    const sleep = () =>
      new Promise<void>((resolve) => {
        const ms = Math.min(backoffMs, pending ? (this.options.announcedPollMaxMs ?? EAGER_POLL_MAX_MS) : this.pollIntervalMs);
        backoffMs *= 2;
        const t = setTimeout(() => {
          wake = null;
          resolve();
        }, ms);
        wake = () => {
          clearTimeout(t);
          wake = null;
          resolve();
        };
      });
    const loop = async () => {
      let position = after;
      let caughtUp = false;
      while (!stopping) {
        const page = await this.readPage(position, options);
        if (pending && comparePositions(page.scannedTo, pending) >= 0) pending = null;
        if (comparePositions(page.scannedTo, position) > 0) {
          await handler(page.events, page.scannedTo);
          position = page.scannedTo;
          caughtUp = false;
          continue;
        }
        if (!caughtUp) {
          caughtUp = true;
          options.onCaughtUp?.();
        }
        await sleep();
      }
    };
    const done = loop().finally(() => {
      this.appended.off('appended', onAppended);
      offCommit?.();
      this.subscriptions.delete(subscription);
    });
    const subscription: Subscription = {
      done,
      stop: async () => {
        stopping = true;
        wake?.();
        await done.catch(() => undefined);
      },
    };
    this.subscriptions.add(subscription);
    return subscription;
  }

  async headPosition(): Promise<LogPosition> {
    const r = await this.db.query<{ gp: string; tx: string }>(
      `SELECT global_position::text AS gp, transaction_id::text AS tx FROM es_events
       WHERE transaction_id < pg_snapshot_xmin(pg_current_snapshot())
       ORDER BY transaction_id DESC, global_position DESC LIMIT 1`,
    );
    return r.rows.length ? { tx: BigInt(r.rows[0].tx), pos: BigInt(r.rows[0].gp) } : LOG_START;
  }

  async countAfter(after: LogPosition, limit: number): Promise<number> {
    const r = await this.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM (
         SELECT 1 FROM es_events
         WHERE (transaction_id, global_position) > ($1::text::xid8, $2::bigint)
           AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
         LIMIT $3) x`,
      [(after.tx < 0n ? 0n : after.tx).toString(), after.pos.toString(), limit],
      { name: 'es_count_after_v1' },
    );
    return Number(r.rows[0].n);
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
    // the last appends are announced without waiting out the gap
    this.closing = true;
    this.endNotifyGap?.();
    while (this.notifying) await this.notifying;
  }

  private toRecorded(row: EventRow): RecordedEvent {
    return decodeRow(row, this.upcasters);
  }
}

/** `tx:pos` from another process's NOTIFY; undefined when absent or malformed (a plain wake). */
function positionOfPayload(payload: string): LogPosition | undefined {
  const m = /^(\d+):(\d+)$/.exec(payload);
  return m ? { tx: BigInt(m[1]), pos: BigInt(m[2]) } : undefined;
}

function isUniqueViolation(e: unknown, constraint: string): boolean {
  const err = e as { code?: string; constraint?: string; message?: string };
  return err?.code === '23505' && (err.constraint === constraint || (err.message ?? '').includes(constraint));
}
