import { invalid, type Decider } from '../shared';
import { resolveLawfulBasis, type LawfulBasis } from '../law/lawful-bases';
import { ART9_CONDITIONS, isArt9Condition, type Art9Condition } from '../law/special-categories';
import { catalogId, countryCode, isDuration, text, textList } from './common';
import { lifecycleDecider, type KnownSystems, type LifecycleCommand, type LifecycleEvent, type LifecycleState } from './lifecycle';
import { categoryCovers, resolveCategory, resolvePurpose, resolveSubjectCategory } from './taxonomy';
import { normalizeDeclaredTransfer, type DeclaredTransfer, type DeclaredTransferInput } from './declared-transfer';
import { normalizeRetentionObligation, type DeclaredRetentionObligation, type RetentionObligationInput } from './controller-retention';

export interface Party {
  readonly name: string;
  readonly contact: string;
}

/**
 * The controller of an activity, with where it is established: the member state of its lead
 * supervisory authority (Art. 56(1)) and optionally the region whose public holidays apply. Its
 * calendar and clock count the deadlines of data-subject requests (law/establishment.ts).
 */
export interface ControllerParty extends Party {
  readonly establishment?: { readonly country: string; readonly region: string | null };
  /** Retention obligations it declares (Art. 17(3)(b)), used by the erasure analysis before the law data defaults. */
  readonly retention_obligations?: readonly DeclaredRetentionObligation[];
}

export interface PurposeBasis {
  readonly purpose: string;
  readonly lawful_basis: LawfulBasis;
  /** The legitimate interest pursued (Art. 6(1)(f)), or the law (Art. 6(1)(c)/(e)). */
  readonly basis_detail: string | null;
  /** Restricts the basis to these categories; empty = all the activity's categories. */
  readonly categories: readonly string[];
}

export interface RetentionRule {
  /** Category the rule applies to; null = every category of the activity. */
  readonly category: string | null;
  /** ISO 8601 duration from the last time the data was stored (processing receipts). */
  readonly period: string;
  readonly reason: string | null;
}


/** DPIA screening inputs (WP248 rev.01 criteria; vulnerable subjects and sensitive data are derived). */
export interface RiskProfile {
  readonly evaluation_scoring: boolean;
  readonly automated_decision_legal_effect: boolean;
  readonly systematic_monitoring: boolean;
  readonly public_area_monitoring: boolean;
  readonly large_scale: boolean;
  readonly matching_datasets: boolean;
  readonly innovative_technology: boolean;
  readonly prevents_right_or_service: boolean;
  readonly residual_risk: 'low' | 'medium' | 'high' | null;
  /** Member states whose Art. 35(4) DPIA list applies (establishment, targeted subjects); absent = none declared. */
  readonly member_states?: readonly string[];
}

/** A processing activity with every Art. 30(1)(a)-(g) field. Stream `catalog-activity-<id>`. */
export interface ActivitySnapshot {
  readonly activity_id: string;
  readonly name: string;
  readonly description: string | null;
  /** (a) */
  readonly controller: ControllerParty;
  readonly joint_controllers: readonly Party[];
  readonly representative: Party | null;
  readonly dpo: Party | null;
  /** (b) with the Art. 6(1) basis per purpose */
  readonly purposes: readonly PurposeBasis[];
  /** (c) */
  readonly subject_categories: readonly string[];
  readonly data_categories: readonly string[];
  /** Art. 9(2) condition where special categories are processed. */
  readonly art9_condition: Art9Condition | null;
  /** (d) */
  readonly recipients: readonly string[];
  /** (e) */
  readonly transfers: readonly DeclaredTransfer[];
  /** (f) */
  readonly retention: readonly RetentionRule[];
  /** (g) */
  readonly security_measures: readonly string[];
  readonly systems: readonly string[];
  readonly risk: RiskProfile;
}

export type ActivityEvent = LifecycleEvent<'activity', 'activity', 'activity_id', ActivitySnapshot>;

type PartyInput = { name: string; contact: string };
type ControllerInput = PartyInput & { establishment?: { country: string; region?: string | null } | null; retention_obligations?: RetentionObligationInput[] | null };

