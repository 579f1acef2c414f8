import { randomUUID } from 'node:crypto';
import { invalid, notFound, positionToString, precondition, type RecordedEvent } from '@pl/domain';
import {
  MAX_SUBJECT_KEYS_PER_COMMAND,
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
  type BreachState,
  type RiskFactors,
  type ScopeReceipt,
} from '@pl/domain/breach';
import { BREACH_DEADLINE_RULES } from '@pl/domain/law/breach';
import { breachRegisterCsv, breachesWithRunningClocks, listBreaches } from '@pl/projections/breach_register';
import { asDomainEvent } from '../commands/handle-command';
import type { CommandContext } from '../commands/command-context';
import type { AppDeps } from '../core/app-deps';
import { breachCommand } from './execute';
import type { AssessBreachInput, DetectBreachInput, NotifyAuthorityInput, NotifySubjectsInput, RiskFactorsInput, ScopeInput, SubjectExemptionInput } from './inputs';
import { breachView, timelineOf } from './view';

export type * from './inputs';

const CLOCK_LOOKAHEAD_MS = Math.max(...BREACH_DEADLINE_RULES.flatMap((r) => r.warn_before_hours)) * 3_600_000;

/**
 * The breach context's use cases (route -> use case -> breach decider -> log -> breach register),
 * framework-free; bound once in the composition root (apps/common/application.ts).
 */
