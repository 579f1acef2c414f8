import { invalid, invalidValue, type Decider } from '../shared';
import { ART46_SAFEGUARDS, ART49_DEROGATIONS, INTERNATIONAL_ORGANISATIONS, SCC_MODULES, type Art46Safeguard, type Art49Derogation, type SccModule } from '../law/transfers';
import { catalogId, countryCode, text, textList } from './common';
import { lifecycleDecider, type KnownSystems, type LifecycleCommand, type LifecycleEvent, type LifecycleState } from './lifecycle';
import { resolveCategory } from './taxonomy';

export type MechanismType = 'none' | 'adequacy' | Art46Safeguard | 'derogation' | 'privacy_shield' | 'safe_harbor';
export const MECHANISM_TYPES: readonly MechanismType[] = ['none', 'adequacy', ...(Object.keys(ART46_SAFEGUARDS) as Art46Safeguard[]), 'derogation', 'privacy_shield', 'safe_harbor'];

export interface TransferMechanism {
  readonly type: MechanismType;
  readonly scc_module: SccModule | null;
  readonly derogation: Art49Derogation | null;
  /** Ad hoc clauses: the authority's authorisation; BCRs: the approval reference. */
  readonly authorisation_ref: string | null;
  readonly tia_completed: boolean;
  readonly supplementary_measures: readonly string[];
  /** Art. 49(1) second subparagraph conditions. */
  readonly occasional: boolean;
  readonly authority_informed: boolean;
}

export type FlowTarget =
  | { readonly kind: 'system'; readonly system_id: string }
  | { readonly kind: 'recipient'; readonly name: string; readonly role: 'controller' | 'processor'; readonly dpf_certified: boolean; readonly commercial_organisation: boolean };

/** A data flow from a system to another system or an external recipient. Stream `catalog-flow-<id>`. */
export interface FlowSnapshot {
  readonly flow_id: string;
  readonly description: string | null;
  readonly source_system: string;
  readonly target: FlowTarget;
  readonly categories: readonly string[];
  readonly destination_country: string | null;
  readonly destination_organisation: string | null;
  readonly exporter_role: 'controller' | 'processor';
  readonly importer_role: 'controller' | 'processor';
  readonly mechanism: TransferMechanism;
}

export type FlowEvent = LifecycleEvent<'flow', 'flow', 'flow_id', FlowSnapshot>;

export interface FlowInput {
  flow_id: string;
  description?: string | null;
  source_system: string;
  target_system?: string | null;
  recipient?: { name: string; role?: 'controller' | 'processor'; dpf_certified?: boolean; commercial_organisation?: boolean } | null;
  categories: string[];
  destination_country?: string | null;
  destination_organisation?: string | null;
  mechanism?: Partial<Omit<TransferMechanism, 'supplementary_measures'>> & { supplementary_measures?: string[] };
}


/** `systems`: the registered systems with their roles (source and target must be among them). */
export type FlowCommand = LifecycleCommand<'Flow', FlowInput, { readonly systems: KnownSystems }>;

export type FlowState = LifecycleState<FlowSnapshot>;

export const flowStream = (flowId: string) => `catalog-flow-${flowId}`;

/** Normalises a declared transfer mechanism (flows and transfers declared in activities or processor records). */
export function mechanismOf(input: FlowInput['mechanism'], field = 'mechanism'): TransferMechanism {
  const m = input ?? {};
  const type = (m.type ?? 'none') as MechanismType;
  if (!MECHANISM_TYPES.includes(type)) throw invalid(`${field}.type must be one of ${MECHANISM_TYPES.join(', ')}`, { field: `${field}.type` });
  const scc = m.scc_module ?? null;
  if (scc !== null && !Object.prototype.hasOwnProperty.call(SCC_MODULES, scc)) throw invalid(`${field}.scc_module must be C2C, C2P, P2P or P2C (Decision 2021/914)`, { field: `${field}.scc_module` });
  const derogation = m.derogation ?? null;
  if (derogation !== null && !Object.prototype.hasOwnProperty.call(ART49_DEROGATIONS, derogation)) {
    throw invalid(`${field}.derogation must be one of the Art. 49 derogations: ${Object.keys(ART49_DEROGATIONS).join(', ')}`, { field: `${field}.derogation` });
  }
  return {
    type,
    scc_module: scc,
    derogation,
    authorisation_ref: text(m.authorisation_ref, `${field}.authorisation_ref`, { max: 200, optional: true }),
    tia_completed: m.tia_completed === true,
    supplementary_measures: textList(m.supplementary_measures, `${field}.supplementary_measures`),
    occasional: m.occasional === true,
    authority_informed: m.authority_informed === true,
  };
}

export function normalizeFlow(input: FlowInput, systems: KnownSystems): FlowSnapshot {
  if (!input || typeof input !== 'object') throw invalid('flow is required');
  const flowId = catalogId(input.flow_id, 'flow_id');
  const source = catalogId(input.source_system, 'source_system');
  if (!systems[source]) throw invalidValue('source_system is not a registered system', source, { field: 'source_system' });
  let target: FlowTarget;
  if (input.target_system && input.recipient) throw invalid('a flow goes to target_system or to an external recipient, not both', { field: 'target_system' });
  if (input.target_system) {
    const id = catalogId(input.target_system, 'target_system');
    if (!systems[id]) throw invalidValue('target_system is not a registered system', id, { field: 'target_system' });
    target = { kind: 'system', system_id: id };
  } else if (input.recipient) {
    const role = input.recipient.role ?? 'controller';
    if (role !== 'controller' && role !== 'processor') throw invalid('recipient.role must be controller or processor', { field: 'recipient.role' });
    target = {
      kind: 'recipient',
      name: text(input.recipient.name, 'recipient.name', { max: 200 })!,
      role,
      dpf_certified: input.recipient.dpf_certified === true,
      commercial_organisation: input.recipient.commercial_organisation === true,
    };
  } else {
    throw invalid('a flow needs a target_system or an external recipient', { field: 'target_system' });
  }
  const categories = Array.isArray(input.categories) ? [...new Set(input.categories.map(resolveCategory))].sort() : [];
  if (!categories.length) throw invalid('flow.categories must name at least one data category', { field: 'categories' });
  const org = input.destination_organisation ?? null;
  if (org !== null && !INTERNATIONAL_ORGANISATIONS[org]) throw invalid(`destination_organisation must be one of ${Object.keys(INTERNATIONAL_ORGANISATIONS).join(', ')}`, { field: 'destination_organisation' });
  const country = input.destination_country == null ? null : countryCode(input.destination_country, 'destination_country');
  if (!country && !org) throw invalid('flow needs a destination_country (ISO 3166-1 alpha-2) or destination_organisation', { field: 'destination_country' });
  return {
    flow_id: flowId,
    description: text(input.description, 'flow.description', { max: 2000, optional: true }),
    source_system: source,
    target,
    categories,
    destination_country: country,
    destination_organisation: org,
    exporter_role: systems[source].role,
    importer_role: target.kind === 'system' ? systems[target.system_id].role : target.role,
    mechanism: mechanismOf(input.mechanism),
  };
}

export const flowDecider: Decider<FlowCommand, FlowEvent, FlowState> = lifecycleDecider({
  name: 'Flow',
  kind: 'flow',
  key: 'flow',
  idField: 'flow_id',
  what: 'flow',
  normalize: (input: FlowInput, cmd: { readonly systems: KnownSystems }) => normalizeFlow(input, cmd.systems),
});
