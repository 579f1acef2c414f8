import type { OptOutKind, OptOutSource } from '../law/consent';
import type { ConsentGiver } from '../law/children';
import type { AgeRecord, ConflictDirection, ConflictResolution, ConsentEvent, ConsentGivenData, GrantRef } from './events';
import type { Exclusion } from './traits';

/** `opted_out`: a later CCPA opt-out ended this consent to sale/sharing. */
export type GrantStatus = 'active' | 'withdrawn' | 'expired' | 'refused' | 'opted_out';

export interface Grant {
  readonly category: string;
  readonly purpose: string;
  readonly consent_id: string;
  readonly status: GrantStatus;
  readonly legal_basis: string;
  readonly consent_version: string;
  readonly given_at: string;
  /** Null only for a refusal. */
  readonly expires_at: string | null;
  /** When it stopped being active (withdrawn, expired, refused, opted out). */
  readonly ended_at: string | null;
  /** How an explicit consent was made explicit ([G] Art. 9(2)(a)); absent for a plain consent. */
  readonly explicit_method?: string;
  /** Who gave it, when an age was given ([G] Art. 8(1)); absent = the subject. */
  readonly given_by?: ConsentGiver;
  /** Parts withdrawn on their own; the rest of the grant stands ([G] Art. 7(3)). */
  readonly exclusions?: Exclusion[];
}

/** What is known of the subject's age, from the latest consent that gave one ([G] Art. 8; Civ. § 1798.120(c)). */
export type SubjectAge = Omit<AgeRecord, 'given_by' | 'parental_verification'> & { readonly recorded_at: string };

export interface OptOut {
  readonly kind: OptOutKind;
  readonly source: OptOutSource;
  readonly recorded_at: string;
  readonly detail: string | null;
}

export interface OptOutConflict {
  readonly consent_id: string;
  readonly purposes: string[];
  readonly opt_outs: OptOutKind[];
  readonly sources: OptOutSource[];
  readonly detected_at: string;
  readonly direction: ConflictDirection;
  readonly resolution: ConflictResolution;
  readonly ended: GrantRef[];
  readonly reask_allowed_from: string | null;
}

export interface Objection {
  readonly purposes: string[] | null;
  readonly direct_marketing: boolean;
  readonly recorded_at: string;
  readonly request_id: string | null;
}

/**
 * The full current consent state of one subject. It is plain JSON and free of personal data, so the
 * same object is the decider's state, the read model's row, the compacted Kafka topic's value and
 * the SDK's local cache entry (`ConsentSnapshot`): server and SDK evaluate it with one function.
 */
export interface ConsentState {
  readonly schema: 1;
  readonly subject_key: string | null;
  /** Keyed by `grantKey(category, purpose)`. */
  readonly grants: Readonly<Record<string, Grant>>;
  /** At most one entry per (kind, source). */
  readonly opt_outs: readonly OptOut[];
  readonly conflicts: readonly OptOutConflict[];
  /** `reason` is a personal field of the event (encrypted in the log): always null here, read it from the subject's history. */
  readonly restriction: { readonly since: string; readonly request_id: string | null; readonly reason: null } | null;
  readonly objections: readonly Objection[];
  /** Absent until a consent with an age is recorded. */
  readonly age?: SubjectAge | null;
  /** Number of events folded (stream revision + 1). */
  readonly events: number;
  readonly updated_at: string | null;
}

export type ConsentSnapshot = ConsentState;

export const grantKey = (category: string, purpose: string): string => `${category}|${purpose}`;

export const initialConsentState = (): ConsentState => ({
  schema: 1,
  subject_key: null,
  grants: {},
  opt_outs: [],
  conflicts: [],
  restriction: null,
  objections: [],
  events: 0,
  updated_at: null,
});

/** The snapshot is the state itself (already PII-free and serialisable); a copy so callers cannot mutate it. */
export function snapshotOf(state: ConsentState): ConsentSnapshot {
  return JSON.parse(JSON.stringify(state)) as ConsentSnapshot;
}

function given(state: ConsentState, d: ConsentGivenData): Record<string, Grant> {
  const grants: Record<string, Grant> = { ...state.grants };
  for (const category of d.data_categories) {
    for (const purpose of d.processing_purposes) {
      grants[grantKey(category, purpose)] = {
        category,
        purpose,
        consent_id: d.consent_id,
        status: 'active',
        legal_basis: d.legal_basis,
        consent_version: d.consent_version,
        given_at: d.given_at,
        expires_at: d.expires_at[purpose] ?? null,
        ended_at: null,
        ...(d.explicitness ? { explicit_method: d.explicitness.method } : {}),
        ...(d.age ? { given_by: d.age.given_by } : {}),
      };
    }
  }
  return grants;
}