export function createBreachUseCases(deps: AppDeps) {
  const { catalog } = deps;
  const execute = breachCommand(deps);

  async function run(id: string, command: BreachCommand, ctx: CommandContext) {
    const r = await execute(id, command, ctx);
    return { ...breachView(r.state, ctx.now), events: r.events.map((e) => e.type), position: r.appended ? positionToString(r.appended.position) : null };
  }

  async function load(id: string): Promise<{ state: BreachState; events: RecordedEvent[] }> {
    // Staff handling the breach read its free text (encrypted in the log with the breach's key).
    const events = await deps.codec.decode((await deps.store.readStream(breachStreamId(id))).events);
    const state = events.reduce((s, e) => evolveBreach(s, asDomainEvent<BreachEvent>(e)), initialBreachState());
    if (state.status === 'none') throw notFound('breach not found');
    return { state, events };
  }

  function window(state: BreachState, from: string | null, to: string | null): { from: string; to: string } {
    const windowFrom = from ?? state.window_from;
    const windowTo = to ?? state.window_to ?? state.aware_at;
    if (!windowFrom) throw invalid('a time window is needed for scoping: give window_from here or when recording the breach', { field: 'window_from' });
    if (Date.parse(windowFrom) > Date.parse(windowTo)) throw invalid('window_from is after window_to', { field: 'window_from' });
    return { from: windowFrom, to: windowTo };
  }

  async function scopeReceipts(state: BreachState, from: string | null, to: string | null): Promise<ScopeReceipt[]> {
    const w = window(state, from, to);
    return catalog.receiptsInWindow(state.systems, new Date(w.from), new Date(w.to));
  }

  async function scopeOf(state: BreachState, from: string | null, to: string | null): Promise<BreachScope> {
    const w = window(state, from, to);
    const receipts = await scopeReceipts(state, w.from, w.to);
    // The catalog as it stood when the controller became aware of the breach.
    const snapshot = await catalog.snapshot(state.systems, new Date(state.aware_at));
    const jurisdictions = await catalog.jurisdictions([...new Set(receipts.map((r) => r.subject_key))]);
    return computeScope({ systems: state.systems, window_from: w.from, window_to: w.to, receipts, catalog: snapshot, jurisdictions });
  }

  return {
    /** A breach decider command on one breach's stream (no read model to wait for: views fold the stream). */
    execute,

    /** POST /breaches: a detected breach (Art. 33(5)); its systems checked against the catalog. */
    async detect(input: DetectBreachInput, ctx: CommandContext, id: string = randomUUID()) {
      const known = await catalog.knownSystems([...new Set(input.systems)], ctx.now);
      return run(
        id,
        {
          type: 'DetectBreach',
          breachId: id,
          awareAt: input.aware_at,
          source: input.source,
          description: input.description,
          reporterRole: input.reporter_role,
          systems: input.systems,
          knownSystems: known,
          windowFrom: input.window_from ?? null,
          windowTo: input.window_to ?? null,
          now: ctx.now,
        },
        ctx,
      );
    },

    /** The register, newest awareness first, a page at a time: `next` is the `after` of the following page (null on the last). */
    async list(q: { status?: 'open' | 'closed'; limit?: number; after?: string }) {
      const page = await listBreaches(deps.db, new Date(), { status: q.status, limit: q.limit, after: q.after === undefined ? undefined : breachPageAfter(q.after) });
      return { breaches: page.rows, next: page.next ? Buffer.from(JSON.stringify([page.next.awareAt, page.next.breachId])).toString('base64url') : null };
    },

    /** The register as CSV (Art. 33(5) documentation, for an authority). */
    csv: () => breachRegisterCsv(deps.db, new Date()),

    async get(id: string) {
      const { state, events } = await load(id);
      return { ...breachView(state, new Date()), timeline: timelineOf(events) };
    },

    async scope(id: string, input: ScopeInput) {
      const { state } = await load(id);
      return scopeOf(state, input.window_from ?? null, input.window_to ?? null);
    },

    /** Art. 33(1), 34(1): factors as given, missing ones filled from the scope with `use_scope`. */
    async assess(id: string, input: AssessBreachInput, ctx: CommandContext) {
      const { state } = await load(id);
      const scope = input.use_scope ? await scopeOf(state, null, null) : null;
      const f = input.factors;
      const subjects = f.subjects_count ?? scope?.subjects_count;
      const records = f.records_count ?? scope?.records_count;
      if (subjects === undefined || records === undefined) throw invalid('factors.subjects_count and factors.records_count are required unless use_scope is set', { field: 'factors' });
      const union = (a: readonly string[] | undefined, b: readonly string[] | undefined) => [...new Set([...(a ?? []), ...(b ?? [])])].sort();
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
      return run(
        id,
        {
          type: 'AssessBreach',
          factors,
          subjectJurisdictions: input.subject_jurisdictions ?? scope?.subject_jurisdictions ?? {},
          mainEstablishment: input.main_establishment ?? null,
          scope,
          override: input.override ?? null,
          measuresTaken: input.measures_taken,
          measuresProposed: input.measures_proposed,
          contactPoint: input.contact_point,
          now: ctx.now,
        },
        ctx,
      );
    },

    /** Art. 33 (72 hours). */
    notifyAuthority: (id: string, input: NotifyAuthorityInput, ctx: CommandContext) => run(
        id,
        { type: 'NotifyAuthority', authority: input.authority, phase: input.phase, reference: input.reference ?? null, delayReason: input.delay_reason ?? null, now: ctx.now },
        ctx,
      ),

    /** Art. 34; Cal. Civ. Code 1798.82: given subjects (pseudonymised here) and/or every subject of the scope. */
    async notifySubjects(id: string, input: NotifySubjectsInput, ctx: CommandContext) {
      const keys = new Set((input.subject_ids ?? []).map((s) => deps.pseudonymizer.subject(s)));
      if (input.from_scope) {
        const { state } = await load(id);
        const w = state.assessment?.scope ?? null;
        for (const r of await scopeReceipts(state, w?.window_from ?? null, w?.window_to ?? null)) keys.add(r.subject_key);
        if (keys.size > MAX_SUBJECT_KEYS_PER_COMMAND) throw precondition(`the scope holds more than ${MAX_SUBJECT_KEYS_PER_COMMAND} subjects; send the notices in batches with subject_ids`);
      }
      return run(
        id,
        {
          type: 'NotifySubjects',
          jurisdiction: input.jurisdiction,
          noticeId: randomUUID(),
          channel: input.channel,
          subjectsCount: input.subjects_count ?? keys.size,
          subjectKeys: [...keys],
          delayReason: input.delay_reason ?? null,
          now: ctx.now,
        },
        ctx,
      );
    },

    /** Art. 34(3). */
    recordExemption: (id: string, input: SubjectExemptionInput, ctx: CommandContext) => run(
        id,
        { type: 'RecordSubjectExemption', ground: input.ground, justification: input.justification, publicCommunication: input.public_communication ?? null, now: ctx.now },
        ctx,
      ),

    /** Cal. Civ. Code 1798.82(f). */
    notifyAttorneyGeneral: (id: string, input: { reference?: string }, ctx: CommandContext) => run(id, { type: 'NotifyAttorneyGeneral', reference: input.reference ?? null, now: ctx.now }, ctx),

    close: (id: string, input: { summary: string }, ctx: CommandContext) => run(id, { type: 'CloseBreach', summary: input.summary, now: ctx.now }, ctx),

    reopen: (id: string, input: { reason: string }, ctx: CommandContext) => run(id, { type: 'ReopenBreach', reason: input.reason, now: ctx.now }, ctx),

    /** Draft notification texts for the authority, the subjects and (when required) California. */
    async drafts(id: string, controller: string | undefined) {
      const { state } = await load(id);
      if (!state.assessment) throw precondition('drafts need a risk assessment first');
      const options = { controller: controller ?? 'the controller', notice_date: new Date().toISOString() };
      return {
        authority: authorityDraft(state, options),
        subjects: subjectNoticeDraft(state, options),
        california: state.assessment.ca_notice_required ? californiaNoticeDraft(state, options) : null,
      };
    },

    /**
     * The worker's breach clocks: for every open breach whose next deadline is within the longest
     * warning horizon, the decider checks its clocks; it records each warning and each overdue fact
     * once, so a repeated or crashed run appends nothing new.
     */
    async checkClocks(now: Date): Promise<void> {
      const ids = await breachesWithRunningClocks(deps.db, new Date(now.getTime() + CLOCK_LOOKAHEAD_MS));
      const ctx = { actor: 'worker:breach-clocks', correlationId: randomUUID(), now };
      for (const id of ids) await execute(id, { type: 'CheckClocks', now }, ctx);
    },
  };
}

