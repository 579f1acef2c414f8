import { DomainError } from '@pl/domain';

/** The DomainError `fn` throws (fails the test when it throws nothing or something else). */
export function rejection(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DomainError);
    return e as DomainError;
  }
  throw new Error('expected a DomainError');
}
