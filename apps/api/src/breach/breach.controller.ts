import { randomUUID } from 'node:crypto';
import { Body, Controller, Get, HttpCode, Inject, Param, ParseUUIDPipe, Post, Query, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { asDomainEvent, type CommandContext } from '@pl/application';
import { invalid, notFound, positionToString, precondition } from '@pl/domain';
import {
  authorityDraft,
  breachStreamId,
  californiaNoticeDraft,
  computeScope,
  evolveBreach,
  initialBreachState,
  subjectNoticeDraft,
  type BreachCommand,
  type BreachEvent,
  type BreachScope,
  type ScopeReceipt,
  MAX_SUBJECT_KEYS_PER_COMMAND,
  type BreachState,
  type RiskFactors,
} from '@pl/domain/breach';
import { breachRegisterCsv, listBreaches } from '@pl/projections/breach_register';
import type { Infrastructure } from '../../../common/infrastructure';
import { RequireScopes } from '../platform/auth/require-scopes.decorator';
import { CommandCtx } from '../platform/command-context.decorator';
import { CATALOG, INFRA } from '../platform/tokens';
import { AppCommand } from '../platform/app-command';
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
  type RiskFactorsDto,
} from './breach.dto';
import type { CatalogQueries } from '@pl/application';
import { breachView, timelineOf } from './breach.view';

const uuid = new ParseUUIDPipe();

/** Breach management: record, assess, scope, notify, close; the register with the time left on each clock. */
@ApiTags('breaches')
@Controller('breaches')
@RequireScopes('breach:manage')
export class BreachController {
  constructor(
    private readonly commands: CommandBus,
    @Inject(INFRA) private readonly infra: Infrastructure,
    @Inject(CATALOG) private readonly catalog: CatalogQueries,
  ) {}

  private async run(id: string, command: BreachCommand, ctx: CommandContext) {
    const r = await this.commands.execute(new AppCommand('breach', 'execute', [id, command, ctx]));
    return { ...breachView(r.state, ctx.now), events: r.events.map((e) => e.type), position: r.appended ? positionToString(r.appended.position) : null };
  }

  private async load(id: string): Promise<{ state: BreachState; events: Awaited<ReturnType<Infrastructure['store']['readStream']>>['events'] }> {
    // Staff handling the breach read its free text (encrypted in the log with the breach's key).
    const events = await this.infra.codec.decode((await this.infra.store.readStream(breachStreamId(id))).events);
    const state = events.reduce((s, e) => evolveBreach(s, asDomainEvent<BreachEvent>(e)), initialBreachState());
    if (state.status === 'none') throw notFound('breach not found');
    return { state, events };
  }

  @Post()
  @ApiOperation({ summary: 'Record a detected personal data breach (GDPR Art. 33(5))' })
  async detect(@Body() body: DetectBreachDto, @CommandCtx() ctx: CommandContext) {
    const id = randomUUID();
    const known = await this.catalog.knownSystems([...new Set(body.systems)], ctx.now);
    return this.run(id, { type: 'DetectBreach', breach_id: id, ...body, known_systems: known, now: ctx.now.toISOString() }, ctx);
  }

  @Get()
  @ApiOperation({ summary: 'Breach register with the time left on each notification clock' })
  async list(@Query() q: ListBreachesQuery) {
    return { breaches: await listBreaches(this.infra.db, new Date(), { status: q.status, limit: q.limit }) };
  }

  /** The register as CSV (Art. 33(5) documentation, for an authority). */
  @Get('register.csv')
  @ApiOperation({ summary: 'Breach register as CSV (GDPR Art. 33(5) documentation)' })
  async csv(@Res({ passthrough: true }) reply: FastifyReply) {
    void reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="breach-register.csv"');
    return breachRegisterCsv(this.infra.db, new Date());
  }

  @Get(':id')
  @ApiOperation({ summary: 'One breach with its clocks and history' })
  async get(@Param('id', uuid) id: string) {
    const { state, events } = await this.load(id);
    return { ...breachView(state, new Date()), timeline: timelineOf(events) };
  }

  @Post(':id/scope')
  @ApiOperation({ summary: 'Scope a breach (categories, systems, subjects affected)' })
  @HttpCode(200)
  async scope(@Param('id', uuid) id: string, @Body() body: ScopeDto) {
    const { state } = await this.load(id);
    return this.computeScope(state, body.window_from ?? null, body.window_to ?? null);
  }

