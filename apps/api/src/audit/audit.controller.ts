import { PassThrough, Readable } from 'node:stream';
import { Controller, Get, HttpCode, Inject, Param, Post, Query, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiTextResponse } from '../openapi/decorators';
import type { FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import type { CommandContext } from '@pl/application';
import type { Infrastructure } from '../../../common/infrastructure';
import { AppCommand } from '../platform/app-command';
import { Public, RequireScopes } from '../platform/auth/require-scopes.decorator';
import { CommandCtx } from '../platform/command-context.decorator';
import type { Metrics } from '../../../common/metrics';
import { INFRA, LOGGER, METRICS } from '../platform/tokens';
import { AccessPurposeDto, ExportQueryDto } from './audit.dto';

/**
 * Tamper evidence (ARCHITECTURE invariant 9) for regulators and auditors. `audit:read` is the
 * auditor's scope: every route it opens only reads (exports record the access itself, Art. 5(2)).
 * Routes only: the use cases are `infra.app.audit` (libs/application/src/audit).
 */
@ApiTags('audit')
@Controller('audit')
export class AuditController {
  constructor(
    private readonly bus: CommandBus,
    @Inject(INFRA) private readonly infra: Infrastructure,
    @Inject(METRICS) private readonly metrics: Metrics,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  private get audit() {
    return this.infra.app.audit;
  }

  /** The Ed25519 key that signs chain heads; give it to auditors out of band. */
  @Get('public-key')
  @ApiOperation({ summary: 'Public Ed25519 key that signs audit chain heads' })
  @Public()
  publicKey() {
    return this.audit.publicKey();
  }

  @Get('head')
  @ApiOperation({ summary: 'Current head of the audit hash chain' })
  @RequireScopes('audit:read')
  head() {
    return this.audit.head();
  }

  /** Recomputes the chain from the log and names the first broken position. */
  @Get('verify')
  @ApiOperation({ summary: 'Verify the audit hash chain (GDPR Art. 5(2) accountability)' })
  @RequireScopes('audit:read')
  verify(@CommandCtx() ctx: CommandContext) {
    return this.verifyChain(ctx.now);
  }

  /**
   * The same verification, its progress streamed as it goes (the console's "verify now"): NDJSON,
   * `{"type":"progress","checked":n,"total":t}` when the total is known and after every page of
   * events compared, then `{"type":"report","report":…}` with what GET /audit/verify answers (or
   * `{"type":"error","message":…}` when the verification could not run to its end).
   */
  @Get('verify/progress')
  @ApiOperation({ summary: 'Verify the audit hash chain, streaming the events checked so far (NDJSON)' })
  @ApiTextResponse('application/x-ndjson', 'One JSON object per line: progress lines {type: progress, checked, total}, then {type: report, report} as GET /audit/verify answers, or {type: error, message}')
  @RequireScopes('audit:read')
  verifyWithProgress(@CommandCtx() ctx: CommandContext, @Res() reply: FastifyReply) {
    const out = new PassThrough();
    out.on('error', () => undefined); // the client went away: the verification still runs to its end
    const line = (o: object) => void (!out.destroyed && out.write(`${JSON.stringify(o)}\n`));
    reply.header('content-type', 'application/x-ndjson; charset=utf-8').header('cache-control', 'no-store').header('x-accel-buffering', 'no').send(out);
    this.verifyChain(ctx.now, (checked, total) => line({ type: 'progress', checked, total }))
      .then((report) => line({ type: 'report', report }))
      .catch((e: unknown) => {
        this.logger.error({ err: e }, 'audit verification failed to run');
        line({ type: 'error', message: 'the verification could not run to its end; see the service log' });
      })
      .finally(() => out.end());
  }

  private async verifyChain(now: Date, onProgress?: (checked: number, total: number) => void) {
    const report = await this.audit.verify(now, { onProgress });
    // pl_audit_verification_failed: the alert AuditChainVerificationFailed (deploy/prometheus/alerts.yml)
    this.metrics.auditVerificationFailed.set(report.ok ? 0 : 1);
    return report;
  }

  /** Every signed head with its RFC 3161 token: an auditor keeps this file and verifies against it later (`--heads`). */
  @Get('heads')
  @ApiOperation({ summary: 'Signed audit chain heads, as published (keep them to verify later)' })
  @RequireScopes('audit:read')
  heads() {
    return this.audit.heads();
  }

  /** Signs the current chain head now (periodic checkpoints are signed by the worker). */
  @Post('checkpoints')
  @ApiOperation({ summary: 'Sign the current audit chain head now' })
  @HttpCode(201)
  @RequireScopes('admin')
  checkpoint(@CommandCtx() ctx: CommandContext) {
    return this.bus.execute(new AppCommand('audit', 'checkpoint', [ctx.now]));
  }

  /** NDJSON: the log with chain links and a freshly signed head; check it with scripts/verify-audit-export.js. */
  @Get('export')
  @ApiOperation({ summary: 'Export the audit log as NDJSON with chain links and a signed head' })
  @ApiResponse({ status: 409, description: 'The chain no longer reproduces a signed head (run audit verify)' })
  @ApiTextResponse('application/x-ndjson', 'One JSON object per line: the events with their chain links, then the signed head')
  @RequireScopes('audit:read')
  async export(@Query() q: ExportQueryDto, @CommandCtx() ctx: CommandContext, @Res() reply: FastifyReply) {
    const body = Readable.from(await this.audit.export(q, ctx));
    reply
      .header('content-type', 'application/x-ndjson; charset=utf-8')
      .header('content-disposition', `attachment; filename="audit-export-${ctx.now.toISOString().replace(/[:.]/g, '-')}.ndjson"`)
      .send(body);
  }

  /** What the log records about one subject, pseudonymised, nothing decrypted: for access responses (Art. 15). */
  @Get('subjects/:user_id/history')
  @ApiOperation({ summary: 'What the audit log records about one subject, pseudonymised (GDPR Art. 15)' })
  @RequireScopes('audit:read', 'rights:manage')
  history(@Param('user_id') userId: string, @Query() q: AccessPurposeDto, @CommandCtx() ctx: CommandContext) {
    return this.audit.subjectHistory(userId, q, ctx);
  }
}