export type BreachUseCases = ReturnType<typeof createBreachUseCases>;

/** The drafts as one plain text (`?format=text`). */
export function draftsText(d: Awaited<ReturnType<BreachUseCases['drafts']>>): string {
  return [
    '=== Notification to the supervisory authority (GDPR Art. 33) ===',
    d.authority.text,
    '',
    '=== Communication to data subjects (GDPR Art. 34) ===',
    d.subjects.text,
    ...(d.california ? ['', '=== California notice (Civ. § 1798.82) ===', d.california.text] : []),
  ].join('\n');
}

/** The `after` cursor of a register page: [aware_at, breach_id] as base64url JSON, as `next` gave it. */
function breachPageAfter(after: string): { awareAt: string; breachId: string } {
  try {
    const [awareAt, breachId] = JSON.parse(Buffer.from(after, 'base64url').toString('utf8')) as unknown[];
    if (typeof awareAt === 'string' && typeof breachId === 'string' && !Number.isNaN(Date.parse(awareAt))) return { awareAt, breachId };
  } catch {
    /* refused below */
  }
  throw invalid('after must be the next value of a previous page', { field: 'after' });
}

/** The optional EDPB 01/2021 factors, copied only when given (absent ones stay unknown). */
function optionalFactors(f: RiskFactorsInput): Partial<RiskFactors> {
  const keys = ['cause', 'exfiltration', 'recipient_trust', 'data_recovered', 'wrong_recipients', 'misuse_observed', 'unavailability_hours', 'unavailability_impact'] as const;
  const out: Record<string, unknown> = {};
  for (const k of keys) if (f[k] !== undefined) out[k] = f[k];
  if (f.subsets) {
    out.subsets = f.subsets.map((s) => Object.fromEntries(Object.entries({ ...s }).filter(([, v]) => v !== undefined)));
  }
  return out as Partial<RiskFactors>;
}