  private window(state: BreachState, from: string | null, to: string | null): { from: string; to: string } {
    const windowFrom = from ?? state.window_from;
    const windowTo = to ?? state.window_to ?? state.aware_at;
    if (!windowFrom) throw invalid('a time window is needed for scoping: give window_from here or when recording the breach', { field: 'window_from' });
    if (Date.parse(windowFrom) > Date.parse(windowTo)) throw invalid('window_from is after window_to', { field: 'window_from' });
    return { from: windowFrom, to: windowTo };
  }

  private async scopeReceipts(state: BreachState, from: string | null, to: string | null): Promise<ScopeReceipt[]> {
    const w = this.window(state, from, to);
    return this.catalog.receiptsInWindow(state.systems, new Date(w.from), new Date(w.to));
  }

  private async computeScope(state: BreachState, from: string | null, to: string | null): Promise<BreachScope> {
    const w = this.window(state, from, to);
    const receipts = await this.scopeReceipts(state, w.from, w.to);
    // The catalog as it stood when the controller became aware of the breach.
    const catalog = await this.catalog.snapshot(state.systems, new Date(state.aware_at));
    const jurisdictions = await this.catalog.jurisdictions([...new Set(receipts.map((r) => r.subject_key))]);
    return computeScope({ systems: state.systems, window_from: w.from, window_to: w.to, receipts, catalog, jurisdictions });
  }

  @Post(':id/assessment')
  @ApiOperation({ summary: 'Assess the risk of a breach (GDPR Art. 33(1), 34(1))' })
  @HttpCode(200)
  async assess(@Param('id', uuid) id: string, @Body() body: AssessBreachDto, @CommandCtx() ctx: CommandContext) {
    const { state } = await this.load(id);
    const scope = body.use_scope ? await this.computeScope(state, null, null) : null;
    const f = body.factors;
    const subjects = f.subjects_count ?? scope?.subjects_count;
    const records = f.records_count ?? scope?.records_count;
    if (subjects === undefined || records === undefined) throw invalid('factors.subjects_count and factors.records_count are required unless use_scope is set', { field: 'factors' });
    const union = (a: string[] | undefined, b: string[] | undefined) => [...new Set([...(a ?? []), ...(b ?? [])])].sort();
    const factors: RiskFactors = {
      confidentiality: f.confidentiality,
      integrity: f.integrity,
      availability: f.availability,
      categories: union(f.categories, scope?.categories),
      special_categories: union(f.special_categories, scope?.special_categories),
      subjects_count: subjects,
      records_count: records,
      identifiability: f.identifiability,
      encrypted: f.encrypted,
      keys_safe: f.keys_safe,
      backup_available: f.backup_available,
      vulnerable_subjects: f.vulnerable_subjects,
      likely_consequences: f.likely_consequences,
      ...optionalFactors(f),
    };
    return this.run(
      id,
      {
        type: 'AssessBreach',
        factors,
        subject_jurisdictions: body.subject_jurisdictions ?? scope?.subject_jurisdictions ?? {},
        main_establishment: body.main_establishment ?? null,
        scope,
        override: body.override ?? null,
        measures_taken: body.measures_taken,
        measures_proposed: body.measures_proposed,
        contact_point: body.contact_point,
        now: ctx.now.toISOString(),
      },
      ctx,
    );
  }

  @Post(':id/authority-notifications')
  @ApiOperation({ summary: 'Record a notification to the supervisory authority (GDPR Art. 33, 72 hours)' })
  async notifyAuthority(@Param('id', uuid) id: string, @Body() body: NotifyAuthorityDto, @CommandCtx() ctx: CommandContext) {
    return this.run(id, { type: 'NotifyAuthority', ...body, now: ctx.now.toISOString() }, ctx);
  }

