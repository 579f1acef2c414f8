import { LOG_START, comparePositions, storableJson, type LogPosition, type RecordedEvent } from '@pl/domain';
import type { EventStore, SqlDatabase, SqlExecutor, SqlLock, Subscription } from '@pl/eventstore';
import { CHECKPOINT_SCHEMA, readCheckpoint, resetCheckpoint, writeCheckpoint } from './checkpoints';
import { retryDelay, StuckTracker, type StuckState, type StuckTrackerOptions } from './stuck-tracker';
import { schemaOf, type ProjectionDefinition } from './projection';

export interface RunnerStatus extends StuckState {
  readonly name: string;
  readonly active: boolean;
  readonly position: LogPosition | null;
}

export interface RunnerOptions extends StuckTrackerOptions {
  /** How often a standby runner retries taking the lock (ms). */
  readonly standbyRetryMs?: number;
  /** Delay before restarting after a failed batch (ms); the batch is retried, never skipped. */
  readonly errorRetryMs?: number;
  /** Upper bound of the retry delay, which doubles after each failure in a row (ms). */
  readonly maxErrorRetryMs?: number;
  /** `failuresInRow`: 1 for the failure that ends a run of successes (what a log line reports once). */
  readonly onError?: (projection: string, error: unknown, failuresInRow: number) => void;
  readonly onBatch?: (projection: string, events: number, position: LogPosition) => void;
}

/** Creates the projection's schema and tables when missing. */
export async function ensureProjectionSchema(db: SqlExecutor, def: ProjectionDefinition, schema = schemaOf(def)): Promise<void> {
  await db.exec(`CREATE SCHEMA IF NOT EXISTS ${schema}; SET search_path TO ${schema}, public; ${def.schema}; SET search_path TO public;`);
}

/**
 * The event as a read model may store it: every string and key of data and metadata in the escaped
 * form of `storableText` (NUL and lone surrogates, which PostgreSQL refuses in jsonb, become
 * U+FDD0 + hex). Stream, type and the stored bytes (`raw`, hashed by the audit chain) are untouched.
 */
export function storableEvent(e: RecordedEvent): RecordedEvent {
  const data = storableJson(e.data);
  const metadata = storableJson(e.metadata);
  return data === e.data && metadata === e.metadata ? e : { ...e, data, metadata };
}

/** Applies one batch and the checkpoint in one transaction (ARCHITECTURE invariant 5). */
export async function applyBatch(db: SqlDatabase, def: ProjectionDefinition, events: readonly RecordedEvent[], checkpoint: LogPosition, schema = schemaOf(def), checkpointName = def.name): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query(`SELECT set_config('search_path', $1, true)`, [`${schema}, public`]);
    // invariant 10: whatever the log holds projects, clean input or not
    if (events.length) await def.handle(tx, events.map(storableEvent));
    await writeCheckpoint(tx, checkpointName, checkpoint, def.version, events.length);
  });
}

/**
 * Runs one projection: one active runner per projection across processes (advisory lock), others
 * stand by. Resumes from its checkpoint; a failing batch is retried after a pause, never skipped.
 * A version change (DDL or semantics) triggers a rebuild by replay before going live.
 */
export class ProjectionRunner {
  private lock: SqlLock | null = null;
  private subscription: Subscription | null = null;
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;
  private position: LogPosition | null = null;
  private readonly health: StuckTracker;

  constructor(
    private readonly db: SqlDatabase,
    private readonly store: EventStore,
    readonly def: ProjectionDefinition,
    private readonly options: RunnerOptions = {},
  ) {
    this.health = new StuckTracker(db, def.name, options);
  }

