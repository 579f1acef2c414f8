import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { asDomainEvent, type CommandContext } from '@pl/application';
import { recordPersonalDataAccess } from '@pl/audit';
import { catalog, conflict, consent, invalid, notFound, precondition } from '@pl/domain';
import {
  analyseErasure,
  buildAccessReport,
  buildPortabilityExport,
  evolveRequest,
  inScope,
  initialRequestState,
  NOTIFY_RECIPIENTS,
  reportSections,
  requestStreamId,
  toCsv,
  type AccessScope,
  type AgentInfo,
  type Channel,
  type Jurisdiction,
  type ObjectionScope,
  type ReportConsent,
  type ReportInput,
  type RequestState,
  type RequestType,
  type RightsCommand,
  type RightsEvent,
  type RetainedItem,
  type TaskSpec,
  type VerificationEvidence,
} from '@pl/domain/rights';
import { establishmentFromControllers, type Establishment } from '@pl/domain/law/establishment';
import { getRequest, nthNewestRequestSince, openRequestsOfSubject, requestsOfSubject } from '@pl/projections/rights';
import type { Infrastructure } from '../../../common/infrastructure';
import { runConsentCommand } from '../consent/consent.commands';
import { RateLimitedException, retryAfterSeconds } from '../platform/rate-limit/rate-limit';
import { CATALOG, INFRA } from '../platform/tokens';
import type { CatalogQueries } from '@pl/application';
import { RIGHTS_RATE_LIMITS, SlidingWindowLimiter } from './rate-limit';
import { RightsCommandMessage, type RightsResult } from './rights.commands';

export interface NewRequest {
  readonly userId: string;
  readonly requestType: RequestType;
  readonly jurisdiction: Jurisdiction;
  readonly channel: Channel;
  readonly authorisedAgent?: AgentInfo | null;
  readonly isAccountHolder?: boolean;
  readonly accessScope?: AccessScope | null;
  readonly dataCategories?: string[] | null;
  readonly objection?: { scope: ObjectionScope; purposes?: string[] | null } | null;
  readonly corrections?: Record<string, string> | null;
  /** GDPR: overrides the establishment the catalog's controllers declare (Art. 56; law/establishment.ts). */
  readonly establishment?: Establishment | null;
}

const DAY = 86_400_000;
/** Requests are not on the hot path: wait longer for the consent read model than validate does. */
const CONSENT_WAIT_MS = 15_000;

/** Top-level direct-marketing purposes of the taxonomy (their sub-purposes are covered by prefix). */
export const DIRECT_MARKETING_PURPOSES: string[] = catalog.PURPOSES.filter(
  (p) => p.direct_marketing && !catalog.PURPOSES.some((q) => q.direct_marketing && q.key !== p.key && p.key.startsWith(`${q.key}.`)),
).map((p) => p.key);

/**
 * Orchestrates a request around the decider: creation (duplicate check, rate limit), the effects
 * of verification (restriction, objection and opt-outs on the consent ledger, crypto-shredding for
 * erasure), fan-out to every system holding the subject's data, results, and the release of data.
 */
@Injectable()
export class RightsService {
  private readonly callerLimiter = new SlidingWindowLimiter(RIGHTS_RATE_LIMITS.perCallerPerMinute, 60_000);

  constructor(
    private readonly commands: CommandBus,
    @Inject(INFRA) private readonly infra: Infrastructure,
    @Inject(CATALOG) private readonly catalog: CatalogQueries,
  ) {}

  run(requestId: string, command: RightsCommand, ctx: CommandContext): Promise<RightsResult> {
    return this.commands.execute(new RightsCommandMessage(requestId, command, ctx));
  }

  async load(requestId: string): Promise<RequestState> {
    const { events } = await this.infra.store.readStream(requestStreamId(requestId));
    const state = events.reduce((s, e) => evolveRequest(s, asDomainEvent<RightsEvent>(e)), initialRequestState());
    if (state.status === 'none') throw notFound('request not found');
    return state;
  }

