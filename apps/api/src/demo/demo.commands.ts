import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { handleCommand, type CommandContext, type HandleResult } from '@pl/application';
import { demo } from '@pl/domain';
import type { Infrastructure } from '../../../common/infrastructure';
import { INFRA } from '../platform/tokens';

type DemoResult = HandleResult<demo.DemoEvent, demo.DemoState>;

/** Carries a decider command and its context through the @nestjs/cqrs CommandBus. */
export class DemoCommandMessage extends Command<DemoResult> {
  constructor(
    readonly command: demo.DemoCommand,
    readonly ctx: CommandContext,
  ) {
    super();
  }
}

/** An adapter, no rules: the decider decides, handleCommand reads, folds, appends and retries. */
@CommandHandler(DemoCommandMessage)
export class DemoCommandHandler implements ICommandHandler<DemoCommandMessage, DemoResult> {
  constructor(@Inject(INFRA) private readonly infra: Infrastructure) {}

  execute({ command, ctx }: DemoCommandMessage): Promise<DemoResult> {
    return handleCommand(this.infra.store, demo.demoDecider, `demo-${command.listId}`, command, ctx);
  }
}
