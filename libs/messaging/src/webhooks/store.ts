import { randomBytes } from 'node:crypto';
import { invalid, notFound } from '@pl/domain';
import type { SqlExecutor } from '@pl/eventstore';
import { OutboundRefused, type OutboundPolicy } from '@pl/outbound';
import { TOPICS } from '../topics';
import type { SecretBox } from './secret-box';
import { DELIVERIES_DUE_CHANNEL } from './schema';

/**
 * Topics a webhook endpoint can receive (the compacted state topic is Kafka-only). `consent.withdrawn`:
 * the earlier consent manager's body `{userId, requiredActions, deadline}`, sent only while LEGACY_WEBHOOKS is on.
 */
export const WEBHOOK_TOPICS: readonly string[] = [TOPICS.consentEvents, TOPICS.rightsTasks, TOPICS.breachNotices, TOPICS.auditHeads, 'consent.withdrawn'];

export interface EndpointInput {
  readonly service: string;
  readonly url: string;
  readonly topics: readonly string[];
  /** Rights tasks only for this system (the message key of the tasks topic); null = every system. */
  readonly systemId?: string | null;
}

export interface EndpointView {
  readonly service: string;
  readonly url: string;
  readonly topics: string[];
  readonly system_id: string | null;
  readonly active: boolean;
  readonly created_at: string;
  readonly updated_at: string;
}

const SERVICE = /^[a-z0-9][a-z0-9._-]{0,62}$/;

function validate(input: EndpointInput): void {
  if (!SERVICE.test(input.service)) invalidInput('service must be 1-63 lowercase letters, digits, dot, dash or underscore');
  if (!input.topics.length) invalidInput('topics must name at least one topic');
  const unknown = input.topics.filter((t) => !WEBHOOK_TOPICS.includes(t));
  if (unknown.length) invalidInput(`unknown topics: ${unknown.join(', ')} (allowed: ${WEBHOOK_TOPICS.join(', ')})`);
}

/** The URL must reach an allowed destination now; delivery checks again (DNS can change). */
async function vetUrl(policy: OutboundPolicy, url: string): Promise<void> {
  try {
    await policy.admit(url);
  } catch (e) {
    if (e instanceof OutboundRefused) invalidInput(e.message);
    throw e;
  }
}

function invalidInput(message: string): never {
  throw invalid(message);
}

/**
 * Registers (or re-registers, rotating the secret) a service's endpoint. The secret (`whsec_` + base64
 * of 32 random bytes, as Standard Webhooks libraries read it) is returned once and stored sealed; it is
 * never logged or returned again. On a rotation the replaced secret keeps signing beside the new one
 * for `overlapHours` (a second `v1,` signature), so receivers can switch without dropping deliveries.
 * A URL reaching loopback, link-local, private or reserved addresses (directly or through DNS) is
 * refused unless the policy allows it.
 */
export async function registerEndpoint(
  db: SqlExecutor,
  box: SecretBox,
  input: EndpointInput,
  policy: OutboundPolicy,
  options: { readonly overlapHours?: number } = {},
): Promise<EndpointView & { secret: string; previous_secret_valid_until: string | null }> {
  validate(input);
  await vetUrl(policy, input.url);
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  const r = await db.query<EndpointRow & { previous_valid_until: Date | string | null }>(
    `INSERT INTO webhook_endpoints (service, url, topics, system_id, secret_sealed) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (service) DO UPDATE SET url = EXCLUDED.url, topics = EXCLUDED.topics, system_id = EXCLUDED.system_id,
       secret_sealed = EXCLUDED.secret_sealed, active = true, updated_at = now(),
       previous_secret_sealed = CASE WHEN $6::double precision > 0 THEN webhook_endpoints.secret_sealed END,
       previous_valid_until = CASE WHEN $6::double precision > 0 THEN now() + make_interval(hours => $6::int) END
     RETURNING ${ENDPOINT_COLUMNS}, previous_valid_until`,
    [input.service, input.url, [...new Set(input.topics)], input.systemId ?? null, box.seal(secret, `webhook:${input.service}`), options.overlapHours ?? 24],
  );
  const row = r.rows[0];
  return { ...toView(row), secret, previous_secret_valid_until: row.previous_valid_until ? new Date(row.previous_valid_until).toISOString() : null };
}

export async function deactivateEndpoint(db: SqlExecutor, service: string): Promise<void> {
  const r = await db.query('UPDATE webhook_endpoints SET active = false, updated_at = now() WHERE service = $1', [service]);
  if (r.rowCount === 0) throw notFound('no webhook endpoint for this service');
}

export async function listEndpoints(db: SqlExecutor): Promise<EndpointView[]> {
  const r = await db.query<EndpointRow>(`SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints ORDER BY service`);
  return r.rows.map(toView);
}

const ENDPOINT_COLUMNS = 'service, url, topics, system_id, active, created_at, updated_at';

interface EndpointRow {
  service: string;
  url: string;
  topics: string[];
  system_id: string | null;
  active: boolean;
  created_at: Date | string;
  updated_at: Date | string;
}

