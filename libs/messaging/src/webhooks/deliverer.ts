import { currentTraceparent, eventSpanParent, inSpan, SpanKind, spanContextOf } from '@pl/application';
import type { SqlDatabase, SqlLock } from '@pl/eventstore';
import { sendOutbound, type OutboundPolicy, type OutboundRequest, type OutboundResult, type RequestFn } from '@pl/outbound';
import { backoffDelay } from '../backoff';
import { HEADERS } from '../topics';
import type { SecretBox } from './secret-box';
import { STANDARD_WEBHOOK_HEADERS, WEBHOOK_HEADERS, signStandardWebhook, signWebhook } from './signature';
import { DELIVERIES_DUE_CHANNEL, WEBHOOK_SCHEMA } from './schema';

export interface DelivererOptions {
  /** Where deliveries may go: each attempt resolves and checks the URL again and connects only to the vetted address. */
  readonly policy: OutboundPolicy;
  /** Tests record every connection attempt with it. */
  readonly request?: RequestFn;
  /** Called with the outcome class of every attempt (a metric). */
  readonly onAttempt?: (outcome: string) => void;
  /** Called with what became of the delivery after each attempt (a metric). */
  readonly onResult?: (result: 'delivered' | 'retry_scheduled' | 'dead_lettered') => void;
  /** Requests in flight overall, and per service: a slow service can hold at most its own share. */
  readonly concurrency?: number;
  readonly perServiceConcurrency?: number;
  /** Per-request timeout (ms): a hanging endpoint counts as a failed attempt. */
  readonly timeoutMs?: number;
  /** After this many failed attempts the delivery is dead-lettered (CLI: `webhooks retry`). */
  readonly maxAttempts?: number;
  readonly backoff?: { readonly initialMs?: number; readonly maxMs?: number };
  /**
   * Safety poll (ms). The deliverer sleeps until the next retry falls due or a NOTIFY on
   * DELIVERIES_DUE_CHANNEL (the dispatcher enqueued, the CLI put dead ones back) wakes it. Default 30 s.
   */
  readonly pollMs?: number;
  readonly log?: (level: 'info' | 'warn', message: string, fields?: Record<string, unknown>) => void;
}

interface DueRow {
  id: string;
  service: string;
  event_id: string;
  topic: string;
  event_type: string;
  headers: Record<string, string> | string;
  body: string;
  attempts: number;
  url: string;
  secret_sealed: string;
  /** The secret replaced by the last rotation while it is still valid (it signs too), else null. */
  previous_sealed: string | null;
}

/**
 * Sends due deliveries: signed POSTs, exponential backoff with jitter on failure, dead letter after
 * `maxAttempts`. Deliveries of one service and message key go out in order (a later one waits for
 * an earlier pending one); different keys and services never wait for each other.
 */
export class WebhookDeliverer {
  readonly name = 'webhooks:deliver';
  private readonly inflight = new Map<string, string>(); // delivery id -> service
  private lock: SqlLock | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = true;
  private ticking = false;
  private wokenWhileTicking = false;
  private unlisten: (() => Promise<void>) | null = null;
  private readonly secrets = new Map<string, string>(); // sealed -> opened
  private readonly pending = new Set<Promise<void>>();
  private delivered = 0;
  private failed = 0;
  private refused = 0;

  constructor(
    private readonly db: SqlDatabase,
    private readonly box: SecretBox,
    private readonly options: DelivererOptions,
  ) {}

  async start(): Promise<void> {
    this.stopped = false;
    await this.db.exec(WEBHOOK_SCHEMA);
    this.unlisten = await this.db.listen(DELIVERIES_DUE_CHANNEL, () => this.wake());
    this.schedule(0);
  }

  /** Deliveries may have fallen due: look now (or right after the round in progress). */
  wake(): void {
    if (this.ticking) this.wokenWhileTicking = true;
    else this.schedule(0);
  }

