import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { Application } from '../../../common/application';
import type { Infrastructure } from '../../../common/infrastructure';
import { INFRA } from './tokens';

type AsyncFn = (...args: never[]) => Promise<unknown>;
export type ContextName = keyof Application;
export type UseCaseName<C extends ContextName> = { [U in keyof Application[C]]: Application[C][U] extends AsyncFn ? U : never }[keyof Application[C]];
type UseCase<C extends ContextName, U extends UseCaseName<C>> = Extract<Application[C][U], AsyncFn>;

/**
 * The API's one way into the use cases through the @nestjs/cqrs CommandBus (issue 14, defect 7): names a
 * context's bound use case (apps/common/application.ts) and its arguments; the result is the use case's.
 * `bus.execute(new AppCommand('consent', 'record', [input, ctx]))`.
 */
export class AppCommand<C extends ContextName, U extends UseCaseName<C>> extends Command<Awaited<ReturnType<UseCase<C, U>>>> {
  constructor(
    readonly context: C,
    readonly useCase: U,
    readonly args: Parameters<UseCase<C, U>>,
  ) {
    super();
  }
}

type AnyAppCommand = { readonly context: ContextName; readonly useCase: PropertyKey; readonly args: readonly unknown[] };

/** Adapter only: calls the bound use case; no rule lives here. */
@CommandHandler(AppCommand)
export class AppCommandHandler implements ICommandHandler<AnyAppCommand> {
  constructor(@Inject(INFRA) private readonly infra: Infrastructure) {}

  execute({ context, useCase, args }: AnyAppCommand): Promise<unknown> {
    const uses = this.infra.app[context] as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
    const run = uses[useCase as string];
    if (typeof run !== 'function') throw new Error(`no use case ${String(context)}.${String(useCase)}`);
    return run(...args);
  }
}
