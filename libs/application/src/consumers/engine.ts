import { LOG_START, comparePositions, positionToString, type LogPosition, type RecordedEvent } from '@pl/domain';
import type { EventStore, SqlDatabase, SqlExecutor, SqlLock, Subscription } from '@pl/eventstore';
import { CHECKPOINT_SCHEMA, readCheckpoint, writeCheckpoint } from '../projections/checkpoints';
import { retryDelay, StuckTracker, type StuckState, type StuckTrackerOptions } from '../projections/stuck-tracker';
import { markFollowing, reportProgress } from './progress';
import { batchSpanOptions, inSpan, SpanKind } from '../telemetry/tracing';

/** What every consumer may do around its run: hooks run with the lock held. */
interface ConsumerBase {
  /** Checkpoint name in projection_checkpoints, and the name /health, the fault row and the log use. */
  readonly name: string;
  /** Advisory lock name (default `name`): one active consumer per lock across processes. */
  readonly lockName?: string;
  /** Before the checkpoint is read (connect a producer, create tables, rebuild). */
  activate?(): Promise<void>;
  /** After the run ended (failure or stop), before the lock is given up (disconnect). */
  deactivate?(): Promise<void>;
}

interface LogConsumerBase extends ConsumerBase {
  /** Only events whose type starts with one of these (filtered by the store). */
  readonly typePrefixes?: readonly string[];
  /** Events per batch (one checkpoint per batch). */
  readonly batchSize?: number;
  /** Stored with the checkpoint (a projection's version); 1 by default. */
  readonly version?: number;
}

/** Effects written in the same transaction as the checkpoint: exactly once (projections, the webhook outbox). */
export interface TransactionalConsumer extends LogConsumerBase {
  readonly kind: 'transactional';
  apply(tx: SqlExecutor, events: readonly RecordedEvent[], checkpoint: LogPosition): Promise<void>;
}

/**
 * A side effect outside the database (a broker, a process manager's commands): the checkpoint is
 * written once `deliver` resolved, so a crash between the two delivers the batch again.
 */
export interface AtLeastOnceConsumer extends LogConsumerBase {
  readonly kind: 'at-least-once';
  /** Checkpoint after each event rather than each batch (a failure then repeats one event, not the batch). */
  readonly checkpointEach?: boolean;
  deliver(events: readonly RecordedEvent[], checkpoint: LogPosition): Promise<void>;
}

/** Work triggered by the clock rather than by the log (deadlines, expiry): one tick per interval, under the lock. */
export interface ClockConsumer extends ConsumerBase {
  readonly kind: 'clock';
  readonly intervalMs: number;
  tick(now: Date): Promise<void>;
}

export type Consumer = TransactionalConsumer | AtLeastOnceConsumer | ClockConsumer;

export type ConsumerPhase = 'idle' | 'standby' | 'activating' | 'running' | 'retrying' | 'stopped';

export interface ConsumerStatus extends StuckState {
  readonly name: string;
  readonly phase: ConsumerPhase;
  /** Holds its lock (a clock consumer: during a tick). */
  readonly active: boolean;
  /** Checkpointed position (log consumers). */
  readonly position: LogPosition | null;
}

export interface ConsumerEngineOptions extends StuckTrackerOptions {
  /** How often a standby retries taking the lock (ms); a clock consumer retries at its next tick. */
  readonly standbyRetryMs?: number;
  /** Delay before retrying after a failure (ms), doubling after each failure in a row; the batch is retried, never skipped. */
  readonly errorRetryMs?: number;
  /** Upper bound of that delay (ms); a clock consumer never waits longer than its interval. */
  readonly maxErrorRetryMs?: number;
  /** `failuresInRow`: 1 for the failure that ends a run of successes (what a log line reports once). */
  readonly onError?: (name: string, error: unknown, failuresInRow: number) => void;
  /** A batch was checkpointed. */
  readonly onBatch?: (name: string, events: number, position: LogPosition) => void;
  /** A clock consumer's tick ended. */
  readonly onTick?: (name: string, outcome: 'ok' | 'error') => void;
}

/**
 * What every engine reports, whatever its consumer (the process metrics, apps/common/metrics.ts, set
 * once by the composition root): one series per consumer name, none per event or subject.
 */
export interface ConsumerTelemetry {
  /** A batch was checkpointed: its events (0: an empty page that moved the checkpoint) and how long it took. */
  batch(consumer: string, events: number, seconds: number): void;
  /** A batch or a tick failed (error class only: messages can quote personal data). */
  failed(consumer: string, errorClass: string): void;
  /** It is advancing: a batch checkpointed, caught up with the log, or a tick ended well. */
  succeeded(consumer: string): void;
}

