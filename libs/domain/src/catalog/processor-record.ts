import { invalid, type Decider } from '../shared';
import type { Party } from './activity';
import { catalogId, text, textList } from './common';
import { lifecycleDecider, type KnownSystems, type LifecycleCommand, type LifecycleEvent, type LifecycleState } from './lifecycle';
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

export type ProcessorRecordEvent = LifecycleEvent<'processor_record', 'record', 'record_id', ProcessorRecordSnapshot>;

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

/** `systems`: the registered systems the processing may run on. */
export type ProcessorRecordCommand = LifecycleCommand<'ProcessorRecord', ProcessorRecordInput, { readonly systems: KnownSystems }>;

export type ProcessorRecordState = LifecycleState<ProcessorRecordSnapshot>;

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

export const processorRecordDecider: Decider<ProcessorRecordCommand, ProcessorRecordEvent, ProcessorRecordState> = lifecycleDecider({
  name: 'ProcessorRecord',
  kind: 'processor_record',
  key: 'record',
  idField: 'record_id',
  what: 'processor record',
  normalize: (input: ProcessorRecordInput, cmd: { readonly systems: KnownSystems }) => normalizeProcessorRecord(input, Object.keys(cmd.systems)),
});