  async create(input: NewRequest, ctx: CommandContext): Promise<string> {
    const subjectKey = this.infra.pseudonymizer.subject(input.userId);
    const now = ctx.now.getTime();
    if (!this.callerLimiter.take(ctx.actor, now)) {
      throw new RateLimitedException(retryAfterSeconds(this.callerLimiter.retryAfterMs(ctx.actor, now)), 'too many requests from this caller; retry later');
    }
    const nth = await nthNewestRequestSince(this.infra.db, subjectKey, new Date(now - DAY), RIGHTS_RATE_LIMITS.perSubjectPerDay);
    if (nth) throw new RateLimitedException(retryAfterSeconds(nth.getTime() + DAY - now), 'too many requests for this subject in 24 hours');
    // One creation per subject at a time (advisory lock across API instances), held until the register
    // shows the new request, so the duplicate check below cannot race another creation.
    const lock = await this.infra.db.tryLock(`rights:create:${subjectKey}`);
    if (!lock) throw conflict('another request for this subject is being created; retry');
    const requestId = randomUUID();
    const est = input.establishment || input.jurisdiction !== 'GDPR'
      ? { establishment: input.establishment ?? null, warnings: [] }
      : await this.catalogEstablishment();
    let r: RightsResult;
    try {
      r = await this.run(
        requestId,
        {
          type: 'ReceiveRequest',
          requestId,
          subjectKey,
          requestType: input.requestType,
          jurisdiction: input.jurisdiction,
          channel: input.channel,
          authorisedAgent: input.authorisedAgent ?? null,
          isAccountHolder: input.isAccountHolder ?? false,
          accessScope: input.accessScope ?? null,
          dataCategories: input.dataCategories ?? null,
          objection: input.objection ?? null,
          corrections: checkCorrections(input.corrections),
          establishment: est.establishment,
          establishmentWarnings: est.warnings,
          openRequests: await openRequestsOfSubject(this.infra.db, subjectKey),
          now: ctx.now,
        },
        ctx,
      );
    } finally {
      await lock.release();
    }
    if (r.state.verified) await this.afterVerified(requestId, ctx);
    return requestId;
  }

  /** The establishment the catalog's controllers declare (Art. 30(1)(a), Art. 56). */
  private async catalogEstablishment() {
    return establishmentFromControllers((await this.catalog.activities()).map((a) => a.controller?.establishment));
  }

  async verify(requestId: string, evidence: VerificationEvidence, ctx: CommandContext): Promise<void> {
    const r = await this.run(requestId, { type: 'VerifyIdentity', evidence, now: ctx.now }, ctx);
    // Also when already verified but nothing was dispatched yet (a crash after verification): every step is idempotent.
    if (r.events.length || r.state.status === 'verified') await this.afterVerified(requestId, ctx);
  }

  /** The effects of a verified request on the ledger itself, then one task per system holding the subject's data. */
  private async afterVerified(requestId: string, ctx: CommandContext): Promise<void> {
    const state = await this.load(requestId);
    const req = state.request!;
    const subjectKey = req.subject_key;
    const now = ctx.now.toISOString();
    const consentCtx = { ...ctx, causationId: requestId };
    switch (req.request_type) {
      case 'restriction':
        await runConsentCommand(this.infra, { type: 'RestrictProcessing', subjectKey, requestId, reason: null, now }, consentCtx, CONSENT_WAIT_MS);
        break;
      case 'objection': {
        const directMarketing = req.objection?.scope === 'direct_marketing';
        // Art. 21(2)-(3) covers direct marketing only: name those purposes (the consent ledger reads "no purposes" as every objectable purpose).
        const purposes = req.objection?.purposes ?? (directMarketing ? DIRECT_MARKETING_PURPOSES : null);
        await runConsentCommand(this.infra, { type: 'RecordObjection', subjectKey, purposes, directMarketing, requestId, now }, consentCtx, CONSENT_WAIT_MS);
        break;
      }
      case 'opt_out_sale_sharing':
        await runConsentCommand(this.infra, { type: 'RecordOptOut', subjectKey, optOut: { kinds: ['sale', 'sharing'], source: 'api', detail: `request ${requestId}` }, now }, consentCtx, CONSENT_WAIT_MS);
        break;
      case 'limit_sensitive_pi':
        await runConsentCommand(this.infra, { type: 'RecordOptOut', subjectKey, optOut: { kinds: ['sensitive_limit'], source: 'api', detail: `request ${requestId}` }, now }, consentCtx, CONSENT_WAIT_MS);
        break;
      default:
        break;
    }
    const holdings = (await this.catalog.holdings(subjectKey))
      .map((h) => ({ ...h, categories: h.categories.filter((c) => inScope(c.category, req.data_categories)) }))
      .filter((h) => h.categories.length);
    let tasks: TaskSpec[];
    if (req.request_type === 'erasure') {
      // retention law is the controller's (its establishment), whichever jurisdiction the request is under
      const establishmentCountry = req.establishment?.country ?? (await this.catalogEstablishment()).establishment?.country ?? null;
      const declaredObligations = (await this.catalog.activities()).flatMap((a) => a.controller?.retention_obligations ?? []);
      const plans = analyseErasure({ jurisdiction: req.jurisdiction, requestedCategories: req.data_categories, systems: holdings, now: ctx.now, establishmentCountry, declaredObligations });
      tasks = plans.map((p) => ({ taskId: randomUUID(), systemId: p.system_id, integration: p.integration, categories: p.erase, retained: p.retained }));
    } else {
      tasks = holdings.map((h) => ({ taskId: randomUUID(), systemId: h.system_id, integration: h.integration, categories: h.categories.map((c) => c.category) }));
    }
    // Art. 19: only what the request changes (for an erasure the erasable categories, not the retained ones)
    const recipients = NOTIFY_RECIPIENTS.has(req.request_type) ? await this.catalog.recipients(tasks.map((t) => ({ system_id: t.systemId, categories: t.categories }))) : [];
    if (req.request_type === 'erasure' && req.data_categories === null) await this.eraseLedger(requestId, subjectKey, tasks.flatMap((t) => t.retained ?? []), ctx);
    if (tasks.length || recipients.length) await this.run(requestId, { type: 'DispatchTasks', tasks, recipients, now: ctx.now }, ctx);
    const after = await this.load(requestId);
    const releases = req.request_type === 'access' || req.request_type === 'portability';
    if (!releases && !Object.keys(after.tasks).length && (after.status === 'verified' || after.status === 'in_progress')) {
      await this.run(requestId, { type: 'CompleteRequest', now: ctx.now }, ctx);
    }
  }

