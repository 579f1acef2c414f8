import { catalog, consent, DomainError, type RecordedEvent } from '@pl/domain';
import { NOTIFY_RECIPIENTS, RELEASES_DATA, requestStreamId, type RequestReceivedData, type RequestState, type RightsCommand, type TaskSpec } from '@pl/domain/rights';
import type { CommandContext } from '../commands/command-context';
import type { AppDeps, EventProcessManager } from '../core/app-deps';
import { newIdempotencyScope } from '../commands/idempotency';
import { decideConsent } from '../consent/execute';
import { erasurePlans, holdingsInScope } from './erasure-plan';
import { foldRequest, runRequestCommand } from './request-commands';
import { taskIdFor } from './task-ids';

export const RIGHTS_VERIFICATION_PM = 'rights-verification';

/** Top-level direct-marketing purposes of the taxonomy (their sub-purposes are covered by prefix). */
export const DIRECT_MARKETING_PURPOSES: string[] = catalog.PURPOSES.filter(
  (p) => p.direct_marketing && !catalog.PURPOSES.some((q) => q.direct_marketing && q.key !== p.key && catalog.purposeCovers(q.key, p.key)),
).map((p) => p.key);

/** The steps, in order; a crash after any of them is resumed by handling the same fact again. */
export type VerificationStep = 'consent_effect' | 'ledger_erasure_recorded' | 'keys_shredded' | 'tasks_dispatched' | 'completed' | 'restriction_lifted';

export interface VerificationOptions {
  /** Called after each step that changed something (tests inject crashes here). */
  readonly afterStep?: (step: VerificationStep, requestId: string) => void | Promise<void>;
}

const OPEN = new Set(['received', 'verified', 'in_progress']);
const LEDGER_ERASURE_GROUND = 'GDPR Art. 17(1); Civ. Code § 1798.105';

/**
 * What follows a verified request (invariant 12), fed by the fact that it is verified
 * (`rights.identity_verified`, or `rights.request_received` needing no verification):
 *   1. its effect on the consent ledger (restriction, objection, opt-outs; withdrawal before an erasure),
 *   2. for a full erasure: `rights.subject_erased`, then the subject's data keys shredded,
 *   3. one task per system holding the subject's data (ids derived from request and system), Art. 19 recipients,
 *   4. completion when nothing was dispatched (access and portability complete on release instead).
 * `rights.restriction_lifted` lifts the ledger's restriction; `rights.data_released` completes an
 * access or portability request once no task is pending. Each step is decided from the log, so
 * handling a fact again (after a crash at any step) reaches the same end state and records nothing twice.
 */
export function rightsVerificationProcessManager(options: VerificationOptions = {}): EventProcessManager {
  const step = async (name: VerificationStep, requestId: string) => options.afterStep?.(name, requestId);
  return {
    name: RIGHTS_VERIFICATION_PM,
    typePrefixes: ['rights.request_received', 'rights.identity_verified', 'rights.restriction_lifted', 'rights.data_released'],
    async handle(event, deps) {
      const requestId = event.data?.request_id as string | undefined;
      if (!requestId || event.streamId !== requestStreamId(requestId)) return;
      const ctx = contextOf(event);
      switch (event.type) {
        case 'rights.request_received':
          if (event.data.verification_required === false) await afterVerified(deps, requestId, ctx, step);
          return;
        case 'rights.identity_verified':
          await afterVerified(deps, requestId, ctx, step);
          return;
        case 'rights.restriction_lifted':
          await liftLedgerRestriction(deps, requestId, ctx, step);
          return;
        case 'rights.data_released':
          await completeAfterRelease(deps, requestId, ctx, step);
          return;
        default:
          return;
      }
    },
  };
}

/** The process manager acts at the time of the fact it reacts to: a resumed run decides exactly as the first. */
function contextOf(event: RecordedEvent): CommandContext {
  return {
    actor: `worker:${RIGHTS_VERIFICATION_PM}`,
    correlationId: event.metadata.correlation_id,
    causationId: event.metadata.event_id,
    now: new Date(event.metadata.occurred_at),
  };
}

type Step = (name: VerificationStep, requestId: string) => Promise<void>;

