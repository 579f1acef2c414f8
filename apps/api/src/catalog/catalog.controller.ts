import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Put, Query, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiTextResponse } from '../openapi/decorators';
import type { FastifyReply } from 'fastify';
import { ProjectionStuckError, ProjectionTimeoutError, waitForCheckpoint, type CommandContext, type HandleResult } from '@pl/application';
import { catalog, DomainError, invalid, notFound, positionToString, type DomainEvent, type LogPosition } from '@pl/domain';
import { CATALOG_PROJECTION, catalogDashboard, currentActivities, elementsOf, entities, entity, findingsOfActivity, flowsWithAssessment } from '@pl/projections/catalog';
import { retentionReport } from '@pl/projections/data_map';
import type { Infrastructure } from '../../../common/infrastructure';
import { RequireScopes } from '../platform/auth/require-scopes.decorator';
import { CommandCtx } from '../platform/command-context.decorator';
import { INFRA } from '../platform/tokens';
import { AppCommand, type UseCaseName } from '../platform/app-command';
import { ActivityDto, AtQuery, ElementDto, FlowDto, ManifestDto, ProcessorRecordDto, RetentionQuery, RopaQuery, SystemDto } from './catalog.dto';

/**
 * Read your writes: wait (bounded by CATALOG_READ_YOUR_WRITES_TIMEOUT_MS, default 10 s) until a read
 * model has passed the appended position. The change is recorded either way; the answer says whether
 * reads already show it (`read_model_current`), so a client never mistakes a lagging read for a lost write.
 */
export async function settle(infra: Infrastructure, projection: string, position: LogPosition | null): Promise<boolean> {
  if (!position) return true;
  try {
    await waitForCheckpoint(infra.db, projection, position, Number(process.env.CATALOG_READ_YOUR_WRITES_TIMEOUT_MS ?? 10_000));
    return true;
  } catch (e) {
    // stuck is not lagging: it will not catch up by itself, so the answer is 503 naming it (invariant 11)
    if (e instanceof ProjectionStuckError || !(e instanceof ProjectionTimeoutError)) throw e;
    return false;
  }
}

const id = (value: string, field: string) => catalog.catalogId(value, field);

/** Data catalog and Article 30 records: systems, data elements, processing activities, flows, processor records. */
@ApiTags('catalog')
// The catalog's routes keep their published path.
@Controller('governance')
export class CatalogController {
  constructor(
    private readonly bus: CommandBus,
    @Inject(INFRA) private readonly infra: Infrastructure,
  ) {}

  /** Runs a catalog use case, then says whether reads already show the change. */
  private async write<U extends Exclude<UseCaseName<'catalog'>, 'applyManifest' | 'recordReceipts' | 'knownSystems'>>(useCase: U, args: AppCommand<'catalog', U>['args']) {
    const r = (await this.bus.execute(new AppCommand('catalog', useCase, args))) as HandleResult<DomainEvent, { status: string }>;
    const current = await settle(this.infra, CATALOG_PROJECTION, r.appended?.position ?? null);
    return {
      events: r.events.map((e) => e.type),
      changed: r.events.length > 0,
      status: r.state.status,
      position: r.appended ? positionToString(r.appended.position) : null,
      read_model_current: current,
    };
  }

  private async getOr404<T>(kind: Parameters<typeof entity>[1], value: string, what: string) {
    const row = await entity<T>(this.infra.db, kind, value);
    if (!row) throw notFound(`${what} does not exist`);
    return row;
  }

  @Get('taxonomy')
  @ApiOperation({ summary: 'Data taxonomy (categories, purposes, subjects)' })
  @RequireScopes('catalog:read')
  taxonomy() {
    return catalog.taxonomyDocument();
  }

  // systems and data elements
  @Post('systems')
  @ApiOperation({ summary: 'Register a system in the data catalog (GDPR Art. 30)' })
  @RequireScopes('catalog:manage')
  async createSystem(@Body() b: SystemDto, @CommandCtx() ctx: CommandContext) {
    return { system_id: b.system_id, ...(await this.write('defineSystem', [b, 'create', ctx])) };
  }

