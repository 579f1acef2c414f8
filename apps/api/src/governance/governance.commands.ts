import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandContext } from '@pl/application';
import type { catalog } from '@pl/domain';
import type { Infrastructure } from '../../../common/infrastructure';
import { INFRA } from '../platform/tokens';
import { CatalogCommands } from './catalog-commands';

type Mode = 'create' | 'update' | 'upsert';

export type GovernanceOp =
  | { op: 'define_system'; mode: Mode; input: catalog.SystemInput }
  | { op: 'retire_system'; id: string }
  | { op: 'define_element'; mode: Mode; systemId: string; input: catalog.DataElementInput }
  | { op: 'remove_element'; systemId: string; elementId: string }
  | { op: 'define_activity'; mode: Mode; input: catalog.ActivityInput }
  | { op: 'retire_activity'; id: string }
  | { op: 'define_flow'; mode: Mode; input: catalog.FlowInput }
  | { op: 'retire_flow'; id: string }
  | { op: 'define_processor_record'; mode: Mode; input: catalog.ProcessorRecordInput }
  | { op: 'retire_processor_record'; id: string }
  | { op: 'apply_manifest'; manifest: catalog.Manifest }
  | { op: 'record_receipts'; batch: Parameters<CatalogCommands['recordReceipts']>[0] };

/** A catalog command through the @nestjs/cqrs CommandBus. */
export class GovernanceCommand extends Command<any> {
  constructor(
    readonly payload: GovernanceOp,
    readonly ctx: CommandContext,
  ) {
    super();
  }
}

/** Adapter, no rules: CatalogCommands looks up references in the log and runs the deciders through handleCommand. */
@CommandHandler(GovernanceCommand)
export class GovernanceCommandHandler implements ICommandHandler<GovernanceCommand> {
  private readonly commands: CatalogCommands;

  constructor(@Inject(INFRA) infra: Infrastructure) {
    this.commands = new CatalogCommands(infra.store);
  }

  execute({ payload: p, ctx }: GovernanceCommand): Promise<any> {
    const c = this.commands;
    switch (p.op) {
      case 'define_system':
        return c.defineSystem(p.input, p.mode, ctx);
      case 'retire_system':
        return c.retireSystem(p.id, ctx);
      case 'define_element':
        return c.defineElement(p.systemId, p.input, p.mode, ctx);
      case 'remove_element':
        return c.removeElement(p.systemId, p.elementId, ctx);
      case 'define_activity':
        return c.defineActivity(p.input, p.mode, ctx);
      case 'retire_activity':
        return c.retireActivity(p.id, ctx);
      case 'define_flow':
        return c.defineFlow(p.input, p.mode, ctx);
      case 'retire_flow':
        return c.retireFlow(p.id, ctx);
      case 'define_processor_record':
        return c.defineProcessorRecord(p.input, p.mode, ctx);
      case 'retire_processor_record':
        return c.retireProcessorRecord(p.id, ctx);
      case 'apply_manifest':
        return c.applyManifest(p.manifest, ctx);
      case 'record_receipts':
        return c.recordReceipts(p.batch, ctx);
      default: {
        const exhaustive: never = p;
        return exhaustive;
      }
    }
  }
}
