import { Controller, Get, Header, Inject, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { Infrastructure } from '../../../common/infrastructure';
import type { Metrics } from '../../../common/metrics';
import { projectionLags, type ProjectionLag } from '../../../common/projection-lag';
import { readFaults } from '@pl/application';
import { headHealth } from '@pl/projections/audit_chain';
import { Public } from './auth/require-scopes.decorator';
import type { WorkerStatusSource } from './worker-status';
import { INFRA, METRICS, WORKER_STATUS } from './tokens';

@ApiExcludeController()
@Controller()
export class HealthController {
  constructor(
    @Inject(INFRA) private readonly infra: Infrastructure,
    @Inject(METRICS) private readonly metrics: Metrics,
    @Inject(WORKER_STATUS) private readonly worker: WorkerStatusSource | null,
  ) {}

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
    if (head && checks.read_model_db.ok) {
      const lags = await this.observeProjections(head);
      checks.projections = { ok: lags.every((l) => l.behind <= this.infra.config.readyMaxProjectionLag && !l.stuck), detail: lags };
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
    if (head) await this.observeProjections(head);
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
  private async observeProjections(head: Parameters<typeof projectionLags>[1]): Promise<Array<ProjectionLag & { stuck: { error_class: string; since: string; failures: number } | null }>> {
    const names = this.projectionNames();
    const lags = await projectionLags(this.infra.db, head, names);
    const faults = new Map((await readFaults(this.infra.db, names)).map((f) => [f.name, { error_class: f.errorClass, since: f.since, failures: f.failures }]));
    for (const p of this.worker?.projections() ?? []) {
      if (p.stuck && !faults.has(p.name)) faults.set(p.name, { error_class: p.stuck.errorClass, since: p.stuck.since, failures: p.failures });
    }
    // a follower stuck before its first checkpoint has no lag row yet
    for (const name of faults.keys()) if (!lags.some((l) => l.projection === name)) lags.push({ projection: name, behind: Number(head.pos) + 1, updated_at: null });
    return lags.map((l) => {
      const stuck = faults.get(l.projection) ?? null;
      this.metrics.projectionLag.set({ projection: l.projection }, l.behind);
      this.metrics.projectionStuck.set({ projection: l.projection }, stuck ? 1 : 0);
      return { ...l, stuck };
    });
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