async function requestState(deps: AppDeps, requestId: string): Promise<RequestState> {
  return foldRequest((await deps.store.readStream(requestStreamId(requestId))).events);
}

/**
 * Runs a request command unless the request closed meanwhile (a release or a rejection won the race):
 * then nothing is left to do (null). Otherwise whether it recorded something, and the request after it
 * (the state its append was decided on: no second read of the stream).
 */
async function runOpen(deps: AppDeps, requestId: string, command: RightsCommand, ctx: CommandContext): Promise<{ recorded: boolean; state: RequestState } | null> {
  try {
    const r = await runRequestCommand(deps, requestId, command, ctx, { readYourWrites: false });
    return { recorded: r.events.length > 0, state: r.state };
  } catch (e) {
    if (e instanceof DomainError && e.code === 'conflict' && !OPEN.has((await requestState(deps, requestId)).status)) return null;
    throw e;
  }
}

async function afterVerified(deps: AppDeps, requestId: string, ctx: CommandContext, step: Step): Promise<void> {
  let state = await requestState(deps, requestId);
  if (!OPEN.has(state.status) || !state.verified) return;
  const req = state.request!;
  const dispatched = Object.keys(state.tasks).length > 0 || state.recipientsNotified.length > 0;

  const effect = consentEffect(req, state, ctx.now);
  const applyEffect = async () => {
    if (!effect || dispatched) return;
    // one read of the subject's consent stream: decided there unless this request's claim already recorded it
    const r = await decideConsent(deps, effect, { ...ctx, causationId: requestId, idempotency: consentEffectClaim(requestId) });
    if (r.events.length && !r.replayed) await step('consent_effect', requestId);
  };
  // the fan-out only reads the catalog: planned while the consent effect is decided; every append below still follows that effect
  const [plan] = await Promise.all([fanOut(deps, req, ctx.now, requestId), applyEffect()]);
  const fullErasure = req.request_type === 'erasure' && req.data_categories === null;
  if (fullErasure && !state.ledgerErased) {
    // the fact first, then the shredding it records: a crash between them is resumed below (the key is still there to count before)
    const dataKeysShredded = (await deps.keys.storedKeyId(req.subject_key)) ? 1 : 0;
    const retained = plan.tasks.flatMap((t) => t.retained ?? []);
    const r = await runOpen(deps, requestId, { type: 'RecordLedgerErasure', dataKeysShredded, readModelsPurged: ['rights', 'data_map'], retained, ground: LEDGER_ERASURE_GROUND, now: ctx.now }, ctx);
    if (!r) return;
    if (r.recorded) await step('ledger_erasure_recorded', requestId);
    state = r.state;
  }
  // shredded before any task goes out; once tasks are out, the subject may come back under a new key that must survive
  if (fullErasure && state.ledgerErased && !dispatched && OPEN.has(state.status)) {
    await deps.keys.shred(req.subject_key);
    await step('keys_shredded', requestId);
  }

  if (!dispatched && (plan.tasks.length || plan.recipients.length)) {
    const r = await runOpen(deps, requestId, { type: 'DispatchTasks', tasks: plan.tasks, recipients: plan.recipients, now: ctx.now }, ctx);
    if (!r) return;
    if (r.recorded) await step('tasks_dispatched', requestId);
    state = r.state;
  }

  if (!RELEASES_DATA.has(req.request_type) && !Object.keys(state.tasks).length && OPEN.has(state.status)) {
    if ((await runOpen(deps, requestId, { type: 'CompleteRequest', now: ctx.now }, ctx))?.recorded) await step('completed', requestId);
  }
}

