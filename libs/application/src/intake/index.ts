import { consent, DomainError, intake, positionToString, taxonomyStamp } from '@pl/domain';
import { breachStreamId } from '@pl/domain/breach';
import type { NewEvent, StreamAppend } from '@pl/eventstore';
import type { BreachUseCases } from '../breach';
import type { CatalogUseCases } from '../catalog/use-cases';
import type { CommandContext } from '../commands/command-context';
import { IDEMPOTENCY_CLAIM, newIdempotencyScope } from '../commands/idempotency';
import type { ConsentUseCases } from '../consent';
import type { AppDeps } from '../core/app-deps';
import { intakeEventId } from './event-id';
import { retentionReported } from './retention';

export { parsePrivacyEvent, PRIVACY_EVENT_SCHEMA, type ParsedPrivacyEvent } from './validate';
export { processingLogOf, type ProcessingLogEntry } from './processing-log';

export type IntakeOutcome = 'recorded' | 'duplicate' | 'refused';

export interface IntakeResult {
  readonly event_id: string;
  readonly event_type: intake.PrivacyEventType;
  readonly outcome: IntakeOutcome;
  /** Why the ledger refused it (a rule of the law or the catalog); never the value. */
  readonly reason?: string;
  /** What the event became: the consent, breach or processing-log fact. */
  readonly ledger?: Record<string, unknown>;
}

/** The claim of the facts a privacy event records through handleCommand: the same on every delivery (not personal: a hash of the producer's id). */
const claimOf = (e: intake.PrivacyEvent) => `privacy-event:${intakeEventId(e.event_id)}`;

/**
 * Privacy event intake (issue 16): one use case for POST /privacy/events and the intake topic.
 * Processing events (data_*, retention_expired) of a whole batch are appended in one statement
 * (`appendMany`) under ids derived from the producer's `event_id`, so a repeat by either path is
 * collapsed by the log itself; consent events run the consent use cases (every rule of the
 * consent decider applies) and breach_detected opens a breach, each under a claim derived from the
 * `event_id` (a repeat finds its facts and records nothing). retention_expired then asks the
 * retention decider to record each holding of that system whose catalog retention has run out.
 */
