import { Readable } from 'node:stream';
import { Controller, Get, HttpCode, Inject, Param, Post, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { CommandContext } from '@pl/application';
import { auditSignerFor, latestSignedHead, publishedHead, recordPersonalDataAccess, signedHeads } from '@pl/audit';
import { invalid } from '@pl/domain';
import { chainHead, exportAuditLog, signCurrentHead, subjectHistory, verifyChain, type ExportFilter } from '@pl/projections/audit_chain';
import { auditHeadPolicy } from '../../../common/audit-policy';
import type { Infrastructure } from '../../../common/infrastructure';
import { Public, RequireScopes } from '../platform/auth/require-scopes.decorator';
import { CommandCtx } from '../platform/command-context.decorator';
import { INFRA } from '../platform/tokens';
import { AccessPurposeDto, ExportQueryDto } from './audit.dto';

/**
 * Tamper evidence (ARCHITECTURE invariant 9) for regulators and auditors. `audit:read` is the
 * auditor's scope: every route it opens only reads (exports record the access itself, Art. 5(2)).
 */
@ApiTags('audit')
@Controller('audit')
export class AuditController {
  constructor(@Inject(INFRA) private readonly infra: Infrastructure) {}

  private get signer() {
    return auditSignerFor(this.infra.config);
  }

  /** The Ed25519 key that signs chain heads; give it to auditors out of band. */
  @Get('public-key')
  @ApiOperation({ summary: 'Public Ed25519 key that signs audit chain heads' })
  @Public()
  publicKey() {
    return { algorithm: 'Ed25519', key_id: this.signer.keyId, public_key_pem: this.signer.publicKeyPem };
  }

  @Get('head')
  @ApiOperation({ summary: 'Current head of the audit hash chain' })
  @RequireScopes('audit:read')
  async head() {
    return { head: await chainHead(this.infra.db), latest_signed: await latestSignedHead(this.infra.db) };
  }

  /** Recomputes the chain from the log and names the first broken position. */
  @Get('verify')
  @ApiOperation({ summary: 'Verify the audit hash chain (GDPR Art. 5(2) accountability)' })
  @RequireScopes('audit:read')
  async verify(@CommandCtx() ctx: CommandContext) {
    return verifyChain(this.infra.db, this.infra.store, { publicKeyPem: this.signer.publicKeyPem, ...auditHeadPolicy(this.infra.config), now: ctx.now });
  }

  /** Every signed head with its RFC 3161 token: an auditor keeps this file and verifies against it later (`--heads`). */
  @Get('heads')
  @ApiOperation({ summary: 'Signed audit chain heads, as published (keep them to verify later)' })
  @RequireScopes('audit:read')
  async heads() {
    const mine = (await signedHeads(this.infra.db)).filter((h) => h.key_id === this.signer.keyId);
    return { key_id: this.signer.keyId, public_key: this.signer.publicKeyPem, heads: mine.map(publishedHead) };
  }

  /** Signs the current chain head now (periodic checkpoints are signed by the worker). */
  @Post('checkpoints')
  @ApiOperation({ summary: 'Sign the current audit chain head now' })
  @HttpCode(201)
  @RequireScopes('admin')
  async checkpoint(@CommandCtx() ctx: CommandContext) {
    return { signed: await signCurrentHead(this.infra.db, this.signer, ctx.now, auditHeadPolicy(this.infra.config)) };
  }

  /** NDJSON: the log with chain links and a freshly signed head; check it with scripts/verify-audit-export.js. */
  @Get('export')
  @ApiOperation({ summary: 'Export the audit log as NDJSON with chain links and a signed head' })
  @RequireScopes('audit:read')
  async export(@Query() q: ExportQueryDto, @CommandCtx() ctx: CommandContext, @Res() reply: FastifyReply) {
    if (q.subject_key && q.user_id) throw invalid('give subject_key or user_id, not both');
    const subjectKey = q.subject_key ?? (q.user_id ? this.infra.pseudonymizer.subject(q.user_id) : undefined);
    const filter: ExportFilter = { subjectKey, from: q.from ? new Date(q.from) : undefined, to: q.to ? new Date(q.to) : undefined, context: q.context };
    if (filter.from && filter.to && filter.from >= filter.to) throw invalid('from must be before to');
    // the signed head is stored at most once per AUDIT_EXPORT_HEAD_MIN_INTERVAL_MS; the access event is recorded on every export
    const signing = { minStoreIntervalMs: this.infra.config.auditExportHeadMinIntervalMs, ...auditHeadPolicy(this.infra.config) };
    const lines = exportAuditLog(this.infra.db, this.infra.store, this.signer, filter, ctx.now, undefined, signing);
    // the first line comes after the head is signed: a refusal (409) is answered before any byte is sent
    const first = await lines.next();
    await recordPersonalDataAccess(this.infra, ctx, { subjectKey: subjectKey ?? null, what: 'audit.export', purpose: q.purpose ?? 'audit', requestId: q.request_id });
    const body = Readable.from((async function* () {
      if (!first.done) yield `${first.value}\n`;
      for await (const line of lines) yield `${line}\n`;
    })());
    reply
      .header('content-type', 'application/x-ndjson; charset=utf-8')
      .header('content-disposition', `attachment; filename="audit-export-${ctx.now.toISOString().replace(/[:.]/g, '-')}.ndjson"`)
      .send(body);
  }

  /** What the log records about one subject, pseudonymised, nothing decrypted: for access responses (Art. 15). */
  @Get('subjects/:user_id/history')
  @ApiOperation({ summary: 'What the audit log records about one subject, pseudonymised (GDPR Art. 15)' })
  @RequireScopes('audit:read', 'rights:manage')
  async history(@Param('user_id') userId: string, @Query() q: AccessPurposeDto, @CommandCtx() ctx: CommandContext) {
    if (!userId || userId.length > 256) throw invalid('user_id must be 1 to 256 characters');
    const subjectKey = this.infra.pseudonymizer.subject(userId);
    await recordPersonalDataAccess(this.infra, ctx, { subjectKey, what: 'audit.subject_history', purpose: q.purpose ?? 'access_request', requestId: q.request_id });
    const { entries, truncated } = await subjectHistory(this.infra.store, subjectKey, 10_000, this.infra.db);
    return { subject: subjectKey, events: entries, truncated };
  }
}