  @Put('systems/:id')
  @ApiOperation({ summary: 'Update a system of the data catalog' })
  @RequireScopes('catalog:manage')
  async putSystem(@Param('id') sid: string, @Body() b: SystemDto, @CommandCtx() ctx: CommandContext) {
    id(sid, 'system_id');
    if (b.system_id !== sid) throw invalid('system_id in the body must match the path');
    return { system_id: sid, ...(await this.write('defineSystem', [b, 'upsert', ctx])) };
  }

  @Delete('systems/:id')
  @ApiOperation({ summary: 'Retire a system of the data catalog' })
  @RequireScopes('catalog:manage')
  async retireSystem(@Param('id') sid: string, @CommandCtx() ctx: CommandContext) {
    return { system_id: sid, ...(await this.write('retireSystem', [sid, ctx])) };
  }

  @Get('systems')
  @ApiOperation({ summary: 'List systems of the data catalog' })
  @RequireScopes('catalog:read')
  async systems() {
    return { systems: (await entities<catalog.SystemSnapshot>(this.infra.db, 'system')).map((e) => e.snapshot) };
  }

  @Get('systems/:id')
  @ApiOperation({ summary: 'One system of the data catalog with its data elements' })
  @RequireScopes('catalog:read')
  async system(@Param('id') sid: string) {
    const row = await this.getOr404<catalog.SystemSnapshot>('system', id(sid, 'system_id'), 'system');
    return { ...row.snapshot, status: row.status, elements: await elementsOf(this.infra.db, sid) };
  }

  @Post('systems/:id/elements')
  @ApiOperation({ summary: 'Add a data element to a system' })
  @RequireScopes('catalog:manage')
  async createElement(@Param('id') sid: string, @Body() b: ElementDto, @CommandCtx() ctx: CommandContext) {
    const r = await this.write('defineElement', [sid, b, 'create', ctx]);
    return { system_id: sid, element_id: b.element_id, suggestion: catalog.suggestClassification(b.name), ...r };
  }

  @Put('systems/:id/elements/:element')
  @ApiOperation({ summary: 'Update a data element of a system' })
  @RequireScopes('catalog:manage')
  async putElement(@Param('id') sid: string, @Param('element') eid: string, @Body() b: ElementDto, @CommandCtx() ctx: CommandContext) {
    if (b.element_id !== eid) throw invalid('element_id in the body must match the path');
    const r = await this.write('defineElement', [sid, b, 'upsert', ctx]);
    return { system_id: sid, element_id: eid, suggestion: catalog.suggestClassification(b.name), ...r };
  }

  @Delete('systems/:id/elements/:element')
  @ApiOperation({ summary: 'Remove a data element from a system' })
  @RequireScopes('catalog:manage')
  async removeElement(@Param('id') sid: string, @Param('element') eid: string, @CommandCtx() ctx: CommandContext) {
    return { system_id: sid, element_id: eid, ...(await this.write('removeElement', [sid, eid, ctx])) };
  }

  // processing activities
  @Post('activities')
  @ApiOperation({ summary: 'Record a processing activity (GDPR Art. 30(1) record)' })
  @RequireScopes('catalog:manage')
  async createActivity(@Body() b: ActivityDto, @CommandCtx() ctx: CommandContext) {
    return { activity_id: b.activity_id, ...(await this.write('defineActivity', [b as catalog.ActivityInput, 'create', ctx])) };
  }

  @Put('activities/:id')
  @ApiOperation({ summary: 'Update a processing activity (GDPR Art. 30(1))' })
  @RequireScopes('catalog:manage')
  async putActivity(@Param('id') aid: string, @Body() b: ActivityDto, @CommandCtx() ctx: CommandContext) {
    id(aid, 'activity_id');
    if (b.activity_id !== aid) throw invalid('activity_id in the body must match the path');
    return { activity_id: aid, ...(await this.write('defineActivity', [b as catalog.ActivityInput, 'upsert', ctx])) };
  }

  @Delete('activities/:id')
  @ApiOperation({ summary: 'Retire a processing activity' })
  @RequireScopes('catalog:manage')
  async retireActivity(@Param('id') aid: string, @CommandCtx() ctx: CommandContext) {
    return { activity_id: aid, ...(await this.write('retireActivity', [aid, ctx])) };
  }

