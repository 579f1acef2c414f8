import { BadRequestException, Body, Controller, Get, HttpCode, Inject, Param, ParseUUIDPipe, Post, Query, Res } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiProduces, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiTextResponse } from '../openapi/decorators';
import type { FastifyReply } from 'fastify';
import { CommandBus } from '@nestjs/cqrs';
import type { CommandContext } from '@pl/application';
import { RequestRateLimitedError } from '@pl/application/rights';
import type { RightsCommand } from '@pl/domain/rights';
import { DEADLINE_ALERTS } from '@pl/domain/law/deadlines';
import { findCalendar } from '@pl/domain/law/holidays';
import { dueSoonCount, listRequests, openCount, openTasks, overdueCount, requestTimeline, type RequestRow } from '@pl/projections/rights';
import type { Infrastructure } from '../../../common/infrastructure';
import { RequireScopes } from '../platform/auth/require-scopes.decorator';
import { CommandCtx } from '../platform/command-context.decorator';
import { RateLimitedException, retryAfterSeconds } from '../platform/rate-limit/rate-limit';
import { INFRA } from '../platform/tokens';
import { AppCommand } from '../platform/app-command';
import { subjectBody } from '../platform/http/query-subject';
import { CcpaMetricsDto, CcpaMetricsQuery, CreateRequestDto, ErasureDto, ExportQuery, GroundsDto, JurisdictionQuery, ListQuery, OpenTasksQuery, ReasonDto, RejectDto, TaskResultDto, VerifyDto } from './rights.dto';

const uuid = new ParseUUIDPipe();
/** The decider's due-soon alert window (pl_rights_requests_due_soon counts the same). */
const DUE_SOON_MS = DEADLINE_ALERTS.due_soon_days * 86_400_000;

/** Data-subject requests: create, verify, extend, reject, per-system results, status with tasks, access report and export. */
@ApiTags('data-subject requests')
@Controller('data-subject/requests')
@RequireScopes('rights:manage')
export class RightsController {
  constructor(
    private readonly commands: CommandBus,
    @Inject(INFRA) private readonly infra: Infrastructure,
  ) {}

  private get rights() {
    return this.infra.app.rights;
  }

  /** One request command through the CommandBus, answered with the request's status. */
  private async run(id: string, command: RightsCommand, ctx: CommandContext) {
    await this.commands.execute(new AppCommand('rights', 'execute', [id, command, ctx]));
    return this.rights.status(id, ctx.now);
  }

  @Post()
  @ApiOperation({ summary: 'Receive a data subject request (GDPR Art. 12, 15-22; CCPA 1798.100-125)' })
  @ApiResponse({ status: 429, description: 'Too many requests from this caller or for this subject (Retry-After)' })
  async create(@Body() b: CreateRequestDto, @CommandCtx() ctx: CommandContext) {
    const id = await rateLimited(this.commands, 'create', [
      {
        userId: b.user_id,
        requestType: b.request_type,
        jurisdiction: b.jurisdiction,
        channel: b.channel ?? 'api',
        authorisedAgent: b.authorised_agent ?? null,
        isAccountHolder: b.is_account_holder ?? false,
        accessScope: b.access_scope ?? null,
        dataCategories: b.data_categories ?? null,
        objection: b.objection ?? null,
        corrections: b.corrections ?? null,
        establishment: b.establishment ? { country: b.establishment.country, region: b.establishment.region ?? null } : null,
      },
      ctx,
    ]);
    return this.rights.status(id, ctx.now);
  }

  @Get()
  @ApiOperation({ summary: 'List data subject requests by due date, filtered, a page at a time (GDPR Art. 12(3); CCPA 1798.130)' })
  async list(@Query() q: ListQuery) {
    const limit = q.limit ?? 100;
    const rows = await listRequests(this.infra.db, {
      now: new Date(),
      status: q.status,
      overdue: q.overdue === undefined ? undefined : q.overdue === 'true',
      open: q.open === undefined ? undefined : q.open === 'true',
      dueWithinMs: q.due_soon === 'true' ? DUE_SOON_MS : undefined,
      requestType: q.request_type,
      jurisdiction: q.jurisdiction,
      after: q.after === undefined ? undefined : pageAfter(q.after),
      limit,
    });
    const last = rows.length === limit ? rows[rows.length - 1] : null;
    return { requests: rows.map(withDeadlineZone), next: last ? Buffer.from(JSON.stringify([last.due_at, last.request_id])).toString('base64url') : null };
  }

