import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ConsumerTelemetry } from '@pl/application';

/** Period of the event-loop delay sampling behind `pl_nodejs_eventloop_lag_*` (a delay longer than this is always seen). */
export const EVENT_LOOP_SAMPLE_MS = 100;

/** One registry per process (API and worker share it when they run together). */
export class Metrics {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly projectionLag: Gauge<'projection'>;
  readonly projectionLagEvents: Gauge<'projection'>;
  readonly projectionCaughtUp: Gauge<'projection'>;
  readonly projectionBehindSeconds: Gauge<'projection'>;
  readonly horizonHeldSeconds: Gauge;
  readonly horizonHolder: Gauge<'pid' | 'database' | 'application_name' | 'state'>;
  readonly projectionEvents: Counter<'projection'>;
  readonly processManagerRuns: Counter<'process_manager' | 'outcome'>;
  readonly projectionStuck: Gauge<'projection'>;
  readonly projectionFailures: Counter<'projection' | 'error_class'>;
  readonly outboundCalls: Counter<'caller' | 'outcome'>;
  readonly legacyKafkaMessages: Counter<'direction' | 'outcome'>;
  readonly auditHeadPublications: Counter<'channel' | 'outcome'>;
  readonly auditHeadPublicationsFailing: Gauge<'channel'>;
  readonly auditHeadAge: Gauge;
  readonly dataKeys: Gauge<'status'>;
  readonly idempotencyRequests: Counter<'outcome'>;
  readonly privacyEvents: Counter<'path' | 'outcome'>;
  readonly privacyIntakeFailing: Gauge;
  readonly rightsRequestsOverdue: Gauge;
  readonly rightsRequestsDueSoon: Gauge;
  readonly breachesDueSoon: Gauge;
  readonly breachesOverdue: Gauge;
  readonly webhookDeadLetters: Gauge;
  readonly auditVerificationFailed: Gauge;
  readonly sharedStoreErrors: Counter<'use'>;
  readonly consumerBatchEvents: Histogram<'consumer'>;
  readonly consumerBatchSeconds: Histogram<'consumer'>;
  readonly consumerLastSuccess: Gauge<'consumer'>;
  readonly relayMessages: Counter<'relay' | 'topic' | 'outcome'>;
  readonly webhookDeliveries: Counter<'outcome'>;
  readonly webhookRetryQueue: Gauge;
  readonly consentChecks: Counter<'outcome' | 'reason'>;