let telemetry: ConsumerTelemetry | null = null;

/** Where every engine of this process reports (null: nowhere). */
export function reportConsumersTo(t: ConsumerTelemetry | null): void {
  telemetry = t;
}

/**
 * The one checkpointed-consumer engine (issue 14, defect 4). It owns, for every follower of the log
 * and every clock-driven process manager: the advisory lock (one active consumer per name across
 * processes, the others stand by), the checkpoint, the subscription, retry with doubling backoff
 * (a failing batch is retried from the checkpoint, never skipped), the stuck state (invariant 11:
 * fault row, /health, metric, one log line per change of state), `status()` and `waitFor()`.
 * Consumers bring only what differs: how a batch takes effect, their type filter and hooks.
 */
export class ConsumerEngine {
  readonly name: string;
  private readonly lockName: string;
  private readonly health: StuckTracker;
  private lock: SqlLock | null = null;
  private subscription: Subscription | null = null;
  private stopped = true;
  private loop: Promise<void> | null = null;
  private phase: ConsumerPhase = 'idle';
  private position: LogPosition | null = null;
  private wakeSleep: (() => void) | null = null;
  private settled: (() => void) | null = null;
  private following = false;
  private readonly waiters = new Set<{ target: LogPosition; resolve: () => void }>();

  constructor(
    private readonly db: SqlDatabase,
    private readonly store: EventStore | null,
    readonly consumer: Consumer,
    private readonly options: ConsumerEngineOptions = {},
  ) {
    this.name = consumer.name;
    this.lockName = consumer.lockName ?? consumer.name;
    this.health = new StuckTracker(db, consumer.name, options);
    if (consumer.kind !== 'clock' && !store) throw new Error(`consumer ${consumer.name} follows the log: it needs a store`);
  }

  status(): ConsumerStatus {
    return { name: this.name, phase: this.phase, active: this.lock !== null, position: this.position, ...this.health.state() };
  }

  /**
   * Starts in the background. Resolves once the first attempt settled (lock taken and following,
   * standing by, or failed and retrying); never rejects: failures are retried and reported.
   */
  start(): Promise<void> {
    if (!this.stopped) return Promise.resolve();
    this.stopped = false;
    const first = new Promise<void>((resolve) => (this.settled = resolve));
    this.loop = (this.consumer.kind === 'clock' ? this.tickLoop(this.consumer) : this.followLoop()).finally(() => this.settle());
    return first;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.wakeSleep?.();
    await this.subscription?.stop();
    await this.loop;
    this.loop = null;
    this.phase = 'stopped';
  }

