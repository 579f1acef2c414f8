import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { handleCommand, type CommandContext, type HandleResult } from '@pl/application';
import { breachDecider, breachStreamId, type BreachCommand, type BreachEvent, type BreachState } from '@pl/domain/breach';
import type { Infrastructure } from '../../../common/infrastructure';
import { INFRA } from '../platform/tokens';

export type BreachResult = HandleResult<BreachEvent, BreachState>;

/** Carries a breach decider command and its context through the @nestjs/cqrs CommandBus. */
export class BreachCommandMessage extends Command<BreachResult> {
  constructor(
    readonly breachId: string,
    readonly command: BreachCommand,
    readonly ctx: CommandContext,
  ) {
    super();
  }
}

/** Adapter only: the breach decider decides; handleCommand reads, folds, appends with the expected revision. */
@CommandHandler(BreachCommandMessage)
export class BreachCommandHandler implements ICommandHandler<BreachCommandMessage, BreachResult> {
  constructor(@Inject(INFRA) private readonly infra: Infrastructure) {}

  execute({ breachId, command, ctx }: BreachCommandMessage): Promise<BreachResult> {
    return handleCommand(this.infra.store, breachDecider, breachStreamId(breachId), command, ctx);
  }
}
