import { Body, Controller, ForbiddenException, HttpCode, Post, Req } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { CommandContext } from '@pl/application';
import { parsePrivacyEvent, PRIVACY_EVENT_SCHEMA, type IntakeResult } from '@pl/application/intake';
import { intake, invalid } from '@pl/domain';
import { processMetrics } from '../../../common/metrics';
import { AppCommand } from '../platform/app-command';
import type { AuthenticatedRequest } from '../platform/auth/api-key.guard';
import { RequireScopes } from '../platform/auth/require-scopes.decorator';
import type { Scope } from '../platform/auth/scopes';
import { CommandCtx } from '../platform/command-context.decorator';

export const MAX_PRIVACY_EVENTS_PER_REQUEST = 1000;

/** The committed JSON Schema's properties in OpenAPI 3.0 terms (a type list with null becomes `nullable`). */
function openApiProperties(): Record<string, object> {
  const out: Record<string, object> = {};
  for (const [name, p] of Object.entries(PRIVACY_EVENT_SCHEMA.properties as Record<string, Record<string, unknown>>)) {
    const { type, ...rest } = p;
    out[name] = Array.isArray(type) ? { ...rest, type: type.find((t) => t !== 'null'), nullable: true } : { ...rest, ...(type ? { type } : {}) };
  }
  return out;
}

/** The scope each route of the ledger a privacy event takes needs (the same as its own route's). */
const SCOPE_OF: Record<intake.IntakeRoute, Scope> = { consent: 'consent:write', breach: 'breach:manage', processing: 'receipts:write' };

/**
 * POST /privacy/events: the earlier event processor's privacy events, one (a JSON object) or a batch
 * (a JSON array, or `{ "events": [...] }`), checked against the committed JSON Schema
 * (libs/application/src/intake/privacy-event.schema.json). A malformed event refuses the whole
 * request (400, each problem by index) with nothing recorded; otherwise each event's outcome is
 * answered in order: recorded, duplicate (its event_id was taken in before, by this route or the
 * topic) or refused with the rule's reason.
 */
@ApiTags('privacy')
@Controller('privacy')
export class IntakeController {
  constructor(private readonly bus: CommandBus) {}

  @Post('events')
  @HttpCode(200)
  @ApiOperation({ summary: 'Record privacy events (one or a batch of up to 1,000): consent changes, processing of a subject\'s data, breaches, retention' })
  @ApiBody({
    description: 'One privacy event, a JSON array of them, or { "events": [...] }; each checked against the JSON Schema in libs/application/src/intake/privacy-event.schema.json',
    schema: { type: 'object', required: [...PRIVACY_EVENT_SCHEMA.required], properties: openApiProperties() },
  })
  @RequireScopes('receipts:write', 'consent:write', 'breach:manage')
  async events(@Body() body: unknown, @Req() req: AuthenticatedRequest, @CommandCtx() ctx: CommandContext) {
    const single = body !== null && typeof body === 'object' && !Array.isArray(body) && !('events' in body);
    const list: unknown = single ? [body] : Array.isArray(body) ? body : (body as { events?: unknown } | null)?.events;
    if (!Array.isArray(list) || !list.length) throw invalid('send one privacy event (a JSON object), or a batch: a JSON array of them or { "events": [...] }', { field: 'events' });
    if (list.length > MAX_PRIVACY_EVENTS_PER_REQUEST) throw invalid(`a batch holds at most ${MAX_PRIVACY_EVENTS_PER_REQUEST} privacy events`, { field: 'events' });
    const parsed = list.map((v) => parsePrivacyEvent(v));
    const problems = parsed.flatMap((p, i) => (p.ok ? [] : [{ field: single ? p.field : `events[${i}].${p.field}`, problems: [p.reason] }]));
    if (problems.length) throw invalid(`${problems.length} privacy event${problems.length === 1 ? ' is' : 's are'} malformed; nothing was recorded`, { problems });
    const events = parsed.map((p) => (p as { ok: true; event: intake.PrivacyEvent }).event);
    const scopes = req.principal?.scopes;
    const missing = [...new Set(events.map((e) => SCOPE_OF[intake.routeOf(e.event_type)]))].filter((s) => !scopes?.has('admin') && !scopes?.has(s));
    if (missing.length) throw new ForbiddenException(`these privacy events need the scope ${missing.join(' and ')} (the same as their own routes)`);
    const results: IntakeResult[] = await this.bus.execute(new AppCommand('intake', 'record', [events, ctx]));
    const metrics = processMetrics();
    for (const r of results) metrics.privacyEvents.inc({ path: 'http', outcome: r.outcome });
    if (single) return results[0];
    const count = (o: IntakeResult['outcome']) => results.filter((r) => r.outcome === o).length;
    return { recorded: count('recorded'), duplicates: count('duplicate'), refused: count('refused'), results };
  }
}