function ageOf(state: ConsentState, d: ConsentGivenData): SubjectAge | null | undefined {
  if (!d.age) return state.age;
  const { given_by: _by, parental_verification: _pv, ...facts } = d.age;
  return { ...facts, recorded_at: d.given_at };
}

function narrowed(grants: Record<string, Grant>, refs: ReadonlyArray<GrantRef & { excluded: Exclusion[] }>) {
  for (const r of refs) {
    const k = grantKey(r.category, r.purpose);
    const g = grants[k];
    if (g && g.consent_id === r.consent_id && g.status === 'active') grants[k] = { ...g, exclusions: [...(g.exclusions ?? []), ...r.excluded] };
  }
  return grants;
}

function ended(state: ConsentState, refs: ReadonlyArray<{ category: string; purpose: string; consent_id: string }>, status: GrantStatus, at: string) {
  const grants: Record<string, Grant> = { ...state.grants };
  for (const r of refs) {
    const k = grantKey(r.category, r.purpose);
    const g = grants[k];
    if (g && g.consent_id === r.consent_id && g.status === 'active') grants[k] = { ...g, status, ended_at: at };
  }
  return grants;
}

const withAge = (age: SubjectAge | null | undefined) => (age ? { age } : {});

export function evolve(state: ConsentState, event: ConsentEvent): ConsentState {
  const base = { ...state, events: state.events + 1 };
  switch (event.type) {
    case 'consent.given':
    case 'consent.renewed':
      return { ...base, subject_key: event.data.subject_key, grants: given(state, event.data), ...withAge(ageOf(state, event.data)), updated_at: event.data.given_at };
    case 'consent.refused': {
      const d = event.data;
      const grants: Record<string, Grant> = { ...state.grants };
      for (const category of d.data_categories) {
        for (const purpose of d.processing_purposes) {
          grants[grantKey(category, purpose)] = {
            category,
            purpose,
            consent_id: d.consent_id,
            status: 'refused',
            legal_basis: 'consent',
            consent_version: d.consent_version,
            given_at: d.refused_at,
            expires_at: null,
            ended_at: d.refused_at,
          };
        }
      }
      return { ...base, subject_key: d.subject_key, grants, updated_at: d.refused_at };
    }
    case 'consent.withdrawn': {
      const d = event.data;
      return { ...base, subject_key: d.subject_key, grants: narrowed(ended(state, d.affected, 'withdrawn', d.withdrawn_at), d.narrowed ?? []), updated_at: d.withdrawn_at };
    }
    case 'consent.expired':
      return { ...base, subject_key: event.data.subject_key, grants: ended(state, event.data.expired, 'expired', event.data.expired_at), updated_at: event.data.expired_at };
    case 'consent.opt_out_recorded': {
      const d = event.data;
      const kept = state.opt_outs.filter((o) => !(d.kinds.includes(o.kind) && o.source === d.source));
      const added = d.kinds.map((kind) => ({ kind, source: d.source, recorded_at: d.recorded_at, detail: d.detail }));
      return { ...base, subject_key: d.subject_key, opt_outs: [...kept, ...added], updated_at: d.recorded_at };
    }
    case 'consent.opt_out_conflict_recorded': {
      const d = event.data;
      const conflict: OptOutConflict = {
        consent_id: d.consent_id,
        purposes: d.purposes,
        opt_outs: d.opt_outs,
        sources: d.sources,
        detected_at: d.detected_at,
        direction: d.direction ?? 'consent_after_opt_out',
        resolution: d.resolution ?? 'opt_out_prevails',
        ended: d.ended ?? [],
        reask_allowed_from: d.reask_allowed_from ?? null,
      };
      const lifted = conflict.resolution === 'consent_prevails';
      return {
        ...base,
        subject_key: d.subject_key,
        grants: ended(state, conflict.ended, 'opted_out', d.detected_at),
        opt_outs: lifted ? state.opt_outs.filter((o) => !(d.opt_outs.includes(o.kind) && d.sources.includes(o.source))) : state.opt_outs,
        conflicts: [...state.conflicts, conflict],
        updated_at: d.detected_at,
      };
    }
    case 'consent.processing_restricted':
      return { ...base, subject_key: event.data.subject_key, restriction: { since: event.data.restricted_at, request_id: event.data.request_id, reason: null }, updated_at: event.data.restricted_at };
    case 'consent.restriction_lifted':
      return { ...base, subject_key: event.data.subject_key, restriction: null, updated_at: event.data.lifted_at };
    case 'consent.objection_recorded': {
      const d = event.data;
      return {
        ...base,
        subject_key: d.subject_key,
        objections: [...state.objections, { purposes: d.purposes, direct_marketing: d.direct_marketing, recorded_at: d.recorded_at, request_id: d.request_id }],
        updated_at: d.recorded_at,
      };
    }
    default:
      return base;
  }
}