  /**
   * Crypto-shredding (invariant 3): consents withdrawn (an accountability fact), the subject's data
   * keys deleted in one statement with caches cleared, then the PII-free `rights.subject_erased`
   * record; read models anonymise the subject's rows when they see it.
   */
  private async eraseLedger(requestId: string, subjectKey: string, retained: readonly RetainedItem[], ctx: CommandContext): Promise<void> {
    const { events } = await this.infra.store.readStream(consent.consentStreamId(subjectKey));
    if (events.length) {
      await runConsentCommand(this.infra, { type: 'WithdrawConsent', subjectKey, categories: null, purposes: null, now: ctx.now.toISOString() }, { ...ctx, causationId: requestId }, CONSENT_WAIT_MS).catch((e) => {
        if ((e as { code?: string }).code !== 'conflict' && (e as { code?: string }).code !== 'precondition') throw e;
      });
    }
    const shredded = await this.infra.keys.shred(subjectKey);
    await this.run(requestId, { type: 'RecordLedgerErasure', dataKeysShredded: shredded, readModelsPurged: ['rights', 'data_map'], retained, ground: 'GDPR Art. 17(1); Civ. Code § 1798.105', now: ctx.now }, ctx);
  }

  async status(requestId: string, now = new Date()) {
    const r = await getRequest(this.infra.db, requestId, now);
    if (!r) throw notFound('request not found');
    return r;
  }

  /** Builds the report from this subject's own streams and rows only (never another subject's). */
  async reportInput(state: RequestState, now: Date, extendedLookBack = false): Promise<{ input: ReportInput; holdings: Awaited<ReturnType<CatalogQueries['holdings']>> }> {
    const req = state.request!;
    const subjectKey = req.subject_key;
    const [consentEvents, requestEvents, requests, receipts, activities, holdings] = await Promise.all([
      this.infra.store.readStream(consent.consentStreamId(subjectKey)).then((s) => this.infra.codec.decode(s.events)),
      this.infra.store.readStream(requestStreamId(req.request_id)).then((s) => this.infra.codec.decode(s.events)),
      requestsOfSubject(this.infra.db, subjectKey, now),
      this.catalog.receipts(subjectKey),
      this.catalog.activities(),
      this.catalog.holdings(subjectKey),
    ]);
    const data = new Map(requestEvents.filter((e) => e.type === 'rights.task_data_received' && e.data.subject_key === subjectKey).map((e) => [e.data.task_id as string, (e.data.data as Record<string, unknown> | null) ?? null]));
    const results = requestEvents
      .filter((e) => e.type === 'rights.task_result_recorded' && e.data.subject_key === subjectKey)
      .map((e) => ({ system_id: e.data.system_id as string, outcome: e.data.outcome as string, data: data.get(e.data.task_id) ?? null }));
    const rectifications = [];
    for (const r of requests.filter((x) => x.request_type === 'rectification')) {
      const decoded = await this.infra.codec.decode((await this.infra.store.readStream(requestStreamId(r.request_id))).events);
      const c = decoded.find((e) => e.type === 'rights.corrections_provided' && e.data.subject_key === subjectKey);
      if (c) rectifications.push({ request_id: r.request_id, corrections: (c.data.corrections as Record<string, string> | null) ?? null, provided_at: c.data.provided_at as string });
    }
    return {
      input: {
        subjectKey,
        jurisdiction: req.jurisdiction,
        now,
        rectifications,
        extendedLookBack,
        consents: consentsOf(consentEvents, subjectKey),
        requests: requests.map((r) => ({ request_id: r.request_id, request_type: r.request_type, status: r.status, received_at: r.received_at, closed_at: r.closed_at })),
        receipts,
        activities,
        systemResults: results,
      },
      holdings,
    };
  }

