import { LOG_START, comparePositions, positionToString, storableJson, storableText, type LogPosition, type RecordedEvent } from '@pl/domain';
import type { EventStore, SqlDatabase, SqlLock, Subscription } from '@pl/eventstore';
import { CHECKPOINT_SCHEMA, readCheckpoint, retryDelay, StuckTracker, writeCheckpoint, type StuckTrackerOptions } from '@pl/application';
import { eventMessageOf, ROUTES, type Route } from '../routing';
import { TOPICS } from '../topics';
import { WEBHOOK_SCHEMA } from './schema';

interface ActiveEndpoint {
  service: string;
  topics: string[];
  system_id: string | null;
  created_at: Date | string;
}

/**
 * Follows the log and enqueues one delivery per (event, subscribed service). Deliveries and the
 * checkpoint are written in one transaction, so every event is enqueued exactly once per service;
 * an endpoint receives the events recorded after it was registered.
 */
export class WebhookDispatcher {
  readonly name = 'webhooks:dispatch';
  private lock: SqlLock | null = null;
  private subscription: Subscription | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = true;
  private position: LogPosition | null = null;
  private readonly health: StuckTracker;
  private readonly waiters = new Set<{ target: LogPosition; resolve: () => void }>();

  constructor(
    private readonly db: SqlDatabase,
    private readonly store: EventStore,
    private readonly options: { routes?: readonly Route[]; retryMs?: number; maxRetryMs?: number; onError?: (e: unknown, failuresInRow: number) => void } & StuckTrackerOptions = {},
  ) {
    this.health = new StuckTracker(db, this.name, options);
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.db.exec(CHECKPOINT_SCHEMA + WEBHOOK_SCHEMA);
    await this.activate();
  }

  status() {
    return { name: this.name, active: this.lock !== null, position: this.position ? positionToString(this.position) : null, ...this.health.state() };
  }

  waitFor(target: LogPosition, timeoutMs = 30_000): Promise<void> {
    if (this.position && comparePositions(this.position, target) >= 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const w = { target, resolve: () => (clearTimeout(t), resolve()) };
      const t = setTimeout(() => (this.waiters.delete(w), reject(new Error('webhook dispatcher did not catch up in time'))), timeoutMs);
      this.waiters.add(w);
    });
  }

  private async activate(): Promise<void> {
    if (this.stopped) return;
    try {
      this.lock ??= await this.db.tryLock(this.name);
      if (!this.lock) return this.retry(2000);
      const cp = await readCheckpoint(this.db, this.name);
      this.position = cp?.position ?? LOG_START;
      const sub = this.store.subscribe(this.position, (events, checkpoint) => this.enqueue(events, checkpoint), { onCaughtUp: () => void this.health.succeeded() });
      this.subscription = sub;
      sub.done.catch((e) => {
        this.subscription = null;
        this.fail(e);
      });
    } catch (e) {
      this.fail(e);
    }
  }

  private fail(e: unknown): void {
    const { errorClass, failures } = this.health.noteFailure(e);
    this.options.onError?.(e, failures);
    void (this.stopped ? Promise.resolve() : this.health.settleFailure(errorClass)).finally(() => this.retry(retryDelay(failures, this.options.retryMs ?? 1000, this.options.maxRetryMs ?? 10_000)));
  }

  private retry(ms: number): void {
    if (!this.stopped) this.timer = setTimeout(() => void this.activate(), ms);
  }

  private async enqueue(events: RecordedEvent[], checkpoint: LogPosition): Promise<void> {
    const routes = this.options.routes ?? ROUTES;
    await this.db.transaction(async (tx) => {
      const messages = events.map((e) => ({ e, m: eventMessageOf(e, routes) })).filter((x) => x.m !== null);
      if (messages.length) {
        const endpoints = (await tx.query<ActiveEndpoint>('SELECT service, topics, system_id, created_at FROM webhook_endpoints WHERE active')).rows;
        const cols: string[][] = [[], [], [], [], [], [], []];
        for (const { e, m } of messages) {
          for (const ep of endpoints) {
            if (!ep.topics.includes(m!.topic)) continue;
            if (m!.topic === TOPICS.rightsTasks && ep.system_id && ep.system_id !== m!.key) continue;
            if (new Date(e.metadata.recorded_at) < new Date(ep.created_at)) continue;
            // key and headers go to text/jsonb columns: NUL or a lone surrogate from old events is stored
            // escaped (U+FDD0 + hex), as in the read models; the body is JSON text, escaped by JSON itself
            const row = [ep.service, m!.eventId, m!.topic, e.type, storableText(m!.key), JSON.stringify(storableJson(m!.headers)), m!.value ?? 'null'];
            row.forEach((v, i) => cols[i].push(v));
          }
        }
        if (cols[0].length) {
          await tx.query(
            `INSERT INTO webhook_deliveries (service, event_id, topic, event_type, message_key, headers, body)
             SELECT s, ev, t, ty, k, h::jsonb, b FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) AS u(s, ev, t, ty, k, h, b)
             ON CONFLICT (service, event_id, topic) DO NOTHING`,
            cols,
          );
        }
      }
      await writeCheckpoint(tx, this.name, checkpoint, 1, events.length);
    });
    this.position = checkpoint;
    await this.health.succeeded();
    for (const w of this.waiters) if (comparePositions(checkpoint, w.target) >= 0) (this.waiters.delete(w), w.resolve());
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
