import { Body, Controller, Get, HttpCode, Inject, Param, ParseUUIDPipe, Post, Query, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiTextResponse } from '../openapi/decorators';
import type { FastifyReply } from 'fastify';
import type { CommandContext } from '@pl/application';
import { draftsText } from '@pl/application/breach';
import type { Infrastructure } from '../../../common/infrastructure';
import { AppCommand } from '../platform/app-command';
import { RequireScopes } from '../platform/auth/require-scopes.decorator';
import { CommandCtx } from '../platform/command-context.decorator';
import { INFRA } from '../platform/tokens';
import {
  AssessBreachDto,
  AttorneyGeneralDto,
  CloseBreachDto,
  DetectBreachDto,
  DraftsQuery,
  ListBreachesQuery,
  NotifyAuthorityDto,
  NotifySubjectsDto,
  ReopenBreachDto,
  ScopeDto,
  SubjectExemptionDto,
} from './breach.dto';

const uuid = new ParseUUIDPipe();

/**
 * Breach management: record, assess, scope, notify, close; the register with the time left on each
 * clock. Routes only: the use cases are `infra.app.breach` (libs/application/src/breach).
 */
@ApiTags('breaches')
@Controller('breaches')
@RequireScopes('breach:manage')
export class BreachController {
  constructor(
    private readonly bus: CommandBus,
    @Inject(INFRA) private readonly infra: Infrastructure,
  ) {}

  private get breaches() {
    return this.infra.app.breach;
  }

  @Post()
  @ApiOperation({ summary: 'Record a detected personal data breach (GDPR Art. 33(5))' })
  detect(@Body() body: DetectBreachDto, @CommandCtx() ctx: CommandContext) {
    return this.bus.execute(new AppCommand('breach', 'detect', [body, ctx]));
  }

  @Get()
  @ApiOperation({ summary: 'Breach register with the time left on each notification clock' })
  list(@Query() q: ListBreachesQuery) {
    return this.breaches.list(q);
  }

  /** The register as CSV (Art. 33(5) documentation, for an authority). */
  @Get('register.csv')
  @ApiOperation({ summary: 'Breach register as CSV (GDPR Art. 33(5) documentation)' })
  @ApiTextResponse('text/csv', 'The register, one row per breach')
  csv(@Res({ passthrough: true }) reply: FastifyReply) {
    void reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="breach-register.csv"');
    return this.breaches.csv();
  }

  @Get(':id')
  @ApiOperation({ summary: 'One breach with its clocks and history' })
  get(@Param('id', uuid) id: string) {
    return this.breaches.get(id);
  }

  @Post(':id/scope')
  @ApiOperation({ summary: 'Scope a breach (categories, systems, subjects affected)' })
  @HttpCode(200)
  scope(@Param('id', uuid) id: string, @Body() body: ScopeDto) {
    return this.breaches.scope(id, body);
  }

  @Post(':id/assessment')
  @ApiOperation({ summary: 'Assess the risk of a breach (GDPR Art. 33(1), 34(1))' })
  @HttpCode(200)
  assess(@Param('id', uuid) id: string, @Body() body: AssessBreachDto, @CommandCtx() ctx: CommandContext) {
    return this.bus.execute(new AppCommand('breach', 'assess', [id, body, ctx]));
  }

  @Post(':id/authority-notifications')
  @ApiOperation({ summary: 'Record a notification to the supervisory authority (GDPR Art. 33, 72 hours)' })
  notifyAuthority(@Param('id', uuid) id: string, @Body() body: NotifyAuthorityDto, @CommandCtx() ctx: CommandContext) {
    return this.bus.execute(new AppCommand('breach', 'notifyAuthority', [id, body, ctx]));
  }

  @Post(':id/subject-notifications')
  @ApiOperation({ summary: 'Record notification of the data subjects (GDPR Art. 34; Cal. Civ. Code 1798.82)' })
  notifySubjects(@Param('id', uuid) id: string, @Body() body: NotifySubjectsDto, @CommandCtx() ctx: CommandContext) {
    return this.bus.execute(new AppCommand('breach', 'notifySubjects', [id, body, ctx]));
  }

  @Post(':id/subject-exemption')
  @ApiOperation({ summary: 'Record an exemption from notifying subjects (GDPR Art. 34(3))' })
  exemption(@Param('id', uuid) id: string, @Body() body: SubjectExemptionDto, @CommandCtx() ctx: CommandContext) {
    return this.bus.execute(new AppCommand('breach', 'recordExemption', [id, body, ctx]));
  }

  @Post(':id/attorney-general-notification')
  @ApiOperation({ summary: 'Record notification of the California Attorney General (Cal. Civ. Code 1798.82(f))' })
  attorneyGeneral(@Param('id', uuid) id: string, @Body() body: AttorneyGeneralDto, @CommandCtx() ctx: CommandContext) {
    return this.bus.execute(new AppCommand('breach', 'notifyAttorneyGeneral', [id, body, ctx]));
  }

  @Post(':id/close')
  @ApiOperation({ summary: 'Close a breach' })
  @HttpCode(200)
  close(@Param('id', uuid) id: string, @Body() body: CloseBreachDto, @CommandCtx() ctx: CommandContext) {
    return this.bus.execute(new AppCommand('breach', 'close', [id, body, ctx]));
  }

  @Post(':id/reopen')
  @ApiOperation({ summary: 'Reopen a closed breach' })
  @HttpCode(200)
  reopen(@Param('id', uuid) id: string, @Body() body: ReopenBreachDto, @CommandCtx() ctx: CommandContext) {
    return this.bus.execute(new AppCommand('breach', 'reopen', [id, body, ctx]));
  }

  @Get(':id/drafts')
  @ApiTextResponse('text/plain', 'The drafts as JSON, or with format=text as plain text')
  @ApiOperation({ summary: 'Draft notification texts for authority and subjects' })
  async drafts(@Param('id', uuid) id: string, @Query() q: DraftsQuery, @Res({ passthrough: true }) reply: FastifyReply) {
    const drafts = await this.breaches.drafts(id, q.controller);
    if (q.format !== 'text') return drafts;
    void reply.header('content-type', 'text/plain; charset=utf-8');
    return draftsText(drafts);
  }
}