export interface ActivityInput {
  activity_id: string;
  name: string;
  description?: string | null;
  controller: ControllerInput;
  joint_controllers?: PartyInput[];
  representative?: PartyInput | null;
  dpo?: PartyInput | null;
  purposes: Array<{ purpose: string; lawful_basis: string; basis_detail?: string | null; categories?: string[] }>;
  subject_categories: string[];
  data_categories: string[];
  art9_condition?: string | null;
  recipients?: string[];
  transfers?: DeclaredTransferInput[];
  retention?: Array<{ category?: string | null; period: string; reason?: string | null }>;
  security_measures?: string[];
  systems: string[];
  risk?: Partial<RiskProfile>;
}

/** `systems`: the registered systems the activity may run on. */
export type ActivityCommand = LifecycleCommand<'Activity', ActivityInput, { readonly systems: KnownSystems }>;

export type ActivityState = LifecycleState<ActivitySnapshot>;

export const activityStream = (activityId: string) => `catalog-activity-${activityId}`;

function party(input: PartyInput | null | undefined, field: string, optional: boolean): Party | null {
  if (input === undefined || input === null) {
    if (optional) return null;
    throw invalid(`${field} (name and contact) is required by Art. 30(1)(a)`, { field });
  }
  return { name: text(input.name, `${field}.name`, { max: 200 })!, contact: text(input.contact, `${field}.contact`, { max: 300 })! };
}

const REGION = /^[A-Z0-9]{1,8}$/;

/** Establishment and retention obligations are optional (absent = the defaults): existing snapshots stay equal. */
function controllerParty(input: ControllerInput): ControllerParty {
  const p = { ...party(input, 'controller', false)!, ...retentionObligationsOf(input) };
  const e = input?.establishment;
  if (e === undefined || e === null) return p;
  if (typeof e !== 'object') throw invalid('controller.establishment must be an object with country and optional region', { field: 'controller.establishment' });
  const region = typeof e.region === 'string' && e.region.trim() ? e.region.trim().toUpperCase() : null;
  if (e.region != null && (region === null || !REGION.test(region))) throw invalid('controller.establishment.region must be 1-8 letters or digits (e.g. BY, SCT, CA)', { field: 'controller.establishment.region' });
  return { ...p, establishment: { country: countryCode(e.country, 'controller.establishment.country'), region } };
}

function retentionObligationsOf(input: ControllerInput): Pick<ControllerParty, 'retention_obligations'> {
  const given = list<RetentionObligationInput>(input.retention_obligations, 'controller.retention_obligations');
  if (!given.length) return {};
  return { retention_obligations: given.map((o, i) => normalizeRetentionObligation(o, `controller.retention_obligations[${i}]`)) };
}

const RISK_FLAGS = ['evaluation_scoring', 'automated_decision_legal_effect', 'systematic_monitoring', 'public_area_monitoring', 'large_scale', 'matching_datasets', 'innovative_technology', 'prevents_right_or_service'] as const;

function riskOf(input: Partial<RiskProfile> | undefined): RiskProfile {
  const r = input ?? {};
  for (const k of Object.keys(r)) {
    if (!(RISK_FLAGS as readonly string[]).includes(k) && k !== 'residual_risk' && k !== 'member_states') {
      throw invalid(`risk has a field that is not a DPIA screening input (${RISK_FLAGS.join(', ')}, residual_risk, member_states)`, { field: 'risk' });
    }
  }
  const residual = r.residual_risk ?? null;
  if (residual !== null && !['low', 'medium', 'high'].includes(residual)) throw invalid('risk.residual_risk must be low, medium or high', { field: 'risk.residual_risk' });
  const flags = Object.fromEntries(RISK_FLAGS.map((k) => [k, r[k] === true])) as Omit<RiskProfile, 'residual_risk' | 'member_states'>;
  // Only when declared, so activities registered before this field re-apply without a change event.
  if (r.member_states === undefined || r.member_states === null) return { ...flags, residual_risk: residual };
  const states = list<string>(r.member_states, 'risk.member_states').map((c, i) => countryCode(c, `risk.member_states[${i}]`));
  return { ...flags, residual_risk: residual, member_states: [...new Set(states)].sort() };
}

function list<T>(value: unknown, field: string): T[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalid(`${field} must be a list`, { field });
  return value as T[];
}

