import { breachDecider, breachStreamId, type BreachCommand, type BreachEvent, type BreachState } from '@pl/domain/breach';
import { handleCommand, type HandleResult } from '../commands/handle-command';
import type { CommandContext } from '../commands/command-context';
import type { AppDeps } from '../core/app-deps';

export type BreachResult = HandleResult<BreachEvent, BreachState>;

/** Read, fold, decide, append on the breach's stream (the register is read with its own clocks, not waited for). */
export function breachCommand(deps: AppDeps) {
  return (breachId: string, command: BreachCommand, ctx: CommandContext): Promise<BreachResult> =>
    handleCommand(deps.store, breachDecider, breachStreamId(breachId), command, ctx);
}