  /** Access (Art. 15): only for a verified access request; every release is recorded. */
  async access(requestId: string, ctx: CommandContext, extendedLookBack = false) {
    const state = await this.load(requestId);
    this.assertReleasable(state, 'access');
    await recordPersonalDataAccess(this.infra, ctx, { subjectKey: state.request!.subject_key, what: 'rights.access_report', purpose: 'access_request', requestId });
    const { input } = await this.reportInput(state, ctx.now, extendedLookBack);
    const report = buildAccessReport(input);
    await this.release(requestId, reportSections(report), 'json', report.consents.length + report.receipts.length + report.system_data.length, ctx);
    return { request_id: requestId, report };
  }

  /** Portability (Art. 20) as JSON or CSV; recorded as a release. */
  async portability(requestId: string, format: 'json' | 'csv', ctx: CommandContext) {
    const state = await this.load(requestId);
    this.assertReleasable(state, 'portability');
    await recordPersonalDataAccess(this.infra, ctx, { subjectKey: state.request!.subject_key, what: 'rights.portability_export', purpose: 'portability_request', requestId });
    const { input, holdings } = await this.reportInput(state, ctx.now);
    const exported = buildPortabilityExport(input, holdings.flatMap((h) => h.categories));
    await this.release(requestId, ['portable_data', 'consents'], format, exported.records.length + exported.consents.length, ctx);
    if (format === 'csv') return { csv: toCsv(exported.records, ['system_id', 'category', 'field', 'value']) };
    return { request_id: requestId, export: exported };
  }

  private assertReleasable(state: RequestState, type: RequestType): void {
    if (state.request!.request_type !== type) throw precondition(`request is not a ${type} request`);
    if (!state.verified) throw precondition('an unverified request never releases data');
  }

  private async release(requestId: string, sections: string[], format: 'json' | 'csv', items: number, ctx: CommandContext): Promise<void> {
    await this.run(requestId, { type: 'RecordDataRelease', releasedTo: ctx.actor, sections, format, items, now: ctx.now }, ctx);
    const state = await this.load(requestId);
    if ((state.status === 'verified' || state.status === 'in_progress') && !Object.values(state.tasks).some((t) => t.status === 'dispatched')) {
      await this.run(requestId, { type: 'CompleteRequest', now: ctx.now }, ctx);
    }
  }

  /**
   * The routes existing clients call: the calling service has authenticated its user, so the
   * request is verified by that existing authentication (11 CCR § 7061; GDPR Art. 12(6)). An open
   * request of the same type is reused instead of creating a duplicate.
   */
  async forAuthenticatedUser(userId: string, requestType: RequestType, jurisdiction: Jurisdiction, ctx: CommandContext, dataCategories: string[] | null = null): Promise<string> {
    const subjectKey = this.infra.pseudonymizer.subject(userId);
    const open = (await openRequestsOfSubject(this.infra.db, subjectKey)).find((r) => r.request_type === requestType);
    const requestId =
      open?.request_id ??
      (await this.create({ userId, requestType, jurisdiction, channel: 'api', isAccountHolder: true, accessScope: jurisdiction === 'CCPA' && requestType === 'access' ? 'specific_pieces' : null, dataCategories }, ctx));
    const state = await this.load(requestId);
    if (!state.verified || state.status === 'verified') await this.verify(requestId, { method: 'account_authentication' }, ctx);
    return requestId;
  }

