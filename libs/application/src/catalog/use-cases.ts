import { randomUUID } from 'node:crypto';
import { catalog, fold, invalid, taxonomyStamp, type Decider, type DomainEvent } from '@pl/domain';
import type { AppendResult } from '@pl/eventstore';
import { appendUnderKey } from '../commands/append-under-key';
import { handleCommand, type HandleResult } from '../commands/handle-command';
import type { CommandContext } from '../commands/command-context';
import type { AppDeps } from '../core/app-deps';

type Mode = catalog.DefineMode;
export type CatalogResult = HandleResult<DomainEvent, { status: string }>;

export interface ApplyResult {
  appended: number;
  unchanged: number;
  changes: Array<{ kind: string; id: string; events: string[] }>;
  findings: catalog.Finding[];
}

export type ReceiptResult = catalog.ReceiptData & { readonly position: AppendResult['position'] };

export type ReceiptBatch = ReadonlyArray<{ subject_key: string; receipt: Omit<catalog.ReceiptInput, 'receipt_id'> & { receipt_id?: string } }>;

/**
 * The catalog's use cases (issue 14, defect 7), called by the HTTP routes, the CLI (apply, seed) and the
 * worker's retention manager. Each one looks up what its decider needs from the log (the registered
 * systems: read-your-writes, no projection lag), then runs the decider through handleCommand. Commands
 * have one shape: camelCase fields, `now: Date` (the context's clock).
 */
