import type { RecordedEvent } from '@pl/domain';
import type { EventStore, SqlDatabase } from '@pl/eventstore';
import { CHECKPOINT_SCHEMA, ConsumerEngine, type StuckTrackerOptions } from '@pl/application';
import { LEGACY_CONSENT_TOPICS } from '@pl/application/consent/legacy';
import { DELIVERIES_DUE_CHANNEL, WEBHOOK_SCHEMA } from '../webhooks/schema';
import { legacyConsentMessages, type LegacyPublishDeps } from './publish';

/** The webhook "topic" a service registers for the earlier consent manager's withdrawal webhooks. */
export const LEGACY_WEBHOOK_TOPIC = LEGACY_CONSENT_TOPICS.withdrawn;

/**
 * Enqueues, for each consent withdrawal, the earlier consent manager's webhook body
 * `{userId, requiredActions, deadline}` to every active endpoint registered for `consent.withdrawn`
 * (LEGACY_WEBHOOKS). An at-least-once consumer of the engine: the rows are idempotent
 * (service, event id, topic), so a batch handled again enqueues nothing twice; the webhook deliverer
 * signs and sends them like every other delivery. `deadline` is the withdrawal's own time: it takes
 * effect when recorded ([G] Art. 7(3)), no grace period is encoded. Withdrawals that came from the
 * legacy topics are delivered too: the webhooks replace the earlier service's.
 */
export class LegacyWebhookDispatcher {
  readonly name = 'webhooks:legacy-dispatch';
  private readonly engine: ConsumerEngine;
  private readonly messages: (events: readonly RecordedEvent[]) => ReturnType<ReturnType<typeof legacyConsentMessages>>;

  constructor(
    private readonly db: SqlDatabase,
    store: EventStore,
    deps: LegacyPublishDeps,
    options: StuckTrackerOptions & { onError?: (e: unknown, failuresInRow: number) => void } = {},
  ) {
    this.messages = legacyConsentMessages({ ...deps, includeLegacySourced: true });
    this.engine = new ConsumerEngine(
      db,
      store,
      { kind: 'at-least-once', name: this.name, typePrefixes: ['consent.withdrawn'], batchSize: 200, deliver: (events) => this.enqueue(events) },
      { ...options, onError: (_name, e, failures) => options.onError?.(e, failures) },
    );
  }

  async start(): Promise<void> {
    await this.db.exec(CHECKPOINT_SCHEMA + WEBHOOK_SCHEMA);
    await this.engine.start();
  }

  status() {
    const { phase: _phase, position: _position, ...s } = this.engine.status();
    return s;
  }

  waitFor(...args: Parameters<ConsumerEngine['waitFor']>): Promise<void> {
    return this.engine.waitFor(...args);
  }

  stop(): Promise<void> {
    return this.engine.stop();
  }

  private async enqueue(events: readonly RecordedEvent[]): Promise<void> {
    const withdrawals = (await this.messages(events)).filter((m) => m.topic === LEGACY_WEBHOOK_TOPIC);
    if (!withdrawals.length) return;
    const endpoints = (await this.db.query<{ service: string; created_at: Date | string }>('SELECT service, created_at FROM webhook_endpoints WHERE active AND $1 = ANY(topics)', [LEGACY_WEBHOOK_TOPIC])).rows;
    const cols: string[][] = [[], [], [], [], []];
    for (const m of withdrawals) {
      const w = JSON.parse(m.value!) as { userId: string; requiredActions: unknown; timestamp: string };
      const body = JSON.stringify({ userId: w.userId, requiredActions: w.requiredActions, deadline: w.timestamp });
      const e = events.find((x) => x.metadata.event_id === m.eventId)!;
      for (const ep of endpoints) {
        if (new Date(e.metadata.recorded_at) < new Date(ep.created_at)) continue;
        // keyed by the pseudonymous stream, so one subject's deliveries go out in order
        [ep.service, m.eventId, e.streamId, body, JSON.stringify({ 'pl-event-id': m.eventId })].forEach((v, i) => cols[i].push(v));
      }
    }
    if (!cols[0].length) return;
    await this.db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO webhook_deliveries (service, event_id, topic, event_type, message_key, headers, body)
         SELECT s, ev, '${LEGACY_WEBHOOK_TOPIC}', 'consent.withdrawn', k, h::jsonb, b FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) AS u(s, ev, k, b, h)
         ON CONFLICT (service, event_id, topic) DO NOTHING`,
        cols,
      );
      await tx.query(`SELECT pg_notify('${DELIVERIES_DUE_CHANNEL}', '')`);
    });
  }
}
