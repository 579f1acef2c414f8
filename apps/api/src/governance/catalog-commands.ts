import { randomUUID } from 'node:crypto';
import { handleCommand, type CommandContext, type HandleResult } from '@pl/application';
import { catalog, fold, invalid, type DomainEvent } from '@pl/domain';
import type { AppendResult, EventStore } from '@pl/eventstore';

type Mode = 'create' | 'update' | 'upsert';

/**
 * Catalog use cases shared by the HTTP routes and the CLI (`apply`): each one looks up what the
 * decider needs from the log (read-your-writes, no projection lag), then calls handleCommand.
 */
export class CatalogCommands {
  constructor(private readonly store: EventStore) {}

  /** Roles of the given systems that exist and are not retired, read from their streams. */
  async knownSystems(ids: readonly string[]): Promise<catalog.KnownSystems> {
    const out: Record<string, { role: 'controller' | 'processor' }> = {};
    for (const id of new Set(ids)) {
      if (typeof id !== 'string' || !/^[a-z0-9][a-z0-9_-]{0,63}$|^[0-9a-f-]{36}$/.test(id)) continue;
      const { events } = await this.store.readStream(catalog.systemStream(id));
      const state = fold(catalog.systemDecider, events.map((e) => ({ type: e.type, data: e.data }) as catalog.SystemEvent));
      if (state.status === 'active') out[id] = { role: state.system.role };
    }
    return out;
  }

  defineSystem(system: catalog.SystemInput, mode: Mode, ctx: CommandContext) {
    const id = catalog.catalogId(system?.system_id, 'system_id');
    return handleCommand(this.store, catalog.systemDecider, catalog.systemStream(id), { type: 'DefineSystem', mode, system, now: ctx.now.toISOString() }, ctx);
  }

  retireSystem(systemId: string, ctx: CommandContext) {
    const id = catalog.catalogId(systemId, 'system_id');
    return handleCommand(this.store, catalog.systemDecider, catalog.systemStream(id), { type: 'RetireSystem', systemId: id, now: ctx.now.toISOString() }, ctx);
  }

  defineElement(systemId: string, element: catalog.DataElementInput, mode: Mode, ctx: CommandContext) {
    const id = catalog.catalogId(systemId, 'system_id');
    return handleCommand(this.store, catalog.systemDecider, catalog.systemStream(id), { type: 'DefineDataElement', mode, systemId: id, element, now: ctx.now.toISOString() }, ctx);
  }

  removeElement(systemId: string, elementId: string, ctx: CommandContext) {
    const id = catalog.catalogId(systemId, 'system_id');
    return handleCommand(this.store, catalog.systemDecider, catalog.systemStream(id), { type: 'RemoveDataElement', systemId: id, elementId: catalog.catalogId(elementId, 'element_id'), now: ctx.now.toISOString() }, ctx);
  }

  async defineActivity(activity: catalog.ActivityInput, mode: Mode, ctx: CommandContext) {
    const id = catalog.catalogId(activity?.activity_id, 'activity_id');
    const known = Object.keys(await this.knownSystems(Array.isArray(activity.systems) ? activity.systems : []));
    return handleCommand(this.store, catalog.activityDecider, catalog.activityStream(id), { type: 'DefineActivity', mode, activity, knownSystems: known, now: ctx.now.toISOString() }, ctx);
  }

  retireActivity(activityId: string, ctx: CommandContext) {
    const id = catalog.catalogId(activityId, 'activity_id');
    return handleCommand(this.store, catalog.activityDecider, catalog.activityStream(id), { type: 'RetireActivity', activityId: id, now: ctx.now.toISOString() }, ctx);
  }

  async defineFlow(flow: catalog.FlowInput, mode: Mode, ctx: CommandContext) {
    const id = catalog.catalogId(flow?.flow_id, 'flow_id');
    const systems = await this.knownSystems([flow.source_system, flow.target_system ?? ''].filter(Boolean));
    return handleCommand(this.store, catalog.flowDecider, catalog.flowStream(id), { type: 'DefineFlow', mode, flow, systems, now: ctx.now.toISOString() }, ctx);
  }

  retireFlow(flowId: string, ctx: CommandContext) {
    const id = catalog.catalogId(flowId, 'flow_id');
    return handleCommand(this.store, catalog.flowDecider, catalog.flowStream(id), { type: 'RetireFlow', flowId: id, now: ctx.now.toISOString() }, ctx);
  }