export function normalizeActivity(input: ActivityInput, knownSystems: readonly string[]): ActivitySnapshot {
  if (!input || typeof input !== 'object') throw invalid('activity is required');
  const dataCategories = [...new Set(list<string>(input.data_categories, 'data_categories').map(resolveCategory))].sort();
  if (!dataCategories.length) throw invalid('data_categories must list at least one category (Art. 30(1)(c))', { field: 'data_categories' });
  const subjectCategories = [...new Set(list<string>(input.subject_categories, 'subject_categories').map(resolveSubjectCategory))].sort();
  if (!subjectCategories.length) throw invalid('subject_categories must list at least one category of data subjects (Art. 30(1)(c))', { field: 'subject_categories' });
  const purposesIn = list<ActivityInput['purposes'][number]>(input.purposes, 'purposes');
  if (!purposesIn.length) throw invalid('purposes must list at least one purpose with its lawful basis (Art. 30(1)(b), Art. 6(1))', { field: 'purposes' });
  const purposes = purposesIn.map((p, i) => {
    if (!p || typeof p !== 'object') throw invalid(`purposes[${i}] must be an object with purpose and lawful_basis`, { field: 'purposes' });
    if (p.lawful_basis === undefined || p.lawful_basis === null || p.lawful_basis === '') {
      throw invalid(`purposes[${i}] has no lawful basis (Art. 6(1)(a)-(f))`, { field: `purposes[${i}].lawful_basis` });
    }
    const categories = [...new Set(list<string>(p.categories, `purposes[${i}].categories`).map(resolveCategory))].sort();
    return {
      purpose: resolvePurpose(p.purpose),
      lawful_basis: resolveLawfulBasis(p.lawful_basis),
      basis_detail: text(p.basis_detail, `purposes[${i}].basis_detail`, { max: 500, optional: true }),
      categories,
    };
  });
  for (const [i, p] of purposes.entries()) {
    const outside = p.categories.findIndex((c) => !dataCategories.some((d) => categoryCovers(d, c)));
    if (outside >= 0) throw invalid(`purposes[${i}].categories[${outside}] is not among the activity's data_categories`, { field: `purposes[${i}].categories[${outside}]` });
  }
  const known = new Set(knownSystems);
  const given = list<string>(input.systems, 'systems').map((s, i) => catalogId(s, `systems[${i}]`));
  const unknown = given.findIndex((s) => !known.has(s));
  if (unknown >= 0) throw invalid(`systems[${unknown}] is not a registered system`, { field: `systems[${unknown}]` });
  const systems = [...new Set(given)].sort();
  const art9 = input.art9_condition ?? null;
  if (art9 !== null && !isArt9Condition(art9)) throw invalid(`art9_condition must be one of the Art. 9(2) conditions: ${Object.keys(ART9_CONDITIONS).join(', ')}`, { field: 'art9_condition' });
  return {
    activity_id: catalogId(input.activity_id, 'activity_id'),
    name: text(input.name, 'activity.name', { max: 200 })!,
    description: text(input.description, 'activity.description', { max: 2000, optional: true }),
    controller: controllerParty(input.controller),
    joint_controllers: list<PartyInput>(input.joint_controllers, 'joint_controllers').map((p, i) => party(p, `joint_controllers[${i}]`, false)!),
    representative: party(input.representative, 'representative', true),
    dpo: party(input.dpo, 'dpo', true),
    purposes,
    subject_categories: subjectCategories,
    data_categories: dataCategories,
    art9_condition: art9,
    recipients: textList(input.recipients, 'recipients'),
    transfers: list<DeclaredTransferInput>(input.transfers, 'transfers').map((t, i) => normalizeDeclaredTransfer(t, `transfers[${i}]`)),
    retention: list<NonNullable<ActivityInput['retention']>[number]>(input.retention, 'retention').map((r, i) => {
      if (!r || typeof r.period !== 'string' || !isDuration(r.period)) throw invalid(`retention[${i}].period must be an ISO 8601 duration such as P7Y or P30D`, { field: `retention[${i}].period` });
      return { category: r.category == null ? null : resolveCategory(r.category), period: r.period, reason: text(r.reason, `retention[${i}].reason`, { max: 500, optional: true }) };
    }),
    security_measures: textList(input.security_measures, 'security_measures'),
    systems,
    risk: riskOf(input.risk),
  };
}

export const activityDecider: Decider<ActivityCommand, ActivityEvent, ActivityState> = lifecycleDecider({
  name: 'Activity',
  kind: 'activity',
  key: 'activity',
  idField: 'activity_id',
  what: 'processing activity',
  normalize: (input: ActivityInput, cmd: { readonly systems: KnownSystems }) => normalizeActivity(input, Object.keys(cmd.systems)),
});
