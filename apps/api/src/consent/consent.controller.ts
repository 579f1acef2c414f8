import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { FastifyReply } from 'fastify';
import { ApiBody, ApiOkResponse, ApiOperation, ApiParam, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { CommandContext } from '@pl/application';
import { gpcReceived } from '@pl/application/consent';
import { invalid, isSubjectKey } from '@pl/domain';
import type { Infrastructure } from '../../../common/infrastructure';
import type { Metrics } from '../../../common/metrics';
import { AppCommand } from '../platform/app-command';
import type { AuthenticatedRequest } from '../platform/auth/api-key.guard';
import { RequireScopes } from '../platform/auth/require-scopes.decorator';
import { CommandCtx, commandContextOf } from '../platform/command-context.decorator';
import { INFRA, METRICS } from '../platform/tokens';
import { ConsentConflictsQuery, ConsentMetricsDto, ConsentMetricsQuery, RecordConsentDto, SignalConflictsDto, ValidateBatchDto, WithdrawConsentDto, parseBatchBody, withdrawInput } from './consent.dto';

type ValidateQuery = { user_id?: string; data_category?: string; processing_purpose?: string };

/** The consent ledger's routes; snake_case JSON as existing clients send it. */
@ApiTags('consent')
@Controller('consent')
export class ConsentController {
  constructor(
    private readonly bus: CommandBus,
    @Inject(INFRA) private readonly infra: Infrastructure,
    @Inject(METRICS) private readonly metrics: Metrics,
  ) {}

  /** pl_consent_checks_total: outcome and reason code only (a closed list), never who or what was asked. */
  private counted<A extends { processing_allowed: boolean; reason: string }>(answers: readonly A[]): void {
    // one increment per outcome and reason, not per check (prom-client hashes the labels on each)
    const counts = new Map<string, { outcome: string; reason: string; n: number }>();
    for (const a of answers) {
      const outcome = a.processing_allowed ? 'allowed' : 'denied';
      const k = `${outcome} ${a.reason}`;
      const c = counts.get(k);
      if (c) c.n += 1;
      else counts.set(k, { outcome, reason: a.reason, n: 1 });
    }
    for (const { outcome, reason, n } of counts.values()) this.metrics.consentChecks.inc({ outcome, reason }, n);
  }

  private get consents() {
    return this.infra.app.consent;
  }

  @Post('record')
  @ApiOperation({ summary: 'Record consent (GDPR Art. 7(1) proof)' })
  @ApiResponse({ status: 400, description: 'Invalid request body' })
  @ApiResponse({ status: 201, description: 'Recorded (or already recorded: a retry with the same consent_id records nothing twice)' })
  @ApiResponse({ status: 202, description: 'consent_status pending: not a consent, nothing recorded (`recorded: false`)' })
  @HttpCode(201)
  @RequireScopes('consent:write')
  async record(@Body() body: RecordConsentDto, @CommandCtx() ctx: CommandContext, @Req() req: AuthenticatedRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const r = await this.bus.execute(new AppCommand('consent', 'record', [body, ctx, { gpc: gpcReceived(req.headers) }]));
    if (r.recorded === false) void reply.status(202);
    return r;
  }

  @Post('withdraw')
  @ApiOperation({ summary: 'Withdraw consent (GDPR Art. 7(3))' })
  @ApiQuery({ name: 'user_id', required: false, description: "The earlier service's shape: the subject in the query string and the body a JSON array of categories (`[\"behavioral\"]`)" })
  @ApiBody({ type: WithdrawConsentDto, description: 'Or a JSON array of categories with user_id in the query string' })
  @ApiResponse({ status: 200, description: 'Withdrawn (withdrawing what is not given records nothing and says so)' })
  @ApiResponse({ status: 400, description: 'Invalid request body' })
  @HttpCode(200)
  @RequireScopes('consent:write')
  async withdraw(@Body() body: unknown, @Query('user_id') userId: unknown, @CommandCtx() ctx: CommandContext, @Req() req: AuthenticatedRequest) {
    const input = await withdrawInput(body, userId);
    return this.bus.execute(new AppCommand('consent', 'withdraw', [input, ctx, { gpc: gpcReceived(req.headers) }]));
  }

  /** The hot path: checked by hand (no DTO class) to keep per-call overhead low. */
  @Get('validate')
  @ApiOperation({ summary: 'Check whether processing is allowed for one subject, category and purpose (GDPR Art. 6(1)(a))' })
  @ApiQuery({ name: 'user_id', required: true, example: 'user-123' })
  @ApiQuery({ name: 'data_category', required: true, example: 'user.contact.email' })
  @ApiQuery({ name: 'processing_purpose', required: true, example: 'marketing.communications.email' })
  @ApiResponse({ status: 400, description: 'Missing or invalid query parameter' })
  @ApiResponse({ status: 503, description: 'The consent read model is stuck (named in details; a deny-by-default answer would be a guess)' })
  @ApiResponse({ status: 200, description: 'With `Sec-GPC: 1` the subject is opted out of sale/sharing first (recorded once, 11 CCR § 7025) and the answer carries `gpc`' })
  @RequireScopes('consent:read', 'consent:write')
  async validate(@Query() q: ValidateQuery, @Req() req: AuthenticatedRequest) {
    const one = (v: unknown) => (typeof v === 'string' ? v : undefined);
    const gpc = gpcReceived(req.headers);
    const answer = await this.consents.validate(one(q.user_id), one(q.data_category), one(q.processing_purpose), { gpc }, gpc ? commandContextOf(req) : undefined);
    this.counted([answer]);
    return answer;
  }

  @Post('validate/batch')
  @ApiOperation({ summary: 'Check up to 1,000 subject/category/purpose combinations at once' })
  @ApiResponse({ status: 400, description: 'Invalid checks' })
  @ApiResponse({ status: 200, description: 'With `Sec-GPC: 1` each distinct subject of the batch is opted out of sale/sharing first (recorded once, 11 CCR § 7025) and the answer carries `gpc`' })
  @HttpCode(200)
  @RequireScopes('consent:read', 'consent:write')
  @ApiBody({ type: ValidateBatchDto })
  async validateBatch(@Body() body: Record<string, unknown>, @Req() req: AuthenticatedRequest) {
    const parsed = parseBatchBody(body);
    if ('problem' in parsed) throw invalid(`request validation failed: ${parsed.problem}`, { field: 'checks' });
    const gpc = gpcReceived(req.headers);
    const answers = await this.consents.validateBatch(parsed.checks, { gpc }, gpc ? commandContextOf(req) : undefined);
    this.counted(answers.results);
    return answers;
  }

  /**
   * What the SDK's local mode needs to answer like validate for non-consent purposes: per current
   * processing activity, its categories and the lawful basis of each purpose. Nothing else of the
   * catalog (no controller or DPO contacts), so a service's consent key does not need `catalog:read`.
   */
  @Get('declared-bases')
  @ApiOperation({ summary: 'Lawful bases the catalog declares per purpose and category (for the SDK local mode)' })
  @RequireScopes('consent:read', 'consent:write')
  declaredBases() {
    return this.consents.declaredBases();
  }

  @Get('metrics')
  @ApiOperation({ summary: 'Grants, renewals, refusals, withdrawals, expiries and opt-outs (by signal) per UTC day or week and purpose (the console\'s Consent charts)' })
  @ApiOkResponse({ type: ConsentMetricsDto })
  @ApiResponse({ status: 400, description: 'from or to missing or not a date, from after to, or a range longer than 366 days by day (1,096 by week)' })
  @RequireScopes('consent:read', 'consent:write')
  counts(@Query() q: ConsentMetricsQuery) {
    return this.consents.metrics(q.from, q.to, q.bucket ?? 'day');
  }

  @Get('conflicts')
  @ApiOperation({ summary: 'Standing conflicts between opt-out signals (GPC, GPP, US Privacy) and recorded consents, by pseudonymous subject key, newest first' })
  @ApiOkResponse({ type: SignalConflictsDto })
  @ApiResponse({ status: 400, description: 'an unknown kind, a limit outside 1-500 or a bad after' })
  @RequireScopes('consent:read', 'consent:write')
  conflicts(@Query() q: ConsentConflictsQuery) {
    return this.consents.conflicts({ kind: q.kind, limit: q.limit ?? 100, after: q.after });
  }

  @Get('subjects/:subject_key')
  @ApiOperation({ summary: 'Current consent state of a subject by its pseudonymous key (as GET /consent/{user_id}, without the user id)' })
  @ApiParam({ name: 'subject_key', example: 'sub_0123456789abcdefghijklmnopqrstuv' })
  @ApiResponse({ status: 400, description: 'not a subject key sub_...' })
  @RequireScopes('consent:read', 'consent:write')
  subject(@Param('subject_key') subjectKey: string) {
    if (!isSubjectKey(subjectKey)) throw invalid('subject_key must be a pseudonymous key sub_...', { field: 'subject_key' });
    return this.consents.stateByKey(subjectKey);
  }

  @Get(':user_id/history')
  @ApiOperation({ summary: 'Consent history of a subject (GDPR Art. 7(1) proof; access is recorded, Art. 5(2))' })
  @ApiParam({ name: 'user_id', example: 'user-123' })
  @RequireScopes('consent:read', 'consent:read-pii')
  history(@Param('user_id') userId: string, @Req() req: AuthenticatedRequest, @CommandCtx() ctx: CommandContext) {
    const scopes = req.principal?.scopes;
    return this.consents.history(userId, !!scopes && (scopes.has('consent:read-pii') || scopes.has('admin')), ctx);
  }

  @Get(':user_id')
  @ApiOperation({ summary: 'Current consent state of a subject' })
  @ApiParam({ name: 'user_id', example: 'user-123' })
  @RequireScopes('consent:read', 'consent:write')
  state(@Param('user_id') userId: string) {
    return this.consents.state(userId);
  }
}
