import { randomUUID } from 'node:crypto';
import { recordPersonalDataAccess } from '@pl/audit';
import { catalog, conflict, invalid, notFound, precondition } from '@pl/domain';
import { establishmentFromControllers } from '@pl/domain/law/establishment';
import {
  buildAccessReport,
  buildPortabilityExport,
  inScope,
  reportSections,
  requestStreamId,
  toCsv,
  type Jurisdiction,
  type RequestState,
  type RequestType,
  type RightsCommand,
  type TaskOutcome,
  type VerificationEvidence,
} from '@pl/domain/rights';
import { CCPA_METRICS_CSV_COLUMNS, ccpaMetricsTimezone, ccpaRequestMetrics } from '@pl/domain/law/ccpa-metrics';
import { getRequest, nthNewestRequestSince, openRequestsOfSubject, requestMetricsGroups } from '@pl/projections/rights';
import type { CommandContext } from '../commands/command-context';
import type { AppDeps } from '../core/app-deps';
import { RIGHTS_RATE_LIMITS, SlidingWindowLimiter } from './rate-limit';
import { accessFields, erasureAnalysisOf, portabilityFields } from './earlier-shapes';
import { erasurePlans } from './erasure-plan';
import { reportInput } from './report-input';
import { loadRequest, runRequestCommand, type RightsResult } from './request-commands';

type ReceiveRequest = Extract<RightsCommand, { type: 'ReceiveRequest' }>;

/** A request as a caller files it: the caller's user id (pseudonymised here) and the request's own fields. */
export type NewRequest = { readonly userId: string } & Pick<
  ReceiveRequest,
  'requestType' | 'jurisdiction' | 'channel' | 'authorisedAgent' | 'isAccountHolder' | 'accessScope' | 'dataCategories' | 'objection' | 'corrections' | 'establishment'
>;

export interface TaskResultInput {
  readonly outcome: TaskOutcome;
  readonly recordsAffected?: number | null;
  readonly reason?: string | null;
  readonly retained?: ReadonlyArray<{ category: string; reason_code: string; source: string; explanation: string; retain_until?: string | null }>;
  readonly data?: Record<string, unknown> | null;
}

/** Too many requests (per caller or per subject): the edge answers 429 with Retry-After. */
export class RequestRateLimitedError extends Error {
  constructor(
    readonly retryAfterMs: number,
    message: string,
  ) {
    super(message);
    this.name = 'RequestRateLimitedError';
  }
}

const DAY = 86_400_000;

/**
 * The data-subject request use cases, framework-free: each records one fact on the request's stream
 * (read-your-writes on rm_rights for the caller); what follows a verification, a lifted restriction
 * or a release is the verification process manager's (verification.process-manager.ts).
 */