  /** The numbers of the console's Today screen; the same rules as the pl_rights_requests_* gauges. */
  @Get('counts')
  @ApiOperation({ summary: 'Open, overdue and due-soon requests (due within the alert window)' })
  async counts() {
    const now = new Date();
    const [open, overdue, dueSoon] = await Promise.all([
      openCount(this.infra.db),
      overdueCount(this.infra.db, now),
      dueSoonCount(this.infra.db, now, DUE_SOON_MS),
    ]);
    return { open, overdue, due_soon: dueSoon, due_soon_days: DEADLINE_ALERTS.due_soon_days };
  }

  @Get('metrics/ccpa')
  @ApiOperation({ summary: 'CCPA request metrics of a calendar year (11 CCR § 7102): received, complied with, denied, median and mean days, per request type; JSON or CSV' })
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({ type: CcpaMetricsDto, description: 'JSON; with format=csv a text/csv table of `rows` (header: metric,request_type,received,complied_in_whole_or_in_part,denied,pending,median_days,mean_days)' })
  @ApiResponse({ status: 400, description: 'year missing or outside 2020-2100, or an unknown format' })
  async ccpaMetrics(@Query() q: CcpaMetricsQuery, @Res({ passthrough: true }) reply: FastifyReply) {
    return exported(reply, await this.rights.ccpaMetrics(q.year, q.format ?? 'json'));
  }

  @Get(':id')
  @ApiOperation({ summary: 'One data subject request with its tasks and deadline' })
  async status(@Param('id', uuid) id: string) {
    return withDeadlineZone(await this.rights.status(id));
  }

  @Get(':id/timeline')
  @ApiOperation({ summary: "A request's history from the log: each fact's type, time and actor" })
  async timeline(@Param('id', uuid) id: string) {
    await this.rights.status(id);
    return { timeline: await requestTimeline(this.infra.db, id) };
  }

  @Post(':id/verify')
  @ApiOperation({ summary: 'Record identity verification of the requester (GDPR Art. 12(6); CCPA Regs. 7060-7062); its effects and tasks follow from the recorded verification' })
  @HttpCode(200)
  verify(@Param('id', uuid) id: string, @Body() b: VerifyDto, @CommandCtx() ctx: CommandContext) {
    const evidence = { method: b.method, dataPointsMatched: b.data_points_matched, signedDeclaration: b.signed_declaration, agentPermissionVerified: b.agent_permission_verified };
    return this.run(id, { type: 'VerifyIdentity', evidence, now: ctx.now }, ctx);
  }

  @Post(':id/identity-info')
  @ApiOperation({ summary: 'Ask the requester for more identity information (GDPR Art. 12(6))' })
  @HttpCode(200)
  identityInfo(@Param('id', uuid) id: string, @Body() b: ReasonDto, @CommandCtx() ctx: CommandContext) {
    return this.run(id, { type: 'RequestIdentityInfo', reason: b.reason, now: ctx.now }, ctx);
  }

  @Post(':id/confirm-receipt')
  @ApiOperation({ summary: 'Confirm receipt of a request to the requester (CCPA Regs. 7021: 10 business days)' })
  @HttpCode(200)
  confirm(@Param('id', uuid) id: string, @CommandCtx() ctx: CommandContext) {
    return this.run(id, { type: 'ConfirmReceipt', now: ctx.now }, ctx);
  }

  @Post(':id/extend')
  @ApiOperation({ summary: 'Extend the deadline with a reason (GDPR Art. 12(3); CCPA 1798.130)' })
  @HttpCode(200)
  extend(@Param('id', uuid) id: string, @Body() b: ReasonDto, @CommandCtx() ctx: CommandContext) {
    return this.run(id, { type: 'ExtendDeadline', reason: b.reason, now: ctx.now }, ctx);
  }

  @Post(':id/reject')
  @ApiOperation({ summary: 'Reject a request with the reason (GDPR Art. 12(4)-(5))' })
  @HttpCode(200)
  reject(@Param('id', uuid) id: string, @Body() b: RejectDto, @CommandCtx() ctx: CommandContext) {
    return this.run(id, { type: 'RejectRequest', reason: b.reason, explanation: b.explanation, now: ctx.now }, ctx);
  }