/** The consent-ledger command a verified request implies, if any. */
function consentEffect(req: RequestReceivedData, state: RequestState, now: Date): consent.ConsentCommand | null {
  const subjectKey = req.subject_key;
  const requestId = req.request_id;
  switch (req.request_type) {
    case 'restriction':
      // in force until lifted (Art. 18(3)); once lifted, restricting again would undo the lifting
      return state.restriction !== 'lifted' ? { type: 'RestrictProcessing', subjectKey, requestId, reason: null, now } : null;
    case 'objection': {
      const directMarketing = req.objection?.scope === 'direct_marketing';
      // Art. 21(2)-(3) covers direct marketing only: name those purposes (the consent ledger reads "no purposes" as every objectable purpose).
      const purposes = req.objection?.purposes ?? (directMarketing ? DIRECT_MARKETING_PURPOSES : null);
      return { type: 'RecordObjection', subjectKey, purposes, directMarketing, requestId, now };
    }
    case 'opt_out_sale_sharing':
      return { type: 'RecordOptOut', subjectKey, optOut: { kinds: ['sale', 'sharing'], source: 'api', detail: `request ${requestId}` }, now };
    case 'limit_sensitive_pi':
      return { type: 'RecordOptOut', subjectKey, optOut: { kinds: ['sensitive_limit'], source: 'api', detail: `request ${requestId}` }, now };
    case 'erasure':
      // crypto-shredding keeps the consents readable as accountability facts: withdrawn first (invariant 3)
      return req.data_categories === null && !state.ledgerErased ? { type: 'WithdrawConsent', subjectKey, categories: null, purposes: null, now } : null;
    default:
      return null;
  }
}

/**
 * The idempotency claim of a request's effect on the consent ledger: its events carry it, so a
 * resumed run finds them in the same read that would decide the effect again, and records nothing twice.
 */
const consentEffectClaim = (requestId: string) => newIdempotencyScope(`${RIGHTS_VERIFICATION_PM}:${requestId}`);

/** One task per system holding the subject's data (an erasure: what the analysis lets go), and the Art. 19 recipients. */
async function fanOut({ catalog: rightsCatalog }: AppDeps, req: RequestReceivedData, now: Date, requestId: string): Promise<{ tasks: TaskSpec[]; recipients: string[] }> {
  // the catalog's current activities once for the holdings, the erasure analysis and the recipients
  const activities = await rightsCatalog.activities();
  let tasks: TaskSpec[];
  if (req.request_type === 'erasure') {
    const scope = { subjectKey: req.subject_key, jurisdiction: req.jurisdiction, dataCategories: req.data_categories, establishmentCountry: req.establishment?.country ?? null };
    const plans = await erasurePlans(rightsCatalog, scope, now, activities);
    tasks = plans.map((p) => ({ taskId: taskIdFor(requestId, p.system_id), systemId: p.system_id, integration: p.integration, categories: p.erase, retained: p.retained }));
  } else {
    const holdings = await holdingsInScope(rightsCatalog, req.subject_key, req.data_categories, activities);
    tasks = holdings.map((h) => ({ taskId: taskIdFor(requestId, h.system_id), systemId: h.system_id, integration: h.integration, categories: h.categories.map((c) => c.category) }));
  }
  // Art. 19: only what the request changes (for an erasure the erasable categories, not the retained ones)
  const recipients = NOTIFY_RECIPIENTS.has(req.request_type) ? await rightsCatalog.recipients(tasks.map((t) => ({ system_id: t.systemId, categories: t.categories })), activities) : [];
  return { tasks, recipients };
}

/** Art. 18(3): the ledger's restriction ends after the request recorded its lifting, once. */
async function liftLedgerRestriction(deps: AppDeps, requestId: string, ctx: CommandContext, step: Step): Promise<void> {
  const req = (await requestState(deps, requestId)).request!;
  const { events } = await deps.store.readStream(consent.consentStreamId(req.subject_key));
  if (events.some((e) => e.type === 'consent.restriction_lifted' && e.data?.request_id === requestId)) return;
  const r = await decideConsent(deps, { type: 'LiftRestriction', subjectKey: req.subject_key, requestId, now: ctx.now }, { ...ctx, causationId: requestId });
  if (r.events.length) await step('restriction_lifted', requestId);
}

/** An access or portability request is done once its data was released and no task is pending. */
async function completeAfterRelease(deps: AppDeps, requestId: string, ctx: CommandContext, step: Step): Promise<void> {
  const state = await requestState(deps, requestId);
  if (!state.request || !RELEASES_DATA.has(state.request.request_type) || !OPEN.has(state.status) || !state.verified) return;
  if (Object.values(state.tasks).some((t) => t.status === 'dispatched')) return;
  if ((await runOpen(deps, requestId, { type: 'CompleteRequest', now: ctx.now }, ctx))?.recorded) await step('completed', requestId);
}