  /** Art. 18(3): the decider refuses unless the subject was told; the consent ledger lifts the restriction after. */
  async liftRestriction(requestId: string, ctx: CommandContext): Promise<void> {
    const r = await this.run(requestId, { type: 'LiftRestriction', now: ctx.now }, ctx);
    if (r.events.length) {
      await runConsentCommand(this.infra, { type: 'LiftRestriction', subjectKey: r.state.request!.subject_key, requestId, now: ctx.now.toISOString() }, { ...ctx, causationId: requestId }, CONSENT_WAIT_MS);
    }
  }

  /**
   * The corrected values a system needs to apply its rectification task, limited to the task's
   * categories; handing them over is a release of personal data and is recorded as one.
   */
  async correctionsForTask(requestId: string, taskId: string, ctx: CommandContext) {
    const state = await this.load(requestId);
    if (state.request!.request_type !== 'rectification') throw precondition('request is not a rectification');
    if (!state.verified) throw precondition('an unverified request never releases data');
    const task = state.tasks[taskId];
    if (!task) throw notFound('task not found');
    const decoded = await this.infra.codec.decode((await this.infra.store.readStream(requestStreamId(requestId))).events);
    const all = (decoded.find((e) => e.type === 'rights.corrections_provided')?.data.corrections ?? null) as Record<string, string> | null;
    if (!all) throw precondition('the corrections are no longer available (erased)');
    const corrections = Object.fromEntries(Object.entries(all).filter(([category]) => inScope(category, task.categories)));
    await recordPersonalDataAccess(this.infra, ctx, { subjectKey: state.request!.subject_key, what: 'rights.corrections', purpose: 'rectification_request', requestId });
    await this.run(requestId, { type: 'RecordDataRelease', releasedTo: ctx.actor, sections: ['corrections'], format: 'json', items: Object.keys(corrections).length, now: ctx.now }, ctx);
    return { request_id: requestId, task_id: taskId, system_id: task.system_id, corrections };
  }

  exportCsv(rows: Array<Record<string, string>>, columns: string[]): string {
    return toCsv(rows, columns);
  }
}

function checkCorrections(c: Record<string, string> | null | undefined): Record<string, string> | null {
  if (!c) return null;
  const entries = Object.entries(c);
  if (entries.length > 50) throw invalid('at most 50 corrections', { field: 'corrections' });
  for (const [k, v] of entries) {
    if (!/^[a-z][a-z0-9_.]{0,127}$/.test(k)) throw invalid('corrections are keyed by data category', { field: 'corrections' });
    if (typeof v !== 'string' || v.length > 2000) throw invalid('a corrected value is a string of at most 2000 characters', { field: 'corrections' });
  }
  return { ...c };
}

/** Consent history of one subject for the report: grants with their proofs, ends from withdrawals and expiries. */
export function consentsOf(events: ReadonlyArray<{ type: string; data: any }>, subjectKey: string): ReportConsent[] {
  const byId = new Map<string, ReportConsent>();
  for (const e of events) {
    const d = e.data;
    if (d?.subject_key !== subjectKey) continue;
    switch (e.type) {
      case 'consent.given':
      case 'consent.renewed':
      case 'consent.refused':
        byId.set(d.consent_id, {
          consent_id: d.consent_id,
          status: e.type === 'consent.refused' ? 'refused' : 'given',
          categories: d.data_categories ?? [],
          purposes: d.processing_purposes ?? [],
          legal_basis: d.legal_basis ?? null,
          at: d.given_at ?? d.refused_at,
          ended_at: null,
          proof: { ...(d.proof ?? {}), consent_string: d.consent_string ?? null, consent_version: d.consent_version ?? null },
          extra: d.extra ?? null,
        });
        break;
      case 'consent.withdrawn':
      case 'consent.expired': {
        const ids = new Set<string>((d.affected ?? d.expired ?? []).map((g: { consent_id: string }) => g.consent_id));
        for (const id of ids) {
          const c = byId.get(id);
          if (c) byId.set(id, { ...c, status: e.type === 'consent.withdrawn' ? 'withdrawn' : 'expired', ended_at: d.withdrawn_at ?? d.expired_at });
        }
        break;
      }
      default:
        break;
    }
  }
  return [...byId.values()];
}
