import { conflict, invalid, notFound, type Decider, type DomainEvent } from '../shared';
import type { Party } from './activity';
import { catalogId, sameJson, text, textList } from './common';
import { normalizeDeclaredTransfer, type DeclaredTransfer, type DeclaredTransferInput } from './declared-transfer';
import { resolvePurpose } from './taxonomy';

/** Record of processing carried out as a processor (Art. 30(2)). Stream `catalog-processor-<id>`. */
export interface ProcessorRecordSnapshot {
  readonly record_id: string;
  /** (a) the processor, each controller it acts for, representatives, DPO */
  readonly processor: Party;
  readonly controllers: readonly Party[];
  readonly representative: Party | null;
  readonly dpo: Party | null;
  /** (b) categories of processing carried out on behalf of each controller */
  readonly processing_categories: readonly string[];
  /** (c) */
  readonly transfers: readonly DeclaredTransfer[];
  /** (d) */
  readonly security_measures: readonly string[];
  readonly systems: readonly string[];
}

export type ProcessorRecordEvent =
  | DomainEvent<'catalog.processor_record_registered', { record: ProcessorRecordSnapshot }>
  | DomainEvent<'catalog.processor_record_updated', { record: ProcessorRecordSnapshot; changed: string[] }>
  | DomainEvent<'catalog.processor_record_retired', { record_id: string }>;

type PartyInput = { name: string; contact: string };
export interface ProcessorRecordInput {
  record_id: string;
  processor: PartyInput;
  controllers: PartyInput[];
  representative?: PartyInput | null;
  dpo?: PartyInput | null;
  processing_categories: string[];
  transfers?: DeclaredTransferInput[];
  security_measures?: string[];
  systems?: string[];
}

export type ProcessorRecordCommand =
  | { type: 'DefineProcessorRecord'; mode: 'create' | 'update' | 'upsert'; record: ProcessorRecordInput; knownSystems: readonly string[]; now: string }
  | { type: 'RetireProcessorRecord'; recordId: string; now: string };

export type ProcessorRecordState = { readonly status: 'none' } | { readonly status: 'active' | 'retired'; readonly record: ProcessorRecordSnapshot };

export const processorRecordStream = (id: string) => `catalog-processor-${id}`;

function party(p: PartyInput | null | undefined, field: string): Party {
  if (!p || typeof p !== 'object') throw invalid(`${field} (name and contact) is required by Art. 30(2)(a)`, { field });
  return { name: text(p.name, `${field}.name`, { max: 200 })!, contact: text(p.contact, `${field}.contact`, { max: 300 })! };
}

function declaredTransfers(value: unknown): DeclaredTransfer[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalid('transfers must be a list', { field: 'transfers' });
  return value.map((t: DeclaredTransferInput, i) => normalizeDeclaredTransfer(t, `transfers[${i}]`));
}

export function normalizeProcessorRecord(input: ProcessorRecordInput, knownSystems: readonly string[]): ProcessorRecordSnapshot {
  if (!input || typeof input !== 'object') throw invalid('record is required');
  const controllers = Array.isArray(input.controllers) ? input.controllers.map((c, i) => party(c, `controllers[${i}]`)) : [];
  if (!controllers.length) throw invalid('controllers must name each controller the processor acts for (Art. 30(2)(a))', { field: 'controllers' });
  const categories = Array.isArray(input.processing_categories) ? [...new Set(input.processing_categories.map(resolvePurpose))].sort() : [];
  if (!categories.length) throw invalid('processing_categories must list at least one purpose key (Art. 30(2)(b))', { field: 'processing_categories' });
  const known = new Set(knownSystems);
  const given = (input.systems ?? []).map((s, i) => catalogId(s, `systems[${i}]`));
  const unknown = given.findIndex((s) => !known.has(s));
  if (unknown >= 0) throw invalid(`systems[${unknown}] is not a registered system`, { field: `systems[${unknown}]` });
  const systems = [...new Set(given)].sort();
  return {
    record_id: catalogId(input.record_id, 'record_id'),
    processor: party(input.processor, 'processor'),
    controllers,
    representative: input.representative ? party(input.representative, 'representative') : null,
    dpo: input.dpo ? party(input.dpo, 'dpo') : null,
    processing_categories: categories,
    transfers: declaredTransfers(input.transfers),
    security_measures: textList(input.security_measures, 'security_measures'),
    systems,
  };
}

export const processorRecordDecider: Decider<ProcessorRecordCommand, ProcessorRecordEvent, ProcessorRecordState> = {
  initialState: () => ({ status: 'none' }),
  evolve(state, event) {
    switch (event.type) {
      case 'catalog.processor_record_registered':
      case 'catalog.processor_record_updated':
        return { status: 'active', record: event.data.record };
      case 'catalog.processor_record_retired':
        return state.status === 'none' ? state : { ...state, status: 'retired' };
      default:
        return state;
    }
  },
  decide(cmd, state) {
    switch (cmd.type) {
      case 'DefineProcessorRecord': {
        const record = normalizeProcessorRecord(cmd.record, cmd.knownSystems);
        if (state.status === 'none') {
          if (cmd.mode === 'update') throw notFound('processor record does not exist');
          return [{ type: 'catalog.processor_record_registered', data: { record } }];
        }
        if (cmd.mode === 'create') throw conflict('processor record already exists');
        const changed = (Object.keys(record) as Array<keyof ProcessorRecordSnapshot>).filter((k) => !sameJson(state.record[k], record[k])).map(String);
        if (state.status === 'active' && !changed.length) return [];
        return [{ type: 'catalog.processor_record_updated', data: { record, changed } }];
      }
      case 'RetireProcessorRecord':
        if (state.status === 'none') throw notFound('processor record does not exist');
        if (state.status === 'retired') return [];
        return [{ type: 'catalog.processor_record_retired', data: { record_id: state.record.record_id } }];
      default: {
        const exhaustive: never = cmd;
        return exhaustive;
      }
    }
  },
};
