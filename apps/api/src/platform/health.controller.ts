import { Controller, Get, Header, Inject, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import { HORIZON_NOT_APPLICABLE, visibilityHorizon, type VisibilityHorizon } from '@pl/eventstore';
import type { Infrastructure } from '../../../common/infrastructure';
import type { Metrics } from '../../../common/metrics';
import { lagIsReady, projectionLags, type LagReadiness, type ProjectionLag } from '../../../common/projection-lag';
import { readFaults } from '@pl/application';
import { headHealth } from '@pl/projections/audit_chain';
import { Public } from './auth/require-scopes.decorator';
import type { WorkerStatusSource } from './worker-status';
import type { RateLimiter } from './rate-limit/rate-limiter';
import { INFRA, LOGGER, METRICS, RATE_LIMITER, WORKER_STATUS } from './tokens';

/** A horizon held back at least this long is reported with its holder (every append holds it for milliseconds). */
export const HORIZON_REPORT_AFTER_S = 1;

@ApiExcludeController()
@Controller()
export class HealthController {
  constructor(
    @Inject(INFRA) private readonly infra: Infrastructure,
    @Inject(METRICS) private readonly metrics: Metrics,
    @Inject(WORKER_STATUS) private readonly worker: WorkerStatusSource | null,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(RATE_LIMITER) private readonly limiter: RateLimiter,
  ) {}

  private horizonHeld = false;

  /** Liveness: the process answers. */
  @Public()
  @Get('health/live')
  live() {
    return { status: 'ok' };
  }

  /** Liveness and readiness: store, read-model database and key store reachable, projection lag, worker services. */
  @Public()
  @Get('health')
  async health(@Res({ passthrough: true }) reply: FastifyReply) {
    const checks: Record<string, { ok: boolean; detail?: unknown }> = {};
    let head = null;
    try {
      head = await this.infra.store.headPosition();
      checks.event_store = { ok: true, detail: { backend: this.infra.store.backend } };
    } catch {
      checks.event_store = { ok: false, detail: { backend: this.infra.store.backend, error: 'unreachable' } };
    }
    try {
      await this.infra.db.query('SELECT 1');
      checks.read_model_db = { ok: true, detail: { kind: this.infra.db.kind } };
    } catch {
      checks.read_model_db = { ok: false, detail: { kind: this.infra.db.kind, error: 'unreachable' } };
    }
    if (head) checks.event_store_horizon = await this.observeHorizon();
    if (head && checks.read_model_db.ok) {
      const lags = await this.observeProjections(head);
      const now = new Date();
      checks.projections = { ok: lags.every((l) => lagIsReady(l, this.lagRule(), now) && !l.stuck), detail: lags };
    }
    if (checks.read_model_db.ok) {
      try {
        const h = await this.auditHeads();
        checks.audit_head_publication = { ok: h.ok, detail: h };
      } catch {
        checks.audit_head_publication = { ok: false, detail: { error: 'unreadable' } };
      }
    }
    checks.key_store = await this.observeKeyStore();
    // Redis (REDIS_URL) unreachable degrades, not stops: limits per instance, keys from the database.
    checks.shared_store = { ok: true, detail: this.limiter.status() };
    for (const s of this.worker?.services() ?? []) checks[s.name] = { ok: s.ready, detail: s.detail };
    const ready = Object.values(checks).every((c) => c.ok);
    reply.status(ready ? 200 : 503);
    return { status: ready ? 'ok' : 'not_ready', live: true, ready, checks };
  }

  @Public()
  @Get('metrics')
  @Header('content-type', 'text/plain; version=0.0.4')
  async metricsText() {
    const head = await this.infra.store.headPosition().catch(() => null);
    // the relays' and dispatchers' lag too (pl_projection_lag_*{projection="relay:kafka"}): gauges, not readiness
    if (head) await this.observeProjections(head, this.worker?.followers?.() ?? []);
    if (head) await this.observeHorizon();
    await this.auditHeads().catch(() => null);
    await this.observeKeyStore();
    return this.metrics.registry.metrics();
  }

  /** Signed heads published and fresh (docs/audit.md); also sets the audit head metrics. */
  private async auditHeads() {
    const h = await headHealth(this.infra.db, this.infra.config.auditHeadIntervalMs, new Date());
    this.metrics.auditHeadAge.set(h.unsigned_for_s);
    for (const channel of ['kafka', 'webhook', 'tsa']) this.metrics.auditHeadPublicationsFailing.set({ channel }, h.failing.find((f) => f.channel === channel)?.failing ?? 0);
    return h;
  }

  /**
   * Lag and stuck state of each projection, also into the gauges. Stuck comes from the faults the
   * runners record in the database (a worker in another process included) and from the in-process
   * runners (when the database itself is what fails).
   */
  private async observeProjections(head: Parameters<typeof projectionLags>[2], followers: readonly string[] = []): Promise<Array<ProjectionLag & { stuck: { error_class: string; since: string; failures: number } | null }>> {
    const own = this.projectionNames();
    const names = own && [...own, ...followers];
    const faults = new Map((await readFaults(this.infra.db, names)).map((f) => [f.name, { error_class: f.errorClass, since: f.since, failures: f.failures }]));
    for (const p of this.worker?.projections() ?? []) {
      if (p.stuck && !faults.has(p.name)) faults.set(p.name, { error_class: p.stuck.errorClass, since: p.stuck.since, failures: p.failures });
    }
    const lags = await projectionLags(this.infra.db, this.infra.store, head, names, this.lagRule());
    // a follower stuck before its first checkpoint has no lag row yet: behind from the start of the log
    const unseen = [...faults.keys()].filter((name) => !lags.some((l) => l.projection === name));
    if (unseen.length) lags.push(...(await projectionLags(this.infra.db, this.infra.store, head, unseen, this.lagRule())));
    const now = Date.now();
    return lags.map((l) => {
      const stuck = faults.get(l.projection) ?? null;
      const labels = { projection: l.projection };
      if (l.positions !== null) this.metrics.projectionLag.set(labels, l.positions);
      if (l.behind !== null) this.metrics.projectionLagEvents.set(labels, l.behind);
      this.metrics.projectionCaughtUp.set(labels, l.caught_up ? 1 : 0);
      this.metrics.projectionBehindSeconds.set(labels, l.caught_up || !l.since ? 0 : Math.max(0, (now - Date.parse(l.since)) / 1000));
      this.metrics.projectionStuck.set(labels, stuck ? 1 : 0);
      return { ...l, stuck };
    });
  }

  private lagRule(): LagReadiness {
    return { maxEvents: this.infra.config.readyMaxProjectionLag, maxBehindMs: this.infra.config.readyMaxProjectionBehindMs };
  }

  /**
   * PostgreSQL log: whether another transaction on the server holds the readers' horizon back
   * (nothing committed after it began is visible to projections, relay or read-your-writes), by
   * which session and for how long; also into the gauges, and one log line per change of state.
   */
  private async observeHorizon(): Promise<{ ok: boolean; detail: unknown }> {
    const backend = this.infra.store.backend;
    if (backend !== 'postgres') {
      this.metrics.horizonHeldSeconds.set(0);
      return { ok: true, detail: { applicable: false, reason: HORIZON_NOT_APPLICABLE[backend] } satisfies VisibilityHorizon };
    }
    const limit_s = this.infra.config.readyMaxHorizonHoldMs / 1000;
    let h: Awaited<ReturnType<typeof visibilityHorizon>>;
    try {
      h = await visibilityHorizon(this.infra.db);
    } catch {
      return { ok: false, detail: { applicable: true, error: 'unreadable' } };
    }
    if (!h.applicable) return { ok: true, detail: h };
    const held_back = h.held_for_s >= HORIZON_REPORT_AFTER_S;
    this.metrics.horizonHeldSeconds.set(h.held_for_s);
    this.metrics.horizonHolder.reset();
    const holder = held_back ? h.holder : null;
    if (holder) {
      const labels = { pid: String(holder.pid ?? 'prepared'), database: holder.database ?? '', application_name: holder.application_name ?? '', state: holder.state ?? '' };
      this.metrics.horizonHolder.set(labels, holder.transaction_age_s);
    }
    const ok = h.held_for_s * 1000 <= this.infra.config.readyMaxHorizonHoldMs;
    if (held_back !== this.horizonHeld) {
      this.horizonHeld = held_back;
      if (holder) this.logger.warn({ horizon_holder: holder }, 'event store horizon held back by another transaction: no event committed after it began is visible yet');
      else this.logger.info('event store horizon no longer held back');
    }
    return { ok, detail: { applicable: true, held_back, held_for_s: h.held_for_s, limit_s, holder, sees_all_sessions: h.sees_all_sessions } };
  }

  /**
   * Reachability of the data keys (without them no personal field is written or read) and the keys
   * per master key: a rotation in progress, or keys no configured master key unwraps. Those do not
   * make the API unready: after a retired key is destroyed they stay unreadable by design.
   */
  private async observeKeyStore(): Promise<{ ok: boolean; detail: unknown }> {
    const where = { location: this.infra.keysDb === this.infra.db ? 'main database' : 'own database', kind: this.infra.keysDb.kind };
    try {
      // By status only: /health and /metrics are public, master key ids are for `cli keystore status`.
      const dataKeys = { current: 0, previous: 0, unknown: 0 };
      for (const u of await this.infra.keys.inventory()) dataKeys[u.status] += u.dataKeys;
      for (const [status, n] of Object.entries(dataKeys)) this.metrics.dataKeys.set({ status }, n);
      return { ok: true, detail: { ...where, data_keys: dataKeys } };
    } catch {
      return { ok: false, detail: { ...where, error: 'unreachable' } };
    }
  }

  /** The in-process worker's projections, or (worker elsewhere) every projection with a checkpoint. */
  private projectionNames(): string[] | null {
    return this.worker ? this.worker.projections().map((p) => p.name) : null;
  }
}
