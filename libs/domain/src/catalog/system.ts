import { conflict, invalid, notFound, type Decider, type DomainEvent } from '../shared';
import { changedFields, lifecycleDecider, type DefineMode, type LifecycleCommand, type LifecycleEvent } from './lifecycle';
import { NO_SPECIAL_FLAGS, type SpecialCategoryFlags } from '../law/special-categories';
import { suggestClassification, type ClassificationSuggestion } from './classification';
import { catalogId, countryCode, text, textList } from './common';
import { resolveCategory, specialFlagsOf } from './taxonomy';

/** A system (application, database, SaaS) that stores or processes personal data. Stream `catalog-system-<id>`. */
export interface SystemSnapshot {
  readonly system_id: string;
  readonly name: string;
  readonly owner: string;
  readonly description: string | null;
  /** Where the data is stored: ISO 3166-1 alpha-2 country and optional region. */
  readonly storage: ReadonlyArray<{ readonly country: string; readonly region: string | null }>;
  readonly role: 'controller' | 'processor';
  readonly recipients: readonly string[];
  readonly security_measures: readonly string[];
  /** Does the system ask the consent service before consent-based processing? */
  readonly consent_check: boolean;
}

export interface DataElementSnapshot {
  readonly element_id: string;
  readonly name: string;
  /** Canonical taxonomy key, or null while unclassified (a suggestion never fills it silently). */
  readonly category: string | null;
  /** Declared flags OR the flags of the category. */
  readonly special: SpecialCategoryFlags;
  readonly source: string | null;
}

export type SystemEvent =
  | LifecycleEvent<'system', 'system', 'system_id', SystemSnapshot>
  | DomainEvent<'catalog.data_element_registered', { system_id: string; element: DataElementSnapshot; suggestion: ClassificationSuggestion | null }>
  | DomainEvent<'catalog.data_element_updated', { system_id: string; element: DataElementSnapshot; suggestion: ClassificationSuggestion | null; changed: string[] }>
  | DomainEvent<'catalog.data_element_removed', { system_id: string; element_id: string }>;


export interface SystemInput {
  system_id: string;
  name: string;
  owner: string;
  description?: string | null;
  storage: Array<{ country: string; region?: string | null }>;
  role?: 'controller' | 'processor';
  recipients?: string[];
  security_measures?: string[];
  consent_check?: boolean;
}

export interface DataElementInput {
  element_id: string;
  name: string;
  category?: string | null;
  special?: Partial<SpecialCategoryFlags>;
  source?: string | null;
}

export type SystemCommand =
  | LifecycleCommand<'System', SystemInput>
  | { readonly type: 'DefineDataElement'; readonly mode: DefineMode; readonly systemId: string; readonly input: DataElementInput; readonly now: Date }
  | { readonly type: 'RemoveDataElement'; readonly systemId: string; readonly elementId: string; readonly now: Date };

export type SystemState =
  | { readonly status: 'none' }
  | { readonly status: 'active' | 'retired'; readonly entity: SystemSnapshot; readonly elements: Readonly<Record<string, DataElementSnapshot>> };

export const systemStream = (systemId: string) => `catalog-system-${systemId}`;

export function normalizeSystem(input: SystemInput): SystemSnapshot {
  if (!input || typeof input !== 'object') throw invalid('system is required');
  const storage = Array.isArray(input.storage) ? input.storage : [];
  if (!storage.length) throw invalid('system.storage must name at least one country where the data is stored', { field: 'storage' });
  const role = input.role ?? 'controller';
  if (role !== 'controller' && role !== 'processor') throw invalid('system.role must be controller or processor', { field: 'role' });
  return {
    system_id: catalogId(input.system_id, 'system_id'),
    name: text(input.name, 'system.name', { max: 200 })!,
    owner: text(input.owner, 'system.owner', { max: 200 })!,
    description: text(input.description, 'system.description', { max: 2000, optional: true }),
    storage: storage.map((s, i) => ({ country: countryCode(s?.country, `storage[${i}].country`), region: text(s?.region, `storage[${i}].region`, { max: 100, optional: true }) })),
    role,
    recipients: textList(input.recipients, 'system.recipients'),
    security_measures: textList(input.security_measures, 'system.security_measures'),
    consent_check: input.consent_check === true,
  };
}