  status(): RunnerStatus {
    return { name: this.def.name, active: this.lock !== null, position: this.position, ...this.health.state() };
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.db.exec(CHECKPOINT_SCHEMA);
    await this.tryActivate();
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tryActivate(), ms);
  }

  private async tryActivate(): Promise<void> {
    if (this.stopped) return;
    try {
      this.lock ??= await this.db.tryLock(`projection:${this.def.name}`);
      if (!this.lock) return this.schedule(this.options.standbyRetryMs ?? 2000);
      const cp = await readCheckpoint(this.db, this.def.name);
      if (cp && cp.version !== this.def.version) {
        await rebuildProjection(this.db, this.store, this.def, { lockHeld: true });
        return this.tryActivate();
      }
      await ensureProjectionSchema(this.db, this.def);
      const from = cp?.position ?? LOG_START;
      this.position = from;
      const sub = this.store.subscribe(
        from,
        async (events, checkpoint) => {
          await applyBatch(this.db, this.def, events, checkpoint);
          this.position = checkpoint;
          this.options.onBatch?.(this.def.name, events.length, checkpoint);
          await this.health.succeeded();
        },
        { typePrefixes: this.def.typePrefixes, onCaughtUp: () => void this.health.succeeded() },
      );
      this.subscription = sub;
      sub.done.catch((e) => this.fail(e));
    } catch (e) {
      this.fail(e);
    }
  }

  private fail(e: unknown): void {
    const { errorClass, failures } = this.health.noteFailure(e);
    this.options.onError?.(this.def.name, e, failures);
    this.subscription = null;
    // The failure may have been the lock's own connection: give the lock up and take it again
    // (or let a standby take over), rather than believe it is still held.
    const lock = this.lock;
    this.lock = null;
    void (lock?.release() ?? Promise.resolve())
      .catch(() => undefined)
      .then(() => (this.stopped ? undefined : this.health.settleFailure(errorClass)))
      .finally(() => this.schedule(retryDelay(failures, this.options.errorRetryMs ?? 1000, this.options.maxErrorRetryMs ?? 10_000)));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.subscription?.stop();
    this.subscription = null;
    await this.lock?.release();
    this.lock = null;
  }
}

export interface RebuildOptions {
  readonly lockHeld?: boolean;
  readonly batchSize?: number;
  readonly onProgress?: (done: number, total: number) => void;
}

export class ProjectionBusyError extends Error {
  constructor(readonly projection: string) {
    super(`projection ${projection} is being run by another process; stop its worker first`);
  }
}

/**
 * Rebuild = replay the whole log into fresh tables (schema `rm_<name>__rebuild`), then switch in one
 * transaction: drop the old schema, rename the new one, reset the checkpoint. Readers never see a
 * half-built model.
 */
export async function rebuildProjection(db: SqlDatabase, store: EventStore, def: ProjectionDefinition, options: RebuildOptions = {}): Promise<{ events: number }> {
  const lock = options.lockHeld ? null : await db.tryLock(`projection:${def.name}`);
  if (!options.lockHeld && !lock) throw new ProjectionBusyError(def.name);
  try {
    await db.exec(CHECKPOINT_SCHEMA);
    const live = schemaOf(def);
    const shadow = `${live}__rebuild`;
    const shadowCheckpoint = `${def.name}__rebuild`;
    await db.exec(`DROP SCHEMA IF EXISTS ${shadow} CASCADE`);
    await ensureProjectionSchema(db, def, shadow);
    const total = await countEvents(db);
    let position = LOG_START;
    let handled = 0;
    // The store filters by type (in SQL on PostgreSQL/PGlite, server-side on EventStoreDB), so a
    // projection of a few event types never reads the rest of a million-event log; each page says
    // how far it scanned, so the checkpoint ends at the head of the log read, not at the last event
    // of the projection's types.
    for (;;) {
      const page = await store.readPage(position, { maxCount: options.batchSize ?? 5000, typePrefixes: def.typePrefixes });
      if (comparePositions(page.scannedTo, position) <= 0) break;
      const mine = def.typePrefixes?.length ? page.events.filter((e) => def.typePrefixes!.some((p) => e.type.startsWith(p))) : page.events;
      await applyBatch(db, def, mine, page.scannedTo, shadow, shadowCheckpoint);
      position = page.scannedTo;
      handled += mine.length;
      options.onProgress?.(Math.min(Number(position.pos), total), total);
    }
    await db.transaction(async (tx) => {
      await tx.exec(`DROP SCHEMA IF EXISTS ${live} CASCADE; ALTER SCHEMA ${shadow} RENAME TO ${live};`);
      await resetCheckpoint(tx, def.name, def.version, position, BigInt(handled));
      await tx.query('DELETE FROM projection_checkpoints WHERE name = $1', [shadowCheckpoint]);
    });
    return { events: handled };
  } finally {
    await lock?.release();
  }
}

async function countEvents(db: SqlExecutor): Promise<number> {
  try {
    const r = await db.query<{ n: string }>('SELECT coalesce(max(global_position), 0)::text AS n FROM es_events');
    return Number(r.rows[0].n);
  } catch {
    return 0;
  }
}
