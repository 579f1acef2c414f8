import type { Grant, GrantStatus } from './state';

/**
 * The one consent expiry rule (docs/consent.md "Validate"): a grant is current while it is active and
 * `now` is before its expiry. Every recorded consent gets an expiry (the caller's, or the policy's
 * default from law/consent.ts: EDPB Guidelines 05/2020 §110, CNIL 2020-091); a grant without one is
 * never current, deny by default (ARCHITECTURE invariant 8). An expired grant is never used, even
 * before the worker's `consent.expired` is recorded. Validate, state, renewal, opt-outs, the worker's
 * expiry and the SDK (through `evaluate`) all decide with these functions.
 */
type Dated = Pick<Grant, 'status' | 'expires_at'>;

const millis = (now: string | Date | number): number => (typeof now === 'number' ? now : typeof now === 'string' ? Date.parse(now) : now.getTime());

export function isCurrent(g: Dated, now: string | Date | number): boolean {
  return g.status === 'active' && g.expires_at !== null && Date.parse(g.expires_at) > millis(now);
}

/** The status a grant has at `now`: an active grant that is not current reads `expired`. */
export function statusAt(g: Dated, now: string | Date | number): GrantStatus {
  return g.status === 'active' && !isCurrent(g, now) ? 'expired' : g.status;
}

/**
 * Due for `consent.expired`: active and past its recorded expiry. A grant without an expiry is never
 * current and never due (there is no date to record); validate and state read it as expired.
 */
export function isDue(g: Dated, now: string | Date | number): g is Dated & { expires_at: string } {
  return g.status === 'active' && g.expires_at !== null && !isCurrent(g, now);
}