  @Post(':id/subject-notifications')
  @ApiOperation({ summary: 'Record notification of the data subjects (GDPR Art. 34; Cal. Civ. Code 1798.82)' })
  async notifySubjects(@Param('id', uuid) id: string, @Body() body: NotifySubjectsDto, @CommandCtx() ctx: CommandContext) {
    const keys = new Set((body.subject_ids ?? []).map((s) => this.infra.pseudonymizer.subject(s)));
    if (body.from_scope) {
      const { state } = await this.load(id);
      const window = state.assessment?.scope ?? null;
      const scope = await this.scopeReceipts(state, window?.window_from ?? null, window?.window_to ?? null);
      for (const r of scope) keys.add(r.subject_key);
      if (keys.size > MAX_SUBJECT_KEYS_PER_COMMAND) throw precondition(`the scope holds more than ${MAX_SUBJECT_KEYS_PER_COMMAND} subjects; send the notices in batches with subject_ids`);
    }
    const count = body.subjects_count ?? keys.size;
    return this.run(
      id,
      {
        type: 'NotifySubjects',
        jurisdiction: body.jurisdiction,
        notice_id: randomUUID(),
        channel: body.channel,
        subjects_count: count,
        subject_keys: [...keys],
        delay_reason: body.delay_reason ?? null,
        now: ctx.now.toISOString(),
      },
      ctx,
    );
  }

  @Post(':id/subject-exemption')
  @ApiOperation({ summary: 'Record an exemption from notifying subjects (GDPR Art. 34(3))' })
  async exemption(@Param('id', uuid) id: string, @Body() body: SubjectExemptionDto, @CommandCtx() ctx: CommandContext) {
    return this.run(id, { type: 'RecordSubjectExemption', ...body, now: ctx.now.toISOString() }, ctx);
  }

  @Post(':id/attorney-general-notification')
  @ApiOperation({ summary: 'Record notification of the California Attorney General (Cal. Civ. Code 1798.82(f))' })
  async attorneyGeneral(@Param('id', uuid) id: string, @Body() body: AttorneyGeneralDto, @CommandCtx() ctx: CommandContext) {
    return this.run(id, { type: 'NotifyAttorneyGeneral', reference: body.reference ?? null, now: ctx.now.toISOString() }, ctx);
  }

  @Post(':id/close')
  @ApiOperation({ summary: 'Close a breach' })
  @HttpCode(200)
  async close(@Param('id', uuid) id: string, @Body() body: CloseBreachDto, @CommandCtx() ctx: CommandContext) {
    return this.run(id, { type: 'CloseBreach', summary: body.summary, now: ctx.now.toISOString() }, ctx);
  }

  @Post(':id/reopen')
  @ApiOperation({ summary: 'Reopen a closed breach' })
  @HttpCode(200)
  async reopen(@Param('id', uuid) id: string, @Body() body: ReopenBreachDto, @CommandCtx() ctx: CommandContext) {
    return this.run(id, { type: 'ReopenBreach', reason: body.reason, now: ctx.now.toISOString() }, ctx);
  }

  @Get(':id/drafts')
  @ApiOperation({ summary: 'Draft notification texts for authority and subjects' })
  async drafts(@Param('id', uuid) id: string, @Query() q: DraftsQuery, @Res({ passthrough: true }) reply: FastifyReply) {
    const { state } = await this.load(id);
    if (!state.assessment) throw precondition('drafts need a risk assessment first');
    const options = { controller: q.controller ?? 'the controller', notice_date: new Date().toISOString() };
    const authority = authorityDraft(state, options);
    const subjects = subjectNoticeDraft(state, options);
    const california = state.assessment.ca_notice_required ? californiaNoticeDraft(state, options) : null;
    if (q.format === 'text') {
      void reply.header('content-type', 'text/plain; charset=utf-8');
      return [
        '=== Notification to the supervisory authority (GDPR Art. 33) ===',
        authority.text,
        '',
        '=== Communication to data subjects (GDPR Art. 34) ===',
        subjects.text,
        ...(california ? ['', '=== California notice (Civ. § 1798.82) ===', california.text] : []),
      ].join('\n');
    }
    return { authority, subjects, california };
  }
}

/** The optional EDPB 01/2021 factors, copied only when given (absent ones stay unknown). */
function optionalFactors(f: RiskFactorsDto): Partial<RiskFactors> {
  const keys = ['cause', 'exfiltration', 'recipient_trust', 'data_recovered', 'wrong_recipients', 'misuse_observed', 'unavailability_hours', 'unavailability_impact'] as const;
  const out: Record<string, unknown> = {};
  for (const k of keys) if (f[k] !== undefined) out[k] = f[k];
  if (f.subsets) {
    out.subsets = f.subsets.map((s) => Object.fromEntries(Object.entries({ ...s }).filter(([, v]) => v !== undefined)));
  }
  return out as Partial<RiskFactors>;
}