  @Post(':id/complete')
  @ApiOperation({ summary: 'Complete a request once its tasks are done' })
  @HttpCode(200)
  complete(@Param('id', uuid) id: string, @CommandCtx() ctx: CommandContext) {
    return this.run(id, { type: 'CompleteRequest', now: ctx.now }, ctx);
  }

  @Post(':id/tasks/:task_id/result')
  @ApiOperation({ summary: 'Report the result of a system task (erasure, access, rectification, ...)' })
  @HttpCode(200)
  async result(@Param('id', uuid) id: string, @Param('task_id', uuid) taskId: string, @Body() b: TaskResultDto, @CommandCtx() ctx: CommandContext) {
    await this.commands.execute(new AppCommand('rights', 'recordTaskResult', [id, taskId, { outcome: b.outcome, recordsAffected: b.records_affected, reason: b.reason, retained: b.retained, data: b.data }, ctx]));
    return this.rights.status(id, ctx.now);
  }

  /** A system fetches the corrected values of its rectification task (recorded as a release). */
  @Get(':id/tasks/:task_id/corrections')
  @ApiOperation({ summary: 'Corrected values for a rectification task (GDPR Art. 16; release is recorded)' })
  @ApiResponse({ status: 422, description: 'The request is not verified or the task is not a rectification' })
  corrections(@Param('id', uuid) id: string, @Param('task_id', uuid) taskId: string, @CommandCtx() ctx: CommandContext) {
    return this.commands.execute(new AppCommand('rights', 'correctionsForTask', [id, taskId, ctx]));
  }

  @Post(':id/restriction/notify-lift')
  @ApiOperation({ summary: 'Inform the subject before a restriction is lifted (GDPR Art. 18(3))' })
  @HttpCode(200)
  notifyLift(@Param('id', uuid) id: string, @Body() b: ReasonDto, @CommandCtx() ctx: CommandContext) {
    return this.run(id, { type: 'NotifyRestrictionLift', reason: b.reason, now: ctx.now }, ctx);
  }

  @Post(':id/restriction/lift')
  @ApiOperation({ summary: 'Lift a restriction of processing (GDPR Art. 18); the consent ledger follows from the recorded lifting' })
  @HttpCode(200)
  lift(@Param('id', uuid) id: string, @CommandCtx() ctx: CommandContext) {
    return this.run(id, { type: 'LiftRestriction', now: ctx.now }, ctx);
  }

  @Post(':id/objection/override')
  @ApiOperation({ summary: 'Record compelling legitimate grounds overriding an objection (GDPR Art. 21(1))' })
  @HttpCode(200)
  override(@Param('id', uuid) id: string, @Body() b: GroundsDto, @CommandCtx() ctx: CommandContext) {
    return this.run(id, { type: 'OverrideObjection', grounds: b.grounds, now: ctx.now }, ctx);
  }

  @Get(':id/report')
  @ApiOperation({ summary: 'Report for the requester (GDPR Art. 15; CCPA 1798.110)' })
  @ApiResponse({ status: 422, description: 'The request is not verified (an unverified request never releases data) or not an access request' })
  report(@Param('id', uuid) id: string, @Query() q: JurisdictionQuery, @CommandCtx() ctx: CommandContext) {
    return this.commands.execute(new AppCommand('rights', 'access', [id, ctx, q.full_history === 'true']));
  }

  @Get(':id/export')
  @ApiOperation({ summary: 'Portable export of an access request, JSON or CSV (GDPR Art. 20; CCPA 1798.130(a)(2))' })
  @ApiTextResponse('text/csv', 'The export as JSON, or with format=csv as CSV')
  @ApiResponse({ status: 422, description: 'The request is not verified (an unverified request never releases data) or not an access request' })
  async export(@Param('id', uuid) id: string, @Query() q: ExportQuery, @CommandCtx() ctx: CommandContext, @Res({ passthrough: true }) reply: FastifyReply) {
    return exported(reply, await this.commands.execute(new AppCommand('rights', 'portability', [id, q.format ?? 'json', ctx])));
  }
}

/** Open per-system tasks, e.g. the manual ones staff must carry out for systems without an integration. */
@ApiTags('data-subject requests')
@Controller('data-subject/tasks')
@RequireScopes('rights:manage')
export class RightsTasksController {
  constructor(@Inject(INFRA) private readonly infra: Infrastructure) {}