export function normalizeElement(input: DataElementInput): { element: DataElementSnapshot; suggestion: ClassificationSuggestion | null } {
  if (!input || typeof input !== 'object') throw invalid('element is required');
  const name = text(input.name, 'element.name', { max: 200 })!;
  const category = input.category === undefined || input.category === null ? null : resolveCategory(input.category);
  const fromCategory = category ? specialFlagsOf(category) : NO_SPECIAL_FLAGS;
  const declared = input.special ?? {};
  for (const [k, v] of Object.entries(declared)) {
    if (!['gdpr_art9', 'gdpr_art10', 'cpra_sensitive'].includes(k) || typeof v !== 'boolean') {
      throw invalid('special holds only the special-category flags gdpr_art9, gdpr_art10, cpra_sensitive (booleans)', { field: 'special' });
    }
  }
  return {
    element: {
      element_id: catalogId(input.element_id, 'element_id'),
      name,
      category,
      special: {
        gdpr_art9: fromCategory.gdpr_art9 || declared.gdpr_art9 === true,
        gdpr_art10: fromCategory.gdpr_art10 || declared.gdpr_art10 === true,
        cpra_sensitive: fromCategory.cpra_sensitive || declared.cpra_sensitive === true,
      },
      source: text(input.source, 'element.source', { max: 200, optional: true }),
    },
    suggestion: suggestClassification(name),
  };
}

function defineElement(cmd: Extract<SystemCommand, { type: 'DefineDataElement' }>, state: SystemState): SystemEvent[] {
  if (state.status === 'none') throw notFound('system does not exist');
  if (state.status === 'retired') throw conflict('system is retired');
  const { element, suggestion } = normalizeElement(cmd.input);
  const current = state.elements[element.element_id];
  if (!current) {
    if (cmd.mode === 'update') throw notFound('data element does not exist');
    return [{ type: 'catalog.data_element_registered', data: { system_id: state.entity.system_id, element, suggestion } }];
  }
  if (cmd.mode === 'create') throw conflict('data element already exists');
  const changed = changedFields(current, element);
  if (changed.length === 0) return [];
  return [{ type: 'catalog.data_element_updated', data: { system_id: state.entity.system_id, element, suggestion, changed } }];
}

/** The system's own lifecycle (register/update/retire) is the catalog's one; its data elements live in its stream. */
const lifecycle = lifecycleDecider({ name: 'System', kind: 'system', key: 'system', idField: 'system_id', what: 'system', normalize: (input: SystemInput) => normalizeSystem(input) });

export const systemDecider: Decider<SystemCommand, SystemEvent, SystemState> = {
  initialState: () => ({ status: 'none' }),
  evolve(state, event) {
    switch (event.type) {
      case 'catalog.data_element_registered':
      case 'catalog.data_element_updated':
        return state.status === 'none' ? state : { ...state, elements: { ...state.elements, [event.data.element.element_id]: event.data.element } };
      case 'catalog.data_element_removed': {
        if (state.status === 'none') return state;
        const { [event.data.element_id]: _removed, ...rest } = state.elements;
        return { ...state, elements: rest };
      }
      default: {
        const next = lifecycle.evolve(state, event);
        if (next.status === 'none') return next;
        return { ...next, elements: state.status === 'none' || event.type === 'catalog.system_registered' ? {} : state.elements };
      }
    }
  },
  decide(cmd, state) {
    switch (cmd.type) {
      case 'DefineDataElement':
        return defineElement(cmd, state);
      case 'RemoveDataElement':
        if (state.status === 'none') throw notFound('system does not exist');
        if (!state.elements[cmd.elementId]) return [];
        return [{ type: 'catalog.data_element_removed', data: { system_id: state.entity.system_id, element_id: cmd.elementId } }];
      default:
        return lifecycle.decide(cmd, state);
    }
  },
};