export function rightsUseCases(deps: AppDeps) {
  const callerLimiter = new SlidingWindowLimiter(RIGHTS_RATE_LIMITS.perCallerPerMinute, 60_000);
  /** One request command (the API's CommandBus adapter calls this for the plain commands). */
  const execute = (requestId: string, command: RightsCommand, ctx: CommandContext): Promise<RightsResult> => runRequestCommand(deps, requestId, command, ctx);
  const load = (requestId: string): Promise<RequestState> => loadRequest(deps, requestId);
  /** The establishment the catalog's controllers declare (Art. 30(1)(a), Art. 56). */
  const catalogEstablishment = async () => establishmentFromControllers((await deps.catalog.activities()).map((a) => a.controller?.establishment));

  /** Receives a request (rate limits, one creation per subject at a time, duplicate check); returns its id. */
  async function create(input: NewRequest, ctx: CommandContext): Promise<string> {
    const subjectKey = deps.pseudonymizer.subject(input.userId);
    const now = ctx.now.getTime();
    if (!callerLimiter.take(ctx.actor, now)) throw new RequestRateLimitedError(callerLimiter.retryAfterMs(ctx.actor, now), 'too many requests from this caller; retry later');
    const nth = await nthNewestRequestSince(deps.db, subjectKey, new Date(now - DAY), RIGHTS_RATE_LIMITS.perSubjectPerDay);
    if (nth) throw new RequestRateLimitedError(nth.getTime() + DAY - now, 'too many requests for this subject in 24 hours');
    // One creation per subject at a time (advisory lock across API instances), held until the register
    // shows the new request, so the duplicate check below cannot race another creation.
    const lock = await deps.db.tryLock(`rights:create:${subjectKey}`);
    if (!lock) throw conflict('another request for this subject is being created; retry');
    const requestId = randomUUID();
    try {
      const est = input.establishment || input.jurisdiction !== 'GDPR' ? { establishment: input.establishment ?? null, warnings: [] } : await catalogEstablishment();
      await execute(
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
          openRequests: await openRequestsOfSubject(deps.db, subjectKey),
          now: ctx.now,
        },
        ctx,
      );
    } finally {
      await lock.release();
    }
    return requestId;
  }

  /** Records the verification, nothing else: the process manager fed by it applies the request. */
  const verify = (requestId: string, evidence: VerificationEvidence, ctx: CommandContext): Promise<RightsResult> => execute(requestId, { type: 'VerifyIdentity', evidence, now: ctx.now }, ctx);

  /** One fact; the process manager completes the request once nothing is pending. */
  const release = (requestId: string, sections: string[], format: 'json' | 'csv', items: number, ctx: CommandContext) =>
    execute(requestId, { type: 'RecordDataRelease', releasedTo: ctx.actor, sections, format, items, now: ctx.now }, ctx);

  const uses = {
    execute,
    load,
    create,
    verify,

    async status(requestId: string, now = new Date()) {
      const r = await getRequest(deps.db, requestId, now);
      if (!r) throw notFound('request not found');
      return r;
    },

    /** 11 CCR § 7102: the CCPA request metrics of a calendar year (California days), as JSON or CSV. */
    async ccpaMetrics(year: number, format: 'json' | 'csv' = 'json') {
      const timezone = ccpaMetricsTimezone();
      const metrics = ccpaRequestMetrics(year, timezone, await requestMetricsGroups(deps.db, 'CCPA', year, timezone));
      if (format === 'json') return metrics;
      const text = (v: number | string | null) => (v === null ? '' : String(v));
      return { csv: toCsv(metrics.rows.map((r) => Object.fromEntries(CCPA_METRICS_CSV_COLUMNS.map((c) => [c, text(r[c])]))), CCPA_METRICS_CSV_COLUMNS) };
    },

    /** Art. 18(3): the decider refuses unless the subject was told; the process manager lifts the ledger's restriction after. */
    liftRestriction: (requestId: string, ctx: CommandContext): Promise<RightsResult> => execute(requestId, { type: 'LiftRestriction', now: ctx.now }, ctx),

    /** A system's answer to its task (HTTP); the Kafka results consumer records the same command. */
    async recordTaskResult(requestId: string, taskId: string, r: TaskResultInput, ctx: CommandContext): Promise<RightsResult> {
      const systemId = (await load(requestId)).tasks[taskId]?.system_id ?? '';
      return execute(
        requestId,
        {
          type: 'RecordTaskResult',
          taskId,
          outcome: r.outcome,
          recordsAffected: r.recordsAffected ?? null,
          reason: r.reason ?? null,
          retained: (r.retained ?? []).map((x) => ({ system_id: systemId, category: x.category, reason_code: x.reason_code, source: x.source, explanation: x.explanation, retain_until: x.retain_until ?? null })),
          data: r.data ?? null,
          now: ctx.now,
        },
        ctx,
      );
    },

    /** Access (Art. 15): only for a verified access request; every release is recorded. */
    async access(requestId: string, ctx: CommandContext, extendedLookBack = false) {
      const state = await load(requestId);
      assertReleasable(state, 'access');
      await recordPersonalDataAccess(deps, ctx, { subjectKey: state.request!.subject_key, what: 'rights.access_report', purpose: 'access_request', requestId });
      const { input } = await reportInput(deps, state, ctx.now, extendedLookBack);
      const report = buildAccessReport(input);
      await release(requestId, reportSections(report), 'json', report.consents.length + report.receipts.length + report.system_data.length, ctx);
      return { request_id: requestId, report };
    },

    /** Portability (Art. 20) as JSON or CSV; recorded as a release. */
    async portability(requestId: string, format: 'json' | 'csv', ctx: CommandContext): Promise<{ csv: string } | { request_id: string; export: ReturnType<typeof buildPortabilityExport> }> {
      const state = await load(requestId);
      assertReleasable(state, 'portability');
      await recordPersonalDataAccess(deps, ctx, { subjectKey: state.request!.subject_key, what: 'rights.portability_export', purpose: 'portability_request', requestId });
      const { input, holdings } = await reportInput(deps, state, ctx.now);
      const exported = buildPortabilityExport(input, holdings.flatMap((h) => h.categories));
      await release(requestId, ['portable_data', 'consents'], format, exported.records.length + exported.consents.length, ctx);
      if (format === 'csv') return { csv: toCsv(exported.records, ['system_id', 'category', 'field', 'value']) };
      return { request_id: requestId, export: exported };
    },

    /**
     * The routes existing clients call: the calling service has authenticated its user, so the
     * request is verified by that existing authentication (11 CCR § 7061; GDPR Art. 12(6)). An open
     * request of the same type is reused instead of creating a duplicate.
     */
    async forAuthenticatedUser(userId: string, requestType: RequestType, jurisdiction: Jurisdiction, ctx: CommandContext, dataCategories: string[] | null = null): Promise<string> {
      const subjectKey = deps.pseudonymizer.subject(userId);
      const open = (await openRequestsOfSubject(deps.db, subjectKey)).find((r) => r.request_type === requestType);
      const requestId =
        open?.request_id ??
        (await create({ userId, requestType, jurisdiction, channel: 'api', isAccountHolder: true, accessScope: jurisdiction === 'CCPA' && requestType === 'access' ? 'specific_pieces' : null, dataCategories }, ctx));
      if (!(await load(requestId)).verified) await verify(requestId, { method: 'account_authentication' }, ctx);
      return requestId;
    },

    /**
     * The corrected values a system needs to apply its rectification task, limited to the task's
     * categories; handing them over is a release of personal data and is recorded as one.
     */
    async correctionsForTask(requestId: string, taskId: string, ctx: CommandContext) {
      const state = await load(requestId);
      if (state.request!.request_type !== 'rectification') throw precondition('request is not a rectification');
      if (!state.verified) throw precondition('an unverified request never releases data');
      const task = state.tasks[taskId];
      if (!task) throw notFound('task not found');
      const decoded = await deps.codec.decode((await deps.store.readStream(requestStreamId(requestId))).events);
      const all = (decoded.find((e) => e.type === 'rights.corrections_provided')?.data.corrections ?? null) as Record<string, string> | null;
      if (!all) throw precondition('the corrections are no longer available (erased)');
      const corrections = Object.fromEntries(Object.entries(all).filter(([category]) => inScope(category, task.categories)));
      await recordPersonalDataAccess(deps, ctx, { subjectKey: state.request!.subject_key, what: 'rights.corrections', purpose: 'rectification_request', requestId });
      await execute(requestId, { type: 'RecordDataRelease', releasedTo: ctx.actor, sections: ['corrections'], format: 'json', items: Object.keys(corrections).length, now: ctx.now }, ctx);
      return { request_id: requestId, task_id: taskId, system_id: task.system_id, corrections };
    },
  };

  /** Categories of a subject route's body: taxonomy keys or the earlier service's coarse values (`financial`), resolved; none = all. */
  const categoriesOf = (categories: readonly string[] | null | undefined): string[] | null => (categories?.length ? [...new Set(categories.map((c) => catalog.resolveCategory(c)))] : null);

  return {
    ...uses,

    /** `GET /data-subject/access/{user_id}`: the report, with the earlier service's fields beside it. */
    async subjectAccess(userId: string, jurisdiction: Jurisdiction, ctx: CommandContext, extendedLookBack = false) {
      const requestId = await uses.forAuthenticatedUser(userId, 'access', jurisdiction, ctx);
      const r = await uses.access(requestId, ctx, extendedLookBack);
      return { ...r, ...accessFields(userId, r.report) };
    },

    /** `GET /data-subject/portability/{user_id}`: JSON with the earlier service's fields beside the export, or CSV. */
    async subjectPortability(userId: string, format: 'json' | 'csv', ctx: CommandContext) {
      const requestId = await uses.forAuthenticatedUser(userId, 'portability', 'GDPR', ctx);
      const r = await uses.portability(requestId, format, ctx);
      return 'csv' in r ? r : { ...r, ...portabilityFields(userId, r.export) };
    },

    /**
     * `POST /data-subject/erasure`: the erasure analysis from the catalog at once (analysed before the
     * request is recorded: its verification lets the worker purge the subject's holdings), the request
     * verified by the caller's own authentication, and where to follow the results (the per-system
     * tasks and the ledger's erasure follow from the recorded verification, asynchronously).
     */
    async subjectErasure(userId: string, jurisdiction: Jurisdiction, dataCategories: readonly string[] | null, ctx: CommandContext) {
      const categories = categoriesOf(dataCategories);
      const plans = await erasurePlans(deps.catalog, { subjectKey: deps.pseudonymizer.subject(userId), jurisdiction, dataCategories: categories }, ctx.now);
      const requestId = await uses.forAuthenticatedUser(userId, 'erasure', jurisdiction, ctx, categories);
      const status = await uses.status(requestId, ctx.now);
      const follow = `/data-subject/requests/${requestId}`;
      return {
        ...status,
        user_id: userId,
        erasure_analysis: erasureAnalysisOf(plans, categories),
        erasure_results: { status: status.status, request_id: requestId, ledger_erased: status.ledger_erased, tasks: status.tasks, follow },
        links: { request: follow },
      };
    },
  };
}

export type RightsUseCases = ReturnType<typeof rightsUseCases>;

function assertReleasable(state: RequestState, type: RequestType): void {
  if (state.request!.request_type !== type) throw precondition(`request is not a ${type} request`);
  if (!state.verified) throw precondition('an unverified request never releases data');
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