  async defineProcessorRecord(record: catalog.ProcessorRecordInput, mode: Mode, ctx: CommandContext) {
    const id = catalog.catalogId(record?.record_id, 'record_id');
    const known = Object.keys(await this.knownSystems(record.systems ?? []));
    return handleCommand(
      this.store,
      catalog.processorRecordDecider,
      catalog.processorRecordStream(id),
      { type: 'DefineProcessorRecord', mode, record, knownSystems: known, now: ctx.now.toISOString() },
      ctx,
    );
  }

  retireProcessorRecord(recordId: string, ctx: CommandContext) {
    const id = catalog.catalogId(recordId, 'record_id');
    return handleCommand(this.store, catalog.processorRecordDecider, catalog.processorRecordStream(id), { type: 'RetireProcessorRecord', recordId: id, now: ctx.now.toISOString() }, ctx);
  }

  /**
   * Registers or updates everything a manifest declares. The whole manifest is validated first: any
   * entry that cannot be registered refuses the apply with nothing appended. Unchanged entries append
   * nothing (applying the same file twice is a no-op).
   */
  async applyManifest(manifest: catalog.Manifest, ctx: CommandContext): Promise<ApplyResult> {
    const referenced = [
      ...(manifest?.activities ?? []).flatMap((a) => (Array.isArray(a?.systems) ? a.systems : [])),
      ...(manifest?.flows ?? []).flatMap((f) => [f?.source_system, f?.target_system ?? '']),
      ...(manifest?.processor_records ?? []).flatMap((r) => r?.systems ?? []),
    ].filter((s): s is string => typeof s === 'string' && s !== '');
    const registered = await this.knownSystems(referenced);
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
      track('system', system.system_id, await this.defineSystem(systemInput, 'upsert', ctx));
      for (const el of elements) track('data_element', `${system.system_id}/${el.element_id}`, await this.defineElement(system.system_id, el, 'upsert', ctx));
    }
    for (const { input } of normalized.activities) track('activity', input.activity_id, await this.defineActivity(input, 'upsert', ctx));
    for (const { input } of normalized.flows) track('flow', input.flow_id, await this.defineFlow(input, 'upsert', ctx));
    for (const { input } of normalized.processor_records) track('processor_record', input.record_id, await this.defineProcessorRecord(input, 'upsert', ctx));
    return result;
  }

  /**
   * Processing receipts of one or many subjects (`subject_key` already pseudonymised by the caller).
   * Everything is validated before anything is appended; each subject's stream is appended with
   * expected revision `any` (receipts never conflict).
   */
  async recordReceipts(batch: ReadonlyArray<{ subject_key: string; receipt: Omit<catalog.ReceiptInput, 'receipt_id'> & { receipt_id?: string } }>, ctx: CommandContext): Promise<ReceiptResult[]> {
    const known = new Set(Object.keys(await this.knownSystems(batch.map((b) => b.receipt.system_id))));
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
      const appended: AppendResult = await this.store.append(
        catalog.receiptsStream(p.subject),
        p.events.map((e) => ({
          type: e.type,
          schemaVersion: 1,
          data: e.data,
          metadata: { event_id: randomUUID(), occurred_at: ctx.now.toISOString(), recorded_at: new Date().toISOString(), actor: ctx.actor, correlation_id: ctx.correlationId, causation_id: ctx.causationId ?? null },
        })),
        'any',
      );
      p.items.forEach((item, i) => {
        const d = p.events[i].data as catalog.ReceiptData;
        results[item.index] = { receipt_id: d.receipt_id, subject_key: p.subject, system_id: d.system_id, category: d.category, purpose: d.purpose, stored_at: d.stored_at, position: appended.position };
      });
    }
    return results;
  }
}

export interface ApplyResult {
  appended: number;
  unchanged: number;
  changes: Array<{ kind: string; id: string; events: string[] }>;
  findings: catalog.Finding[];
}

export interface ReceiptResult {
  readonly receipt_id: string;
  readonly subject_key: string;
  readonly system_id: string;
  readonly category: string;
  readonly purpose: string;
  readonly stored_at: string;
  readonly position: AppendResult['position'];
}
