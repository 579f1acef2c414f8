import { Body, Controller, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { ApiBody, ApiTags } from '@nestjs/swagger';
import type { CommandContext } from '@pl/application';
import type { AuthenticatedRequest } from '../platform/auth/api-key.guard';
import { RequireScopes } from '../platform/auth/require-scopes.decorator';
import { CommandCtx } from '../platform/command-context.decorator';
import { invalid } from '@pl/domain';
import { RecordConsentDto, ValidateBatchDto, WithdrawConsentDto, parseBatchBody } from './consent.dto';
import { ConsentService } from './consent.service';

type ValidateQuery = { user_id?: string; data_category?: string; processing_purpose?: string };

/** The consent ledger's routes; snake_case JSON as existing clients send it. */
@ApiTags('consent')
@Controller('consent')
export class ConsentController {
  constructor(private readonly consents: ConsentService) {}

  @Post('record')
  @HttpCode(201)
  @RequireScopes('consent:write')
  record(@Body() body: RecordConsentDto, @CommandCtx() ctx: CommandContext, @Req() req: AuthenticatedRequest) {
    return this.consents.record(body, ctx, req.headers);
  }

  @Post('withdraw')
  @HttpCode(200)
  @RequireScopes('consent:write')
  withdraw(@Body() body: WithdrawConsentDto, @CommandCtx() ctx: CommandContext, @Req() req: AuthenticatedRequest) {
    return this.consents.withdraw(body, ctx, req.headers);
  }

  /** The hot path: checked by hand (no DTO class) to keep per-call overhead low. */
  @Get('validate')
  @RequireScopes('consent:read', 'consent:write')
  validate(@Query() q: ValidateQuery) {
    const one = (v: unknown) => (typeof v === 'string' ? v : undefined);
    return this.consents.validate(one(q.user_id), one(q.data_category), one(q.processing_purpose));
  }

  @Post('validate/batch')
  @HttpCode(200)
  @RequireScopes('consent:read', 'consent:write')
  @ApiBody({ type: ValidateBatchDto })
  validateBatch(@Body() body: Record<string, unknown>) {
    const parsed = parseBatchBody(body);
    if ('problem' in parsed) throw invalid(`request validation failed: ${parsed.problem}`, { field: 'checks' });
    return this.consents.validateBatch(parsed.checks);
  }

  @Get(':user_id/history')
  @RequireScopes('consent:read', 'consent:read-pii')
  history(@Param('user_id') userId: string, @Req() req: AuthenticatedRequest, @CommandCtx() ctx: CommandContext) {
    const scopes = req.principal?.scopes;
    return this.consents.history(userId, !!scopes && (scopes.has('consent:read-pii') || scopes.has('admin')), ctx);
  }

  @Get(':user_id')
  @RequireScopes('consent:read', 'consent:write')
  state(@Param('user_id') userId: string) {
    return this.consents.state(userId);
  }
}
