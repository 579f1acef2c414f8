import type { Decider } from './decider';
import type { DomainEvent } from './event';
import { DomainError, type DomainErrorCode } from './errors';

/**
 * Given/when/then specification for a decider:
 *   spec(decider).given([e1, e2]).when(cmd).then([e3]);
 *   spec(decider).given([]).when(cmd).thenThrows('conflict', /already/);
 */
export function spec<C, E extends DomainEvent, S>(decider: Decider<C, E, S>) {
  return {
    given(events: readonly E[]) {
      return {
        when(command: C) {
          const run = () => decider.decide(command, events.reduce(decider.evolve, decider.initialState()));
          return {
            then(expected: readonly E[]) {
              expect(run()).toEqual(expected);
            },
            thenMatches(check: (emitted: E[]) => void) {
              check(run());
            },
            thenThrows(code: DomainErrorCode, message?: RegExp) {
              let caught: unknown;
              try {
                run();
              } catch (e) {
                caught = e;
              }
              expect(caught).toBeInstanceOf(DomainError);
              expect((caught as DomainError).code).toBe(code);
              if (message) expect((caught as DomainError).message).toMatch(message);
            },
          };
        },
      };
    },
  };
}

/** The DomainError `f` throws (fails the test when it throws nothing). */
export function refusalOf(f: () => unknown): DomainError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(DomainError);
    return e as DomainError;
  }
  throw new Error('expected a refusal, got none');
}