export function catalogUseCases(deps: Pick<AppDeps, 'store'>) {
  const { store } = deps;

  /** Roles of the given systems that exist and are not retired, read from their streams. */
  async function knownSystems(ids: readonly string[]): Promise<catalog.KnownSystems> {
    const out: Record<string, { role: 'controller' | 'processor' }> = {};
    for (const id of new Set(ids)) {
      if (typeof id !== 'string' || !/^[a-z0-9][a-z0-9_-]{0,63}$|^[0-9a-f-]{36}$/.test(id)) continue;
      const { events } = await store.readStream(catalog.systemStream(id));
      const state = fold(catalog.systemDecider, events.map((e) => ({ type: e.type, data: e.data }) as catalog.SystemEvent));
      if (state.status === 'active') out[id] = { role: state.entity.role };
    }
    return out;
  }

  const systemCommand = (systemId: string, command: catalog.SystemCommand, ctx: CommandContext) => handleCommand(store, catalog.systemDecider, catalog.systemStream(systemId), command, ctx);

  const defineSystem = (input: catalog.SystemInput, mode: Mode, ctx: CommandContext) =>
    systemCommand(catalog.catalogId(input?.system_id, 'system_id'), { type: 'DefineSystem', mode, input, now: ctx.now }, ctx);

  const retireSystem = (systemId: string, ctx: CommandContext) => {
    const id = catalog.catalogId(systemId, 'system_id');
    return systemCommand(id, { type: 'RetireSystem', id, now: ctx.now }, ctx);
  };

  const defineElement = (systemId: string, input: catalog.DataElementInput, mode: Mode, ctx: CommandContext) => {
    const id = catalog.catalogId(systemId, 'system_id');
    return systemCommand(id, { type: 'DefineDataElement', mode, systemId: id, input, now: ctx.now }, ctx);
  };

  const removeElement = (systemId: string, elementId: string, ctx: CommandContext) => {
    const id = catalog.catalogId(systemId, 'system_id');
    return systemCommand(id, { type: 'RemoveDataElement', systemId: id, elementId: catalog.catalogId(elementId, 'element_id'), now: ctx.now }, ctx);
  };

  const referenced = (values: unknown): string[] => (Array.isArray(values) ? values.filter((s): s is string => typeof s === 'string' && s !== '') : []);

  /** Define/retire use cases of an entity that runs on registered systems (the lifecycle decider's two commands). */
  function lifecycleOf<Name extends string, Input, E extends DomainEvent, S>(
    name: Name,
    idField: string,
    decider: Decider<catalog.LifecycleCommand<Name, Input, { readonly systems: catalog.KnownSystems }>, E, S>,
    stream: (id: string) => string,
    systemsOf: (input: Input) => unknown,
  ) {
    const define = async (input: Input, mode: Mode, ctx: CommandContext) => {
      const id = catalog.catalogId((input as Record<string, unknown> | undefined)?.[idField], idField);
      const systems = await knownSystems(referenced(systemsOf(input)));
      return handleCommand(store, decider, stream(id), { type: `Define${name}`, mode, input, systems, now: ctx.now } as catalog.DefineCommand<Name, Input, { readonly systems: catalog.KnownSystems }>, ctx);
    };
    const retire = (value: string, ctx: CommandContext) => {
      const id = catalog.catalogId(value, idField);
      return handleCommand(store, decider, stream(id), { type: `Retire${name}`, id, now: ctx.now } as catalog.RetireCommand<Name>, ctx);
    };
    return { define, retire };
  }

  const activities = lifecycleOf('Activity', 'activity_id', catalog.activityDecider, catalog.activityStream, (a: catalog.ActivityInput) => a.systems);
  const flows = lifecycleOf('Flow', 'flow_id', catalog.flowDecider, catalog.flowStream, (f: catalog.FlowInput) => [f.source_system, f.target_system]);
  const records = lifecycleOf('ProcessorRecord', 'record_id', catalog.processorRecordDecider, catalog.processorRecordStream, (r: catalog.ProcessorRecordInput) => r.systems);
  const defineActivity = activities.define;
  const defineFlow = flows.define;
  const defineProcessorRecord = records.define;

  /**
   * Registers or updates everything a manifest declares. The whole manifest is validated first: any
   * entry that cannot be registered refuses the apply with nothing appended. Unchanged entries append
   * nothing (applying the same file twice is a no-op).
   */
  async function applyManifest(manifest: catalog.Manifest, ctx: CommandContext): Promise<ApplyResult> {
    const registered = await knownSystems([
      ...(manifest?.activities ?? []).flatMap((a) => referenced(a?.systems)),
      ...(manifest?.flows ?? []).flatMap((f) => referenced([f?.source_system, f?.target_system])),
      ...(manifest?.processor_records ?? []).flatMap((r) => referenced(r?.systems)),
    ]);
    const { findings, normalized } = catalog.evaluateManifest(manifest, ctx.now, registered);
    const blocking = findings.filter((f) => f.severity === 'error' && catalog.BLOCKING_CODES.has(f.code));
    if (blocking.length) throw invalid(`manifest has ${blocking.length} invalid entr${blocking.length === 1 ? 'y' : 'ies'}; nothing was applied`, { findings: blocking });
    const result: ApplyResult = { appended: 0, unchanged: 0, changes: [], findings };
    const track = (kind: string, id: string, r: HandleResult<DomainEvent, unknown>) => {
      if (r.events.length) {
        result.appended += r.events.length;
        result.changes.push({ kind, id, events: r.events.map((e) => e.type) });
      } else result.unchanged += 1;
    };
    for (const { system, elements } of normalized.systems) {
      const input = manifest.systems!.find((s) => s.system_id === system.system_id)!;
      const { elements: _e, ...systemInput } = input;
      track('system', system.system_id, await defineSystem(systemInput, 'upsert', ctx));
      for (const el of elements) track('data_element', `${system.system_id}/${el.element_id}`, await defineElement(system.system_id, el, 'upsert', ctx));
    }
    for (const { input } of normalized.activities) track('activity', input.activity_id, await defineActivity(input, 'upsert', ctx));
    for (const { input } of normalized.flows) track('flow', input.flow_id, await defineFlow(input, 'upsert', ctx));
    for (const { input } of normalized.processor_records) track('processor_record', input.record_id, await defineProcessorRecord(input, 'upsert', ctx));
    return result;
  }

  /**
   * Processing receipts of one or many subjects (`subject_key` already pseudonymised by the caller).
   * Everything is validated before anything is appended; each subject's stream is appended with
   * expected revision `any` (receipts never conflict).
   */
  async function recordReceipts(batch: ReceiptBatch, ctx: CommandContext): Promise<ReceiptResult[]> {
    const known = new Set(Object.keys(await knownSystems(batch.map((b) => b.receipt.system_id))));
    const bySubject = new Map<string, Array<{ index: number; input: catalog.ReceiptInput }>>();
    batch.forEach((b, index) => {
      const list = bySubject.get(b.subject_key) ?? [];
      list.push({ index, input: { ...b.receipt, receipt_id: b.receipt.receipt_id ?? randomUUID() } });
      bySubject.set(b.subject_key, list);
    });
    const planned = [...bySubject].map(([subject, items]) => {
      try {
        return { subject, items, events: catalog.receiptEvents(subject, items.map((i) => i.input), known, ctx.now) };
      } catch (e) {
        const first = items[0].index;
        if (e instanceof Error && 'details' in e) (e as { details?: Record<string, unknown> }).details = { ...((e as any).details ?? {}), index: first };
        throw e;
      }
    });
    const results: ReceiptResult[] = new Array(batch.length);
    for (const p of planned) {
      // A retry under the same Idempotency-Key finds these receipts recorded and answers with them.
      const { appended, recorded } = await appendUnderKey(
        store,
        catalog.receiptsStream(p.subject),
        p.events.map((e) => ({
          type: e.type,
          schemaVersion: 1,
          data: e.data,
          metadata: { event_id: randomUUID(), occurred_at: ctx.now.toISOString(), recorded_at: new Date().toISOString(), actor: ctx.actor, correlation_id: ctx.correlationId, causation_id: ctx.causationId ?? null, ...taxonomyStamp() },
        })),
        ctx,
        'RecordReceipts',
      );
      p.items.forEach((item, i) => {
        const d = (recorded ?? p.events)[i].data as catalog.ReceiptData;
        results[item.index] = { receipt_id: d.receipt_id, subject_key: p.subject, system_id: d.system_id, category: d.category, purpose: d.purpose, stored_at: d.stored_at, position: appended.position };
      });
    }
    return results;
  }

  /** Retention (Art. 5(1)(e)): a holding's retention passed, or the obligation that kept it after an erasure ended; once each (the decider). */
  const recordRetention = (subjectKey: string, command: catalog.RetentionCommand, ctx: CommandContext) =>
    handleCommand(store, catalog.subjectRetentionDecider, catalog.receiptsStream(subjectKey), command, ctx);

  return {
    knownSystems,
    defineSystem,
    retireSystem,
    defineElement,
    removeElement,
    defineActivity,
    retireActivity: activities.retire,
    defineFlow,
    retireFlow: flows.retire,
    defineProcessorRecord,
    retireProcessorRecord: records.retire,
    applyManifest,
    recordReceipts,
    recordRetention,
  };
}

export type CatalogUseCases = ReturnType<typeof catalogUseCases>;
