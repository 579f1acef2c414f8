import { randomUUID } from 'node:crypto';
import { demo, positionToString } from '@pl/domain';
import { eventCounts } from '@pl/projections/event_counts';
import { handleCommand } from '../commands/handle-command';
import type { CommandContext } from '../commands/command-context';
import type { AppDeps } from '../core/app-deps';

const streamOf = (listId: string) => `demo-${listId}`;

/**
 * The stack's walkthrough context (docs/architecture.md): route -> use case -> decider -> events ->
 * store -> projection, in the same shape as every other context (bound in apps/common/application.ts).
 */
export function createDemoUseCases(deps: Pick<AppDeps, 'store' | 'db'>) {
  const run = (command: demo.DemoCommand, ctx: CommandContext) => handleCommand(deps.store, demo.demoDecider, streamOf(command.listId), command, ctx);
  return {
    async open(input: { title: string }, ctx: CommandContext) {
      const listId = randomUUID();
      const r = await run({ type: 'OpenList', listId, title: input.title, now: ctx.now.toISOString() }, ctx);
      return { list_id: listId, position: r.appended ? positionToString(r.appended.position) : null };
    },
    async addItem(listId: string, input: { item: string }, ctx: CommandContext) {
      const r = await run({ type: 'AddItem', listId, item: input.item, now: ctx.now.toISOString() }, ctx);
      return { list_id: listId, items: r.state.status === 'none' ? 0 : r.state.items };
    },
    async close(listId: string, ctx: CommandContext) {
      const r = await run({ type: 'CloseList', listId, now: ctx.now.toISOString() }, ctx);
      return { list_id: listId, status: r.state.status };
    },
    /** Event counts per type, from the event_counts projection. */
    stats: async () => ({ event_counts: await eventCounts(deps.db) }),
  };
}