  constructor() {
    // The event-loop delay histogram samples on a timer of this period: prom-client's default (10 ms)
    // wakes an idle process 100 times a second, ~0.6 % of a core (docs/benchmarks.md, idle cost).
    collectDefaultMetrics({ register: this.registry, prefix: 'pl_', eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
    this.idempotencyRequests = new Counter({
      name: 'pl_idempotency_requests_total',
      help: 'Requests with an Idempotency-Key by outcome: run, replay, mismatch (422), in_progress (409)',
      labelNames: ['outcome'],
      registers: [this.registry],
    });
    this.privacyEvents = new Counter({
      name: 'pl_privacy_events_total',
      help: 'Privacy events taken in, by path (http, topic) and outcome: recorded, duplicate (collapsed), refused (a rule), dead_lettered (topic: malformed or refused)',
      labelNames: ['path', 'outcome'],
      registers: [this.registry],
    });
    this.sharedStoreErrors = new Counter({
      name: 'pl_shared_store_errors_total',
      help: 'Redis (REDIS_URL) calls that failed, by use (rate_limit: this instance fell back to its own buckets; api_keys: the key was read from the database)',
      labelNames: ['use'],
      registers: [this.registry],
    });
    this.privacyIntakeFailing = new Gauge({
      name: 'pl_privacy_intake_failing',
      help: '1 while the intake topic consumer cannot record its batches (retrying; /health names it), else 0',
      registers: [this.registry],
    });
    // Set by the worker's clocks (rights-clocks, breach-clocks) on every tick and by GET /audit/verify:
    // counts only, no label names a subject, a request or a breach (deploy/prometheus/alerts.yml).
    this.rightsRequestsOverdue = new Gauge({
      name: 'pl_rights_requests_overdue',
      help: 'Open data-subject requests past their statutory due date',
      registers: [this.registry],
    });
    this.rightsRequestsDueSoon = new Gauge({
      name: 'pl_rights_requests_due_soon',
      help: 'Open data-subject requests not yet overdue whose statutory due date is within the due-soon window (7 days, DEADLINE_ALERTS.due_soon_days)',
      registers: [this.registry],
    });
    this.breachesDueSoon = new Gauge({
      name: 'pl_breaches_deadline_within_24h',
      help: 'Open breaches whose next unmet notification deadline (e.g. the GDPR Art. 33 72-hour clock) is less than 24 hours away and not yet passed',
      registers: [this.registry],
    });
    this.breachesOverdue = new Gauge({
      name: 'pl_breaches_deadline_overdue',
      help: 'Open breaches whose next unmet notification deadline has passed',
      registers: [this.registry],
    });
    this.webhookDeadLetters = new Gauge({
      name: 'pl_webhook_dead_letters',
      help: 'Webhook deliveries dead-lettered after their last attempt and not retried (cli webhooks retry puts them back)',
      registers: [this.registry],
    });
    this.auditVerificationFailed = new Gauge({
      name: 'pl_audit_verification_failed',
      help: '1 when the latest audit chain verification in this process (GET /audit/verify) found the chain broken, else 0',
      registers: [this.registry],
    });
    // Per consumer of the engine (projections, fact-fed process managers, relays, webhook
    // dispatchers; clock-driven process managers for the last success), fed by consumerTelemetry().
    this.consumerBatchEvents = new Histogram({
      name: 'pl_consumer_batch_events',
      help: 'Events per checkpointed batch of each log consumer (projection, process manager, relay, webhook dispatcher)',
      labelNames: ['consumer'],
      buckets: [1, 2, 5, 10, 50, 100, 500, 1000, 2000, 5000],
      registers: [this.registry],
    });
    this.consumerBatchSeconds = new Histogram({
      name: 'pl_consumer_batch_duration_seconds',
      help: 'Time to apply or deliver a batch and write its checkpoint, per log consumer',
      labelNames: ['consumer'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10],
      registers: [this.registry],
    });
    this.consumerLastSuccess = new Gauge({
      name: 'pl_consumer_last_success_timestamp_seconds',
      help: 'Unix time a consumer last advanced in this process: checkpointed a batch, caught up with the log, or ended a tick (alert RelayStalled)',
      labelNames: ['consumer'],
      registers: [this.registry],
    });
    this.relayMessages = new Counter({
      name: 'pl_relay_messages_total',
      help: 'Kafka messages of the relays by relay, topic and outcome: sent (acknowledged, acks=all) or failed (the batch is sent again from the checkpoint)',
      labelNames: ['relay', 'topic', 'outcome'],
      registers: [this.registry],
    });
    this.webhookDeliveries = new Counter({
      name: 'pl_webhook_deliveries_total',
      help: 'Webhook delivery attempts by result: delivered, retry_scheduled (failed, in the retry queue) or dead_lettered (failed its last attempt); pl_outbound_calls_total{caller="webhooks"} has the outcome class',
      labelNames: ['outcome'],
      registers: [this.registry],
    });
    this.webhookRetryQueue = new Gauge({
      name: 'pl_webhook_retry_queue',
      help: 'Webhook deliveries that failed at least once and wait for their next attempt',
      registers: [this.registry],
    });
    this.consentChecks = new Counter({
      name: 'pl_consent_checks_total',
      help: 'Consent checks answered (validate and validate-batch, one per check) by outcome (allowed, denied) and reason (the answer\'s reason code, a closed list)',
      labelNames: ['outcome', 'reason'],
      registers: [this.registry],
    });
    this.httpDuration = new Histogram({
      name: 'pl_http_request_duration_seconds',
      help: 'HTTP request duration by route pattern',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [this.registry],
    });
    this.projectionLag = new Gauge({
      name: 'pl_projection_lag_positions',
      help: 'Global positions between the head of the log and the projection checkpoint (PostgreSQL, PGlite; not set on EventStoreDB, whose positions are byte offsets)',
      labelNames: ['projection'],
      registers: [this.registry],
    });
    this.projectionLagEvents = new Gauge({
      name: 'pl_projection_lag_events',
      help: 'Events after the projection checkpoint, counted up to READY_MAX_PROJECTION_LAG + 1 (PostgreSQL, PGlite; not set on EventStoreDB, which cannot count them)',
      labelNames: ['projection'],
      registers: [this.registry],
    });
    this.projectionCaughtUp = new Gauge({
      name: 'pl_projection_caught_up',
      help: '1 while the projection checkpoint is at the head of the log, else 0 (every backend)',
      labelNames: ['projection'],
      registers: [this.registry],
    });
    this.projectionBehindSeconds = new Gauge({
      name: 'pl_projection_behind_seconds',
      help: 'Seconds since the first event the projection has not handled was recorded; 0 when caught up (every backend)',
      labelNames: ['projection'],
      registers: [this.registry],
    });
    this.horizonHeldSeconds = new Gauge({
      name: 'pl_event_store_horizon_held_seconds',
      help: 'PostgreSQL log: age of the oldest other transaction holding a transaction id anywhere on the server (readers see no event committed after it began); 0 when none, and always 0 on PGlite and EventStoreDB (no such horizon)',
      registers: [this.registry],
    });
    this.horizonHolder = new Gauge({
      name: 'pl_event_store_horizon_holder_seconds',
      help: 'PostgreSQL log: the session holding the visibility horizon back for 1 s or more, by pid, database, application_name and state (no query text, no user); value: its transaction age',
      labelNames: ['pid', 'database', 'application_name', 'state'],
      registers: [this.registry],
    });
    this.projectionEvents = new Counter({
      name: 'pl_projection_events_total',
      help: 'Events handled by each consumer of the log in this process (projections, process managers, relays, webhook dispatchers)',
      labelNames: ['projection'],
      registers: [this.registry],
    });
    this.processManagerRuns = new Counter({
      name: 'pl_process_manager_runs_total',
      help: 'Process manager ticks by outcome',
      labelNames: ['process_manager', 'outcome'],
      registers: [this.registry],
    });
    this.projectionStuck = new Gauge({
      name: 'pl_projection_stuck',
      help: '1 while a projection (or the relay, the webhook dispatcher) cannot advance: its batch failed repeatedly',
      labelNames: ['projection'],
      registers: [this.registry],
    });
    this.projectionFailures = new Counter({
      name: 'pl_projection_failures_total',
      help: 'Failed batches (and clock ticks) of each consumer in this process, by error class (never the message)',
      labelNames: ['projection', 'error_class'],
      registers: [this.registry],
    });
    this.legacyKafkaMessages = new Counter({
      name: 'pl_legacy_kafka_messages_total',
      help: 'Messages of the legacy consent topics: consumed (handled, skipped, dead_lettered, failed) and published',
      labelNames: ['direction', 'outcome'],
      registers: [this.registry],
    });
    this.outboundCalls = new Counter({
      name: 'pl_outbound_calls_total',
      help: 'Outbound HTTP calls by caller and outcome class (refused_destination: stopped by the outbound policy)',
      labelNames: ['caller', 'outcome'],
      registers: [this.registry],
    });
    this.auditHeadPublications = new Counter({
      name: 'pl_audit_head_publications_total',
      help: 'Publications of signed audit chain heads (kafka, webhook, tsa) by outcome',
      labelNames: ['channel', 'outcome'],
      registers: [this.registry],
    });
    this.auditHeadPublicationsFailing = new Gauge({
      name: 'pl_audit_head_publications_failing',
      help: 'Signed heads whose publication on a channel failed and awaits a retry',
      labelNames: ['channel'],
      registers: [this.registry],
    });
    this.auditHeadAge = new Gauge({
      name: 'pl_audit_head_age_seconds',
      help: 'Seconds since the latest signed audit head (0 when the chain has not moved past it)',
      registers: [this.registry],
    });
    this.dataKeys = new Gauge({
      name: 'pl_data_keys',
      help: 'Stored subject data keys by the status of their master key: current; previous (awaits rewrap-keys); unknown (not configured: unreadable)',
      labelNames: ['status'],
      registers: [this.registry],
    });
  }

  /** What every consumer engine of this process reports (reportConsumersTo). */
  consumerTelemetry(): ConsumerTelemetry {
    return {
      batch: (consumer, events, seconds) => {
        this.projectionEvents.inc({ projection: consumer }, events);
        if (!events) return;
        this.consumerBatchEvents.observe({ consumer }, events);
        this.consumerBatchSeconds.observe({ consumer }, seconds);
      },
      failed: (consumer, errorClass) => this.projectionFailures.inc({ projection: consumer, error_class: errorClass }),
      succeeded: (consumer) => this.consumerLastSuccess.set({ consumer }, Date.now() / 1000),
    };
  }
}

let shared: Metrics | null = null;
export const processMetrics = (): Metrics => (shared ??= new Metrics());