  @Get('activities')
  @ApiOperation({ summary: 'List processing activities' })
  @RequireScopes('catalog:read')
  async activities() {
    return { activities: (await currentActivities(this.infra.db)).map((a) => ({ ...a, dpia: catalog.screenDpia(a, new Date()) })) };
  }

  @Get('activities/:id')
  @ApiOperation({ summary: 'One processing activity' })
  @RequireScopes('catalog:read')
  async activity(@Param('id') aid: string) {
    const row = await this.getOr404<catalog.ActivitySnapshot>('activity', id(aid, 'activity_id'), 'processing activity');
    return { ...row.snapshot, status: row.status, dpia: catalog.screenDpia(row.snapshot, new Date()), findings: await findingsOfActivity(this.infra.db, row.snapshot, new Date()) };
  }

  @Get('activities/:id/dpia')
  @ApiOperation({ summary: 'DPIA screening of a processing activity (GDPR Art. 35)' })
  @RequireScopes('catalog:read')
  async dpia(@Param('id') aid: string) {
    const row = await this.getOr404<catalog.ActivitySnapshot>('activity', id(aid, 'activity_id'), 'processing activity');
    return { activity_id: aid, ...catalog.screenDpia(row.snapshot, new Date()) };
  }

  // data flows
  @Post('flows')
  @ApiOperation({ summary: 'Record a data flow (transfers: GDPR Art. 44-49)' })
  @RequireScopes('catalog:manage')
  async createFlow(@Body() b: FlowDto, @CommandCtx() ctx: CommandContext) {
    return { flow_id: b.flow_id, ...(await this.write('defineFlow', [b as catalog.FlowInput, 'create', ctx])) };
  }

  @Put('flows/:id')
  @ApiOperation({ summary: 'Update a data flow' })
  @RequireScopes('catalog:manage')
  async putFlow(@Param('id') fid: string, @Body() b: FlowDto, @CommandCtx() ctx: CommandContext) {
    id(fid, 'flow_id');
    if (b.flow_id !== fid) throw invalid('flow_id in the body must match the path');
    return { flow_id: fid, ...(await this.write('defineFlow', [b as catalog.FlowInput, 'upsert', ctx])) };
  }

  @Delete('flows/:id')
  @ApiOperation({ summary: 'Remove a data flow' })
  @RequireScopes('catalog:manage')
  async retireFlow(@Param('id') fid: string, @CommandCtx() ctx: CommandContext) {
    return { flow_id: fid, ...(await this.write('retireFlow', [fid, ctx])) };
  }

  @Get('flows')
  @ApiOperation({ summary: 'List data flows' })
  @RequireScopes('catalog:read')
  async flows(@Query() q: AtQuery) {
    return { flows: await flowsWithAssessment(this.infra.db, q.at ? new Date(q.at) : new Date()) };
  }

  @Get('flows/:id/assessment')
  @ApiOperation({ summary: 'Transfer assessment of a data flow (GDPR Chapter V)' })
  @RequireScopes('catalog:read')
  async assessment(@Param('id') fid: string, @Query() q: AtQuery) {
    const row = await this.getOr404<catalog.FlowSnapshot>('flow', id(fid, 'flow_id'), 'flow');
    const at = q.at ? new Date(q.at) : new Date();
    return { flow_id: fid, at: at.toISOString(), ...catalog.assessTransfer(row.snapshot, at) };
  }

  // processor records (Art. 30(2))
  @Post('processor-records')
  @ApiOperation({ summary: 'Record processing as a processor (GDPR Art. 30(2) record)' })
  @RequireScopes('catalog:manage')
  async createRecord(@Body() b: ProcessorRecordDto, @CommandCtx() ctx: CommandContext) {
    return { record_id: b.record_id, ...(await this.write('defineProcessorRecord', [b, 'create', ctx])) };
  }

  @Put('processor-records/:id')
  @ApiOperation({ summary: 'Update a processor record (GDPR Art. 30(2))' })
  @RequireScopes('catalog:manage')
  async putRecord(@Param('id') rid: string, @Body() b: ProcessorRecordDto, @CommandCtx() ctx: CommandContext) {
    id(rid, 'record_id');
    if (b.record_id !== rid) throw invalid('record_id in the body must match the path');
    return { record_id: rid, ...(await this.write('defineProcessorRecord', [b, 'upsert', ctx])) };
  }

