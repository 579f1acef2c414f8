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
}

export const invalid = (message: string, details?: Record<string, unknown>) => new DomainError('invalid', message, details);
export const notFound = (message: string, details?: Record<string, unknown>) => new DomainError('not_found', message, details);
export const conflict = (message: string, details?: Record<string, unknown>) => new DomainError('conflict', message, details);
export const precondition = (message: string, details?: Record<string, unknown>) => new DomainError('precondition', message, details);
