import { Body, Controller, Get, Inject, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { CommandContext } from '@pl/application';
import { dataMapFields } from '@pl/application/catalog';
import { processingLogOf } from '@pl/application/intake';
import { comparePositions, invalid, positionToString } from '@pl/domain';
import { currentActivities } from '@pl/projections/catalog';
import { DATA_MAP_PROJECTION, dataMap } from '@pl/projections/data_map';
import type { Infrastructure } from '../../../common/infrastructure';
import { RequireScopes } from '../platform/auth/require-scopes.decorator';
import { CommandCtx } from '../platform/command-context.decorator';
import { INFRA } from '../platform/tokens';
import { AppCommand } from '../platform/app-command';
import { settle } from './catalog.controller';
import { ReceiptBatchDto, ReceiptDto } from './catalog.dto';

/** Processing receipts from services and the per-subject data map. User ids are pseudonymised before anything is stored. */
@ApiTags('privacy')
@Controller('privacy')
export class PrivacyController {
  constructor(
    private readonly bus: CommandBus,
    @Inject(INFRA) private readonly infra: Infrastructure,
  ) {}

  private async record(receipts: ReceiptDto[], ctx: CommandContext) {
    const batch = receipts.map((r) => ({
      subject_key: this.infra.pseudonymizer.subject(r.user_id),
      receipt: { receipt_id: r.receipt_id, system_id: r.system_id, category: r.data_category, purpose: r.processing_purpose, stored_at: r.stored_at },
    }));
    const results = await this.bus.execute(new AppCommand('catalog', 'recordReceipts', [batch, ctx]));
    const last = results.map((r) => r.position).sort(comparePositions).pop() ?? null;
    await settle(this.infra, DATA_MAP_PROJECTION, last);
    return results.map((r, i) => ({
      receipt_id: r.receipt_id,
      user_id: receipts[i].user_id,
      system_id: r.system_id,
      data_category: r.category,
      processing_purpose: r.purpose,
      stored_at: r.stored_at,
      position: positionToString(r.position),
    }));
  }

  @Post('receipts')
  @ApiOperation({ summary: 'Record a processing receipt from a service (data map)' })
  @RequireScopes('receipts:write')
  async receipt(@Body() b: ReceiptDto, @CommandCtx() ctx: CommandContext) {
    return (await this.record([b], ctx))[0];
  }

  @Post('receipts/batch')
  @ApiOperation({ summary: 'Record up to 1,000 processing receipts' })
  @RequireScopes('receipts:write')
  async batch(@Body() b: ReceiptBatchDto, @CommandCtx() ctx: CommandContext) {
    return { receipts: await this.record(b.receipts, ctx) };
  }

  @Get('data-map/:user_id')
  @ApiOperation({ summary: "Where a subject's data is held, per system (data map for GDPR Art. 15/17)" })
  @RequireScopes('catalog:read')
  async map(@Param('user_id') userId: string) {
    if (!userId || userId.length > 256) throw invalid('user_id must be 1 to 256 characters');
    const subject = this.infra.pseudonymizer.subject(userId);
    const [map, processing] = await Promise.all([dataMap(this.infra.db, subject, await currentActivities(this.infra.db)), processingLogOf(this.infra, subject, false)]);
    // the processing log from privacy events (POST /privacy/events, the intake topic): who processed what, when, for what; its event_data stays in the access report
    const processing_log = processing.map(({ details: _d, source_event_id: _s, correlation_id: _c, ...entry }) => entry);
    return { user_id: userId, as_of: new Date().toISOString(), ...map, processing_log, ...dataMapFields(map) };
  }
}