  status() {
    return { name: this.name, active: this.lock !== null, inflight: this.inflight.size, delivered: this.delivered, failed: this.failed, refused: this.refused };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.unlisten?.().catch(() => undefined);
    this.unlisten = null;
    await Promise.allSettled([...this.pending]);
    await this.lock?.release();
    this.lock = null;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), ms);
  }

  /** One round: fills the free slots with due deliveries, then sleeps until the next one falls due. */
  async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    this.wokenWhileTicking = false;
    let sleepMs = this.options.pollMs ?? 30_000;
    try {
      this.lock ??= await this.db.tryLock(this.name);
      if (this.lock) sleepMs = Math.min(sleepMs, (await this.fill()) ?? sleepMs);
    } catch (e) {
      this.options.log?.('warn', 'webhook delivery round failed', { error: e instanceof Error ? e.message : String(e) });
    } finally {
      this.ticking = false;
      this.schedule(this.wokenWhileTicking ? 0 : this.lock ? sleepMs : 2000);
    }
  }

  /** Starts due deliveries in the free slots; returns the ms until the next pending one falls due (null: none). */
  private async fill(): Promise<number | null> {
    const concurrency = this.options.concurrency ?? 16;
    const perService = this.options.perServiceConcurrency ?? 4;
    const free = concurrency - this.inflight.size;
    if (free <= 0) return null;
    const r = await this.db.query<DueRow>(
      `SELECT d.id::text AS id, d.service, d.event_id, d.topic, d.event_type, d.headers, d.body, d.attempts, e.url, e.secret_sealed,
              CASE WHEN e.previous_valid_until > now() THEN e.previous_secret_sealed END AS previous_sealed
       FROM webhook_deliveries d JOIN webhook_endpoints e ON e.service = d.service
       WHERE d.status = 'pending' AND d.next_attempt_at <= now() AND e.active
         AND NOT (d.id = ANY($1::bigint[]))
         AND NOT EXISTS (SELECT 1 FROM webhook_deliveries p
                         WHERE p.service = d.service AND p.message_key = d.message_key AND p.status = 'pending' AND p.id < d.id)
       ORDER BY d.next_attempt_at, d.id LIMIT $2`,
      [[...this.inflight.keys()], free * 4],
    );
    const perServiceCount = new Map<string, number>();
    for (const s of this.inflight.values()) perServiceCount.set(s, (perServiceCount.get(s) ?? 0) + 1);
    let started = 0;
    for (const row of r.rows) {
      if (started >= free) break;
      const n = perServiceCount.get(row.service) ?? 0;
      if (n >= perService) continue;
      perServiceCount.set(row.service, n + 1);
      this.inflight.set(row.id, row.service);
      started++;
      const p = this.deliver(row).finally(() => {
        this.inflight.delete(row.id);
        this.pending.delete(p);
        if (!this.stopped) void this.tick();
      });
      this.pending.add(p);
    }
    const next = await this.db.query<{ ms: string | null }>(
      `SELECT ceil(extract(epoch FROM min(d.next_attempt_at) - now()) * 1000)::text AS ms
       FROM webhook_deliveries d JOIN webhook_endpoints e ON e.service = d.service
       WHERE d.status = 'pending' AND e.active AND d.next_attempt_at > now()`,
    );
    const ms = next.rows[0]?.ms;
    return ms === null || ms === undefined ? null : Math.max(0, Number(ms));
  }

  private open(service: string, sealed: string): string {
    const cached = this.secrets.get(sealed);
    if (cached !== undefined) return cached;
    const secret = this.box.open(sealed, `webhook:${service}`);
    if (this.secrets.size >= 1000) this.secrets.clear();
    this.secrets.set(sealed, secret);
    return secret;
  }

  private requestOf(row: DueRow, h: Record<string, string>): OutboundRequest {
    // W3C trace context (issue 17 item 6): the delivery's span when tracing is on (a child of the
    // event's), else the event's own as the relay's Kafka header carries it; none for an untraced event
    const traceparent = currentTraceparent() ?? (spanContextOf(h[HEADERS.traceparent]) ? h[HEADERS.traceparent] : null);
    const timestamp = Math.floor(Date.now() / 1000);
    const secret = this.open(row.service, row.secret_sealed);
    const signing = row.previous_sealed ? [secret, this.open(row.service, row.previous_sealed)] : [secret];
    return {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'privacy-ledger-webhooks/1',
        [WEBHOOK_HEADERS.timestamp]: String(timestamp),
        [WEBHOOK_HEADERS.signature]: signWebhook(secret, timestamp, row.body),
        // Standard Webhooks: the id is the delivery's, the same on every retry (receivers de-duplicate on it)
        [STANDARD_WEBHOOK_HEADERS.id]: row.id,
        [STANDARD_WEBHOOK_HEADERS.timestamp]: String(timestamp),
        [STANDARD_WEBHOOK_HEADERS.signature]: signStandardWebhook(signing, row.id, timestamp, row.body),
        [WEBHOOK_HEADERS.deliveryId]: row.id,
        [WEBHOOK_HEADERS.eventId]: row.event_id,
        [WEBHOOK_HEADERS.eventType]: row.event_type,
        [WEBHOOK_HEADERS.topic]: row.topic,
        [WEBHOOK_HEADERS.schemaVersion]: h[HEADERS.schemaVersion] ?? '1',
        [WEBHOOK_HEADERS.correlationId]: h[HEADERS.correlationId] ?? '',
        ...(traceparent ? { [HEADERS.traceparent]: traceparent } : {}),
      },
      body: row.body,
      timeoutMs: this.options.timeoutMs ?? 5000,
      maxResponseBytes: 64 * 1024,
    };
  }

  private async deliver(row: DueRow): Promise<void> {
    const attempt = row.attempts + 1;
    const started = Date.now();
    let result: Pick<OutboundResult, 'ok' | 'status' | 'errorCode'> & { outcome: string };
    try {
      const h = typeof row.headers === 'string' ? (JSON.parse(row.headers) as Record<string, string>) : row.headers;
      const attributes = { 'messaging.destination.name': row.topic, 'pl.event_type': row.event_type, 'pl.attempt': attempt };
      result = await inSpan('deliver webhook', { kind: SpanKind.PRODUCER, attributes, ...eventSpanParent(h[HEADERS.traceparent]) }, () =>
        sendOutbound(this.options.policy, row.url, this.requestOf(row, h), this.options.request),
      );
    } catch (e) {
      // the secret or the stored headers could not be read: nothing was sent
      result = { outcome: 'not_sent', ok: false, status: null, errorCode: (e as Error)?.name ?? null };
    }
    this.options.onAttempt?.(result.outcome);
    if (result.outcome === 'refused_destination') this.refused++;
    const statusCode = result.status;
    // The delivery log shows the outcome class only: a low-level error would tell a caller which internal ports answer.
    const error = result.ok ? null : result.outcome;
    const duration = Date.now() - started;
    const maxAttempts = this.options.maxAttempts ?? 8;
    await this.db.transaction(async (tx) => {
      await tx.query('INSERT INTO webhook_attempts (delivery_id, attempt, status_code, error, duration_ms) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING', [row.id, attempt, statusCode, error, duration]);
      if (!error) {
        await tx.query(`UPDATE webhook_deliveries SET status = 'delivered', attempts = $2, last_status_code = $3, last_error = NULL, delivered_at = now() WHERE id = $1`, [row.id, attempt, statusCode]);
      } else if (attempt >= maxAttempts) {
        await tx.query(`UPDATE webhook_deliveries SET status = 'dead', attempts = $2, last_status_code = $3, last_error = $4 WHERE id = $1`, [row.id, attempt, statusCode, error]);
      } else {
        const delay = backoffDelay(attempt, this.options.backoff?.initialMs ?? 1000, this.options.backoff?.maxMs ?? 300_000);
        await tx.query(
          `UPDATE webhook_deliveries SET attempts = $2, last_status_code = $3, last_error = $4, next_attempt_at = now() + ($5::int * interval '1 millisecond') WHERE id = $1`,
          [row.id, attempt, statusCode, error, delay],
        );
      }
    });
    this.options.onResult?.(!error ? 'delivered' : attempt >= maxAttempts ? 'dead_lettered' : 'retry_scheduled');
    if (error) {
      this.failed++;
      this.options.log?.('warn', attempt >= maxAttempts ? 'webhook delivery dead-lettered' : 'webhook delivery failed; will retry', { service: row.service, delivery_id: row.id, attempt, outcome: error, code: result.errorCode });
    } else this.delivered++;
  }
}
