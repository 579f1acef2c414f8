import { positionToString, storableJson, storableText, type LogPosition, type RecordedEvent } from '@pl/domain';
import type { EventStore, SqlDatabase, SqlExecutor } from '@pl/eventstore';
import { CHECKPOINT_SCHEMA, ConsumerEngine, type StuckTrackerOptions } from '@pl/application';
import { eventMessageOf, ROUTES, type Route } from '../routing';
import { TOPICS } from '../topics';
import { DELIVERIES_DUE_CHANNEL, WEBHOOK_SCHEMA } from './schema';

interface ActiveEndpoint {
  service: string;
  topics: string[];
  system_id: string | null;
  created_at: Date | string;
}

/**
 * Follows the log and enqueues one delivery per (event, subscribed service), as a transactional
 * consumer of the engine: deliveries and the checkpoint are written in one transaction, so every
 * event is enqueued exactly once per service; an endpoint receives the events recorded after it was
 * registered.
 */
export class WebhookDispatcher {
  readonly name = 'webhooks:dispatch';
  private readonly engine: ConsumerEngine;

  constructor(
    private readonly db: SqlDatabase,
    store: EventStore,
    private readonly options: { routes?: readonly Route[]; retryMs?: number; maxRetryMs?: number; onError?: (e: unknown, failuresInRow: number) => void } & StuckTrackerOptions = {},
  ) {
    this.engine = new ConsumerEngine(
      db,
      store,
      { kind: 'transactional', name: this.name, apply: (tx, events) => this.enqueue(tx, events) },
      { ...options, errorRetryMs: options.retryMs, maxErrorRetryMs: options.maxRetryMs, onError: (_name, e, failures) => options.onError?.(e, failures) },
    );
  }

  async start(): Promise<void> {
    await this.db.exec(CHECKPOINT_SCHEMA + WEBHOOK_SCHEMA);
    await this.engine.start();
  }

  status() {
    const { phase: _phase, position, ...s } = this.engine.status();
    return { ...s, position: position ? positionToString(position) : null };
  }

  waitFor(target: LogPosition, timeoutMs = 30_000): Promise<void> {
    return this.engine.waitFor(target, timeoutMs);
  }

  stop(): Promise<void> {
    return this.engine.stop();
  }

  private async enqueue(tx: SqlExecutor, events: readonly RecordedEvent[]): Promise<void> {
    const routes = this.options.routes ?? ROUTES;
    const messages = events.map((e) => ({ e, m: eventMessageOf(e, routes) })).filter((x) => x.m !== null);
    if (!messages.length) return;
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
      // sent at commit, to the deliverer in this process or another
      await tx.query(`SELECT pg_notify('${DELIVERIES_DUE_CHANNEL}', '')`);
    }
  }
}
