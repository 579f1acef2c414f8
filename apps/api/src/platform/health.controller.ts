import { Controller, Get, Header, Inject, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { Infrastructure } from '../../../common/infrastructure';
import type { Metrics } from '../../../common/metrics';
import { projectionLags } from '../../../common/projection-lag';
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

  /** Liveness and readiness: store and read-model database reachable, projection lag, worker services. */
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
      const lags = await projectionLags(this.infra.db, head, this.projectionNames());
      for (const l of lags) this.metrics.projectionLag.set({ projection: l.projection }, l.behind);
      checks.projections = { ok: lags.every((l) => l.behind <= this.infra.config.readyMaxProjectionLag), detail: lags };
    }
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
    if (head) for (const l of await projectionLags(this.infra.db, head, this.projectionNames())) this.metrics.projectionLag.set({ projection: l.projection }, l.behind);
    return this.metrics.registry.metrics();
  }

  /** The in-process worker's projections, or (worker elsewhere) every projection with a checkpoint. */
  private projectionNames(): string[] | null {
    return this.worker ? this.worker.projections().map((p) => p.name) : null;
  }
}