function toView(r: EndpointRow): EndpointView {
  return {
    service: r.service,
    url: r.url,
    topics: r.topics,
    system_id: r.system_id,
    active: r.active,
    created_at: new Date(r.created_at).toISOString(),
    updated_at: new Date(r.updated_at).toISOString(),
  };
}

export type DeliveryStatus = 'pending' | 'delivered' | 'dead';

export interface DeliveryQuery {
  readonly service?: string;
  readonly eventId?: string;
  readonly status?: DeliveryStatus;
  readonly limit?: number;
}

export interface DeliveryView {
  readonly id: string;
  readonly service: string;
  readonly event_id: string;
  readonly event_type: string;
  readonly topic: string;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly next_attempt_at: string | null;
  readonly last_status_code: number | null;
  readonly last_error: string | null;
  readonly created_at: string;
  readonly delivered_at: string | null;
  readonly attempt_log: Array<{ attempt: number; at: string; status_code: number | null; error: string | null; duration_ms: number }>;
}

/** The delivery log per event and service, newest first. */
export async function listDeliveries(db: SqlExecutor, q: DeliveryQuery = {}): Promise<DeliveryView[]> {
  const limit = Math.min(Math.max(q.limit ?? 100, 1), 1000);
  const r = await db.query<any>(
    `SELECT d.id::text AS id, d.service, d.event_id, d.event_type, d.topic, d.status, d.attempts, d.next_attempt_at,
            d.last_status_code, d.last_error, d.created_at, d.delivered_at,
            coalesce((SELECT json_agg(json_build_object('attempt', a.attempt, 'at', a.at, 'status_code', a.status_code, 'error', a.error, 'duration_ms', a.duration_ms) ORDER BY a.attempt)
                      FROM webhook_attempts a WHERE a.delivery_id = d.id), '[]'::json) AS attempt_log
     FROM webhook_deliveries d
     WHERE ($1::text IS NULL OR d.service = $1) AND ($2::text IS NULL OR d.event_id = $2) AND ($3::text IS NULL OR d.status = $3)
     ORDER BY d.id DESC LIMIT $4`,
    [q.service ?? null, q.eventId ?? null, q.status ?? null, limit],
  );
  return r.rows.map((row) => ({
    id: row.id,
    service: row.service,
    event_id: row.event_id,
    event_type: row.event_type,
    topic: row.topic,
    status: row.status,
    attempts: row.attempts,
    next_attempt_at: row.status === 'pending' ? new Date(row.next_attempt_at).toISOString() : null,
    last_status_code: row.last_status_code,
    last_error: publicOutcome(row.last_error),
    created_at: new Date(row.created_at).toISOString(),
    delivered_at: row.delivered_at ? new Date(row.delivered_at).toISOString() : null,
    attempt_log: (typeof row.attempt_log === 'string' ? JSON.parse(row.attempt_log) : row.attempt_log).map((a: any) => ({ ...a, error: publicOutcome(a.error), at: new Date(a.at).toISOString() })),
  }));
}

const OUTCOME = /^(refused_destination|name_not_resolved|invalid_url|connection_failed|timeout|response_too_large|not_sent|http_\d{3})$/;

/**
 * The outcome class of a stored attempt. Rows written before outcome classes held low-level error
 * text (`TypeError: ECONNREFUSED`, `HTTP 503`, `timeout after 5000 ms`); they are shown as classes too.
 */
export function publicOutcome(stored: string | null): string | null {
  if (stored === null || OUTCOME.test(stored)) return stored;
  const http = /^HTTP (\d{3})$/.exec(stored);
  if (http) return `http_${http[1]}`;
  return /^timeout/.test(stored) ? 'timeout' : 'connection_failed';
}

/**
 * Deliveries not delivered: dead-lettered, awaiting `webhooks retry` (the gauge `pl_webhook_dead_letters`),
 * and retrying, failed at least once and waiting for their next attempt (`pl_webhook_retry_queue`).
 */
export async function deliveryBacklog(db: SqlExecutor): Promise<{ dead: number; retrying: number }> {
  const r = await db.query<{ dead: string; retrying: string }>(
    `SELECT count(*) FILTER (WHERE status = 'dead')::text AS dead, count(*) FILTER (WHERE status = 'pending' AND attempts > 0)::text AS retrying
     FROM webhook_deliveries WHERE status <> 'delivered'`,
  );
  return { dead: Number(r.rows[0].dead), retrying: Number(r.rows[0].retrying) };
}

/** Puts dead-lettered deliveries back in the queue (CLI `webhooks retry`); returns how many. */
export async function retryDeadDeliveries(db: SqlExecutor, filter: { service?: string; ids?: readonly string[] } = {}): Promise<number> {
  const r = await db.query(
    `UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_attempt_at = now(), last_error = NULL
     WHERE status = 'dead' AND ($1::text IS NULL OR service = $1) AND ($2::bigint[] IS NULL OR id = ANY($2::bigint[]))`,
    [filter.service ?? null, filter.ids?.length ? filter.ids.map(String) : null],
  );
  if (r.rowCount) await db.query(`SELECT pg_notify('${DELIVERIES_DUE_CHANNEL}', '')`);
  return r.rowCount;
}