  @Get()
  @ApiOperation({ summary: 'Open tasks of the data subject requests, per integration or system' })
  async open(@Query() q: OpenTasksQuery) {
    return { tasks: await openTasks(this.infra.db, { integration: q.integration, systemId: q.system_id, limit: q.limit }) };
  }
}

/** The routes existing clients call, keyed by their user id; the caller has authenticated its user. */
@ApiTags('data-subject')
@Controller('data-subject')
@RequireScopes('rights:manage')
export class DataSubjectController {
  constructor(private readonly commands: CommandBus) {}

  @Get('access/:user_id')
  @ApiOperation({ summary: 'What is held about a subject (GDPR Art. 15; CCPA 1798.110)' })
  @ApiResponse({ status: 429, description: 'Too many requests from this caller or for this subject (Retry-After)' })
  access(@Param('user_id') userId: string, @Query() q: JurisdictionQuery, @CommandCtx() ctx: CommandContext) {
    return rateLimited(this.commands, 'subjectAccess', [userId, q.jurisdiction ?? 'GDPR', ctx, q.full_history === 'true']);
  }

  @Post('erasure')
  @ApiOperation({ summary: "Erase a subject's data (GDPR Art. 17; CCPA 1798.105): the analysis at once, the results to follow" })
  @ApiQuery({ name: 'user_id', required: false, description: "The earlier service's shape: the subject in the query string and the body, if any, a JSON array of categories" })
  @ApiBody({ type: ErasureDto, required: false, description: 'Or a JSON array of categories (or no body: every category) with user_id in the query string' })
  @HttpCode(202)
  @ApiResponse({ status: 429, description: 'Too many requests from this caller or for this subject (Retry-After)' })
  async erasure(@Body() body: unknown, @Query('user_id') userId: unknown, @CommandCtx() ctx: CommandContext) {
    const b = await subjectBody(ErasureDto, body, userId, 'data_categories');
    return rateLimited(this.commands, 'subjectErasure', [b.user_id, b.jurisdiction ?? 'GDPR', b.data_categories ?? null, ctx]);
  }

  @Get('portability/:user_id')
  @ApiOperation({ summary: "Portable copy of a subject's data, JSON or CSV (GDPR Art. 20; CCPA 1798.130)" })
  @ApiTextResponse('text/csv', 'The copy as JSON, or with format=csv as CSV')
  @ApiResponse({ status: 429, description: 'Too many requests from this caller or for this subject (Retry-After)' })
  async portability(@Param('user_id') userId: string, @Query() q: ExportQuery, @CommandCtx() ctx: CommandContext, @Res({ passthrough: true }) reply: FastifyReply) {
    return exported(reply, await rateLimited(this.commands, 'subjectPortability', [userId, q.format ?? 'json', ctx]));
  }
}

/** Creates (or finds) a request through the CommandBus; 429 with Retry-After when the caller or the subject made too many. */
async function rateLimited<U extends 'create' | 'subjectAccess' | 'subjectErasure' | 'subjectPortability'>(commands: CommandBus, useCase: U, args: AppCommand<'rights', U>['args']) {
  try {
    return await commands.execute(new AppCommand<'rights', U>('rights', useCase, args));
  } catch (e) {
    if (e instanceof RequestRateLimitedError) throw new RateLimitedException(retryAfterSeconds(e.retryAfterMs), e.message);
    throw e;
  }
}

/** The IANA zone whose calendar days the legal deadline counts in (the request's holiday calendar). */
function withDeadlineZone<R extends RequestRow>(r: R): R & { deadline_timezone: string | null } {
  return { ...r, deadline_timezone: r.calendar ? (findCalendar(r.calendar)?.timezone ?? null) : null };
}

function pageAfter(after: string): { dueAt: string; requestId: string } {
  try {
    const [dueAt, requestId] = JSON.parse(Buffer.from(after, 'base64url').toString('utf8')) as unknown[];
    if (typeof dueAt === 'string' && typeof requestId === 'string' && !Number.isNaN(Date.parse(dueAt))) return { dueAt, requestId };
  } catch {
    /* refused below */
  }
  throw new BadRequestException('after must be the next value of a previous page');
}

function exported<T extends object>(reply: FastifyReply, r: { csv: string } | T): string | Exclude<T, { csv: string }> {
  if ('csv' in r) {
    void reply.header('content-type', 'text/csv; charset=utf-8');
    return r.csv;
  }
  return r as Exclude<T, { csv: string }>;
}