  /** Resolves once this consumer has checkpointed `target` or beyond (in this process). */
  waitFor(target: LogPosition, timeoutMs = 30_000): Promise<void> {
    if (this.position && comparePositions(this.position, target) >= 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = { target, resolve: () => (clearTimeout(timer), resolve()) };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`${this.name} did not reach ${positionToString(target)} within ${timeoutMs} ms (${this.phase}, ${this.health.state().lastError ?? 'no error'})`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  private settle(): void {
    this.settled?.();
    this.settled = null;
  }

  private async followLoop(): Promise<void> {
    while (!this.stopped) {
      try {
        this.lock ??= await this.db.tryLock(this.lockName);
        if (!this.lock) {
          this.phase = 'standby';
          this.settle();
          await this.sleep(this.options.standbyRetryMs ?? 2000);
          continue;
        }
        await this.follow();
      } catch (e) {
        if (this.stopped) break;
        await this.failed(e);
        this.settle();
        await this.sleep(retryDelay(this.health.state().failures, this.options.errorRetryMs ?? 1000, this.options.maxErrorRetryMs ?? 10_000));
      }
    }
    await this.releaseLock();
  }

  /** One run with the lock held: resolves when stopped, rejects when a batch or the store failed. */
  private async follow(): Promise<void> {
    const c = this.consumer as TransactionalConsumer | AtLeastOnceConsumer;
    this.phase = 'activating';
    try {
      await this.db.exec(CHECKPOINT_SCHEMA);
      await c.activate?.();
      const cp = await readCheckpoint(this.db, c.name);
      this.position = cp?.position ?? LOG_START;
      if (this.stopped) return;
      this.subscription = this.store!.subscribe(this.position, (events, checkpoint) => this.handle(c, events, checkpoint), {
        typePrefixes: c.typePrefixes,
        maxCount: c.batchSize,
        onCaughtUp: () => {
          telemetry?.succeeded(this.name);
          void this.health.succeeded();
        },
      });
      this.phase = 'running';
      this.setFollowing(true);
      this.settle();
      await this.subscription.done;
    } finally {
      this.setFollowing(false);
      this.subscription = null;
      await c.deactivate?.().catch(() => undefined);
    }
  }

  /** One batch in a span (a child of its events' trace, or linked to them), then reported. */
  private async handle(c: TransactionalConsumer | AtLeastOnceConsumer, events: RecordedEvent[], checkpoint: LogPosition): Promise<void> {
    const started = performance.now();
    const attributes = { 'pl.consumer': c.name, 'pl.consumer.kind': c.kind, 'messaging.batch.message_count': events.length };
    // an empty page only moves the checkpoint: no span for it
    if (events.length) await inSpan(`consume ${c.name}`, { kind: SpanKind.CONSUMER, attributes, ...batchSpanOptions(events) }, () => this.apply(c, events, checkpoint));
    else await this.apply(c, events, checkpoint);
    telemetry?.batch(c.name, events.length, (performance.now() - started) / 1000);
    telemetry?.succeeded(c.name);
  }

  private async apply(c: TransactionalConsumer | AtLeastOnceConsumer, events: RecordedEvent[], checkpoint: LogPosition): Promise<void> {
    const version = c.version ?? 1;
    if (c.kind === 'transactional') {
      await this.db.transaction(async (tx) => {
        await c.apply(tx, events, checkpoint);
        await writeCheckpoint(tx, c.name, checkpoint, version, events.length);
      });
    } else if (c.checkpointEach) {
      for (const e of events) {
        await c.deliver([e], e.position);
        await writeCheckpoint(this.db, c.name, e.position, version, 1);
        this.advanced(e.position, 1);
      }
      if (!events.length || comparePositions(checkpoint, events[events.length - 1].position) > 0) await writeCheckpoint(this.db, c.name, checkpoint, version, 0);
    } else {
      await c.deliver(events, checkpoint);
      await writeCheckpoint(this.db, c.name, checkpoint, version, events.length);
    }
    this.advanced(checkpoint, c.kind === 'at-least-once' && c.checkpointEach ? 0 : events.length);
    await this.health.succeeded();
  }

  private advanced(checkpoint: LogPosition, events: number): void {
    this.position = checkpoint;
    this.options.onBatch?.(this.name, events, checkpoint);
    reportProgress(this.db, this.name, checkpoint);
    for (const w of this.waiters) {
      if (comparePositions(checkpoint, w.target) >= 0) {
        this.waiters.delete(w);
        w.resolve();
      }
    }
  }

  private async tickLoop(c: ClockConsumer): Promise<void> {
    this.settle();
    let delay = c.intervalMs;
    while (!this.stopped) {
      await this.sleep(delay);
      if (this.stopped) break;
      delay = c.intervalMs;
      try {
        // taken per tick, not held: a tick is short, and a held lock would pin a pool connection each
        this.lock = await this.db.tryLock(this.lockName);
        if (!this.lock) {
          this.phase = 'standby';
          continue;
        }
        this.phase = 'running';
        try {
          await c.tick(new Date());
        } finally {
          await this.releaseLock();
        }
        this.phase = 'idle';
        this.options.onTick?.(c.name, 'ok');
        telemetry?.succeeded(c.name);
        await this.health.succeeded();
      } catch (e) {
        this.options.onTick?.(c.name, 'error');
        await this.failed(e);
        delay = retryDelay(this.health.state().failures, Math.min(this.options.errorRetryMs ?? 1000, c.intervalMs), c.intervalMs);
      }
    }
    await this.releaseLock();
  }

  private async failed(e: unknown): Promise<void> {
    const { errorClass, failures } = this.health.noteFailure(e);
    telemetry?.failed(this.name, errorClass);
    this.phase = 'retrying';
    this.options.onError?.(this.name, e, failures);
    // The failure may have been the lock's own connection: give the lock up and take it again (or
    // let a standby take over), rather than believe it is still held.
    await this.releaseLock();
    if (!this.stopped) await this.health.settleFailure(errorClass);
  }

  private async releaseLock(): Promise<void> {
    const lock = this.lock;
    this.lock = null;
    await lock?.release().catch(() => undefined);
  }

  private setFollowing(on: boolean): void {
    if (on === this.following) return;
    this.following = on;
    markFollowing(this.db, this.name, on);
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      const self = this;
      function done() {
        clearTimeout(t);
        if (self.wakeSleep === done) self.wakeSleep = null;
        resolve();
      }
      this.wakeSleep = done;
    });
  }
}
