import type { DomainEvent } from './event';

/**
 * One pure decider per aggregate (Emmett / Dudycz style): no NestJS, no I/O, no clock.
 * Time and lookups travel inside the command.
 */
export interface Decider<Command, Event extends DomainEvent, State> {
  readonly initialState: () => State;
  readonly evolve: (state: State, event: Event) => State;
  /** Returns the events the command produces; throws a DomainError to refuse it. */
  readonly decide: (command: Command, state: State) => Event[];
}

export function fold<Event extends DomainEvent, State>(
  decider: Pick<Decider<unknown, Event, State>, 'initialState' | 'evolve'>,
  events: readonly Event[],
): State {
  return events.reduce(decider.evolve, decider.initialState());
}