export function createIntakeUseCases(deps: AppDeps, uses: { consent: ConsentUseCases; breach: BreachUseCases; catalog: CatalogUseCases }) {
  async function processing(events: readonly intake.PrivacyEvent[], ctx: CommandContext): Promise<IntakeResult[]> {
    const results: IntakeResult[] = [];
    const planned: Array<{ e: intake.PrivacyEvent; subjectKey: string; append: StreamAppend; index: number }> = [];
    // the batch is appended in one statement: one recording time for all of its events
    const recordedAt = new Date().toISOString();
    for (const e of events) {
      try {
        const subjectKey = deps.pseudonymizer.subject(e.user_id);
        const fact = intake.processingLogged(subjectKey, e, ctx.now);
        const event: NewEvent = {
          type: fact.type,
          schemaVersion: 1,
          data: fact.data,
          metadata: {
            ...(ctx.extra ?? {}),
            event_id: intakeEventId(e.event_id),
            occurred_at: fact.data.occurred_at,
            recorded_at: recordedAt,
            actor: ctx.actor,
            correlation_id: e.correlation_id || ctx.correlationId,
            causation_id: ctx.causationId ?? null,
            // the event's keys are today's taxonomy (an unstamped event is read with the old one's meanings)
            ...taxonomyStamp(),
          },
        };
        planned.push({ e, subjectKey, append: { streamId: intake.processingStream(subjectKey), events: [event] }, index: results.length });
        results.push({ event_id: e.event_id, event_type: e.event_type, outcome: 'recorded' });
      } catch (err) {
        results.push(refusal(e, err));
      }
    }
    // one append entry per subject stream: its data key is fetched once for all of its events
    const byStream = new Map<string, NewEvent[]>();
    for (const p of planned) {
      const events = byStream.get(p.append.streamId);
      if (events) events.push(...p.append.events);
      else byStream.set(p.append.streamId, [...p.append.events]);
    }
    const { appended, position } = await deps.store.appendMany([...byStream].map(([streamId, events]) => ({ streamId, events })));
    const fresh = new Set(appended);
    const at = position ? positionToString(position) : null;
    for (const p of planned) {
      // the first of repeats within the batch is the one appended; the rest are duplicates of it
      const recorded = fresh.delete(p.append.events[0].metadata.event_id);
      results[p.index] = { ...results[p.index], outcome: recorded ? 'recorded' : 'duplicate', ledger: { stream: 'processing', ...(recorded ? { position: at } : {}) } };
      if (p.e.event_type !== 'retention_expired') continue;
      // the retention decider records each holding once, so a repeat of the report changes nothing either
      const marked = await retentionReported(deps, uses.catalog, p.subjectKey, p.e, ctx);
      results[p.index] = { ...results[p.index], ledger: { ...results[p.index].ledger, retention_expired: marked } };
    }
    return results;
  }

  /** Whether an earlier delivery already recorded this event's facts in `streamId`. */
  async function seen(streamId: string, claim: string): Promise<boolean> {
    const { events } = await deps.store.readStream(streamId);
    return events.some((x) => x.metadata[IDEMPOTENCY_CLAIM] === claim);
  }

  async function one(e: intake.PrivacyEvent, ctx: CommandContext): Promise<IntakeResult> {
    const claim = claimOf(e);
    const scoped: CommandContext = {
      ...ctx,
      correlationId: e.correlation_id || ctx.correlationId,
      extra: { ...(ctx.extra ?? {}), source_event_id: e.event_id, source_service: e.service_name },
      idempotency: newIdempotencyScope(claim),
    };
    const base = { event_id: e.event_id, event_type: e.event_type };
    try {
      if (intake.routeOf(e.event_type) === 'breach') {
        const breachId = intakeEventId(e.event_id);
        if ((await deps.store.readStream(breachStreamId(breachId))).revision !== null) return { ...base, outcome: 'duplicate', ledger: { breach_id: breachId } };
        const d = e.event_data as Record<string, any>;
        const r = await uses.breach.detect(
          {
            aware_at: e.timestamp,
            source: d.source ?? 'internal_monitoring',
            description: d.description,
            reporter_role: d.reporter_role ?? `service:${e.service_name}`,
            systems: Array.isArray(d.systems) ? d.systems : [e.service_name],
            ...(d.window_from ? { window_from: d.window_from } : {}),
            ...(d.window_to ? { window_to: d.window_to } : {}),
          },
          scoped,
          breachId,
        );
        return { ...base, outcome: 'recorded', ledger: { breach_id: breachId, status: r.status, stage: r.stage, position: r.position } };
      }
      const subjectKey = deps.pseudonymizer.subject(e.user_id);
      if (await seen(consent.consentStreamId(subjectKey), claim)) return { ...base, outcome: 'duplicate' };
      const signals = { gpc: false };
      if (e.event_type === 'consent_given') {
        const d = e.event_data as Record<string, any>;
        const { consent_version, consent_string, expiry_date, ...metadata } = d;
        const r = await uses.consent.record(
          {
            user_id: e.user_id,
            data_categories: e.data_categories,
            processing_purposes: e.processing_purposes,
            consent_status: 'given',
            consent_timestamp: e.timestamp,
            ...(typeof expiry_date === 'string' ? { expiry_timestamp: expiry_date } : {}),
            ...(typeof consent_string === 'string' ? { consent_string } : {}),
            legal_basis: e.legal_basis,
            consent_version: typeof consent_version === 'string' ? consent_version : `privacy-event:${e.service_name}`,
            consent_metadata: metadata,
          },
          scoped,
          signals,
        );
        return { ...base, outcome: 'recorded', ledger: { consent_id: 'consent_id' in r ? r.consent_id : null, position: r.position } };
      }
      if (e.event_type === 'consent_withdrawn') {
        const r = await uses.consent.withdraw({ user_id: e.user_id, data_categories: e.data_categories, processing_purposes: e.processing_purposes }, scoped, signals);
        return { ...base, outcome: 'recorded', ledger: { affected_consents: r.affected_consents, position: r.position } };
      }
      // consent_expired: the ledger expires what its own records say is due at the reported time (never later than now)
      const at = new Date(Math.min(Date.parse(e.timestamp), ctx.now.getTime()));
      const r = await uses.consent.execute({ type: 'ExpireConsents', subjectKey, now: at }, scoped);
      const expired = r.events.find((x) => x.type === 'consent.expired');
      return { ...base, outcome: 'recorded', ledger: { expired: expired ? ((expired.data as { expired?: unknown[] }).expired ?? []).length : 0, position: r.appended ? positionToString(r.appended.position) : null } };
    } catch (err) {
      return refusal(e, err);
    }
  }

  /**
   * Records a batch of checked privacy events; answers one result per event, in order. A refusal by
   * a rule (DomainError) is that event's outcome; any other failure throws (the caller retries the
   * batch: what was recorded is then found, not recorded again).
   */
  async function record(events: readonly intake.PrivacyEvent[], ctx: CommandContext): Promise<IntakeResult[]> {
    const out: IntakeResult[] = new Array(events.length);
    const processingAt: number[] = [];
    events.forEach((e, i) => intake.routeOf(e.event_type) === 'processing' && processingAt.push(i));
    const logged = await processing(processingAt.map((i) => events[i]), ctx);
    processingAt.forEach((i, k) => (out[i] = logged[k]));
    for (const [i, e] of events.entries()) if (!out[i]) out[i] = await one(e, ctx);
    return out;
  }

  return { record };
}

function refusal(e: intake.PrivacyEvent, err: unknown): IntakeResult {
  if (!(err instanceof DomainError)) throw err;
  return { event_id: e.event_id, event_type: e.event_type, outcome: 'refused', reason: err.message };
}

export type IntakeUseCases = ReturnType<typeof createIntakeUseCases>;