  @Delete('processor-records/:id')
  @ApiOperation({ summary: 'Retire a processor record' })
  @RequireScopes('catalog:manage')
  async retireRecord(@Param('id') rid: string, @CommandCtx() ctx: CommandContext) {
    return { record_id: rid, ...(await this.write('retireProcessorRecord', [rid, ctx])) };
  }

  @Get('processor-records')
  @ApiOperation({ summary: 'List processor records (GDPR Art. 30(2))' })
  @RequireScopes('catalog:read')
  async records() {
    return { processor_records: (await entities<catalog.ProcessorRecordSnapshot>(this.infra.db, 'processor_record')).map((e) => e.snapshot) };
  }

  // manifests
  @Post('manifests/evaluate')
  @ApiOperation({ summary: 'Dry-run a YAML catalog manifest (changes it would make)' })
  @HttpCode(200)
  @RequireScopes('catalog:read')
  evaluate(@Body() b: ManifestDto) {
    const { findings } = catalog.evaluateManifestYaml(b.manifest_yaml, new Date());
    return { ok: !findings.some((f) => f.severity === 'error'), findings };
  }

  @Post('manifests/apply')
  @ApiOperation({ summary: 'Apply a YAML catalog manifest' })
  @HttpCode(200)
  @RequireScopes('catalog:manage')
  async apply(@Body() b: ManifestDto, @CommandCtx() ctx: CommandContext) {
    const parsed = catalog.parseManifestYaml(b.manifest_yaml);
    const withLines = (findings: catalog.Finding[]) => findings.map((f) => ({ ...f, line: parsed.lineOf(f.path) }));
    try {
      const r = await this.bus.execute(new AppCommand('catalog', 'applyManifest', [parsed.manifest, ctx]));
      const current = await settle(this.infra, CATALOG_PROJECTION, await this.infra.store.headPosition());
      return { ...r, findings: withLines(r.findings), read_model_current: current };
    } catch (e) {
      if (e instanceof DomainError && Array.isArray(e.details?.findings)) throw invalid(e.message, { findings: withLines(e.details.findings as catalog.Finding[]) });
      throw e;
    }
  }

  // Article 30 records, dashboards, retention
  @Get('ropa')
  @ApiOperation({ summary: 'Records of processing activities, JSON or CSV (GDPR Art. 30)' })
  @ApiTextResponse('text/csv', 'The records as JSON, or with format=csv as CSV')
  @RequireScopes('catalog:read')
  async ropa(@Query() q: RopaQuery, @Res({ passthrough: true }) reply: FastifyReply) {
    const view = q.view ?? 'controller';
    const at = q.as_of ? new Date(q.as_of) : new Date();
    const records = await this.infra.catalog.ropa(view, q.as_of ? at : undefined);
    if (q.format === 'csv') {
      void reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="ropa-${view}-${at.toISOString().slice(0, 10)}.csv"`);
      return view === 'processor' ? catalog.processorRecordsCsv(records as catalog.ProcessorRecordRow[]) : catalog.controllerRecordsCsv(records as catalog.ControllerRecord[]);
    }
    return { view, as_of: at.toISOString(), source: view === 'processor' ? 'GDPR Art. 30(2)' : 'GDPR Art. 30(1)', ...catalog.taxonomyVersions(), records };
  }

  @Get('dashboard')
  @ApiOperation({ summary: 'Catalog dashboard (catalog gaps, retention due)' })
  @RequireScopes('catalog:read')
  async dashboard(@Query() q: RetentionQuery) {
    const now = new Date();
    const [catalogView, retention] = await Promise.all([catalogDashboard(this.infra.db, now), retentionReport(this.infra.db, await currentActivities(this.infra.db), now, q.due_soon_days ?? 30)]);
    return { ...catalogView, retention: { overdue: retention.overdue.length, due_soon: retention.due_soon.length, retained: retention.retained.length, holdings_without_retention: retention.holdings_without_retention } };
  }

  @Get('retention/report')
  @ApiOperation({ summary: 'Retention report (GDPR Art. 5(1)(e) storage limitation)' })
  @RequireScopes('catalog:read')
  async retention(@Query() q: RetentionQuery) {
    return retentionReport(this.infra.db, await currentActivities(this.infra.db), new Date(), q.due_soon_days ?? 30);
  }
}
