/**
 * A refusal by a decider or a rule. `code` maps to an HTTP status at the edge:
 * invalid -> 400, not_found -> 404, conflict -> 409, precondition -> 422, forbidden -> 403.
 * Messages and details must never carry personal data.
 */
export type DomainErrorCode = 'invalid' | 'not_found' | 'conflict' | 'precondition' | 'forbidden';

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'DomainError';
  }

  /**
   * The rejected input, for callers that must locate it (a manifest finding's line); kept out of
   * message and details, which reach error bodies: those never echo input (invariant 10).
   */
  rejected?: string;
}

export const invalid = (message: string, details?: Record<string, unknown>) => new DomainError('invalid', message, details);
/** `invalid`, remembering the rejected value apart from the message (see DomainError.rejected). */
export const invalidValue = (message: string, rejected: unknown, details?: Record<string, unknown>): DomainError => {
  const e = invalid(message, details);
  if (typeof rejected === 'string') e.rejected = rejected;
  return e;
};
export const notFound = (message: string, details?: Record<string, unknown>) => new DomainError('not_found', message, details);
export const conflict = (message: string, details?: Record<string, unknown>) => new DomainError('conflict', message, details);
export const precondition = (message: string, details?: Record<string, unknown>) => new DomainError('precondition', message, details);
