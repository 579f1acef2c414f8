import { invalid } from '../shared';
import { countryCode, text } from './common';
import { mechanismOf, type FlowInput, type TransferMechanism } from './flow';

/**
 * A third-country transfer declared in an activity (Art. 30(1)(e)) or a processor record (30(2)(c)).
 * `safeguard` is the record's own wording and decides nothing; `mechanism` is assessed with the same
 * engine as data flows (`assessDeclaredTransfer`). The structured fields are stored only when given,
 * so records made before they existed re-apply without a change.
 */
export interface DeclaredTransfer {
  readonly country: string;
  readonly recipient: string;
  readonly safeguard: string | null;
  readonly mechanism?: TransferMechanism;
  /** The importer's role (SCC module check); controller when not given, as for flows. */
  readonly recipient_role?: 'controller' | 'processor';
  readonly dpf_certified?: boolean;
  readonly commercial_organisation?: boolean;
}

export interface DeclaredTransferInput {
  country: string;
  recipient: string;
  safeguard?: string | null;
  mechanism?: FlowInput['mechanism'];
  recipient_role?: 'controller' | 'processor';
  dpf_certified?: boolean;
  commercial_organisation?: boolean;
}

export function normalizeDeclaredTransfer(t: DeclaredTransferInput, field: string): DeclaredTransfer {
  if (!t || typeof t !== 'object') throw invalid(`${field} must be an object with country and recipient`, { field });
  const out: { -readonly [K in keyof DeclaredTransfer]: DeclaredTransfer[K] } = {
    country: countryCode(t.country, `${field}.country`),
    recipient: text(t.recipient, `${field}.recipient`, { max: 200 })!,
    safeguard: text(t.safeguard, `${field}.safeguard`, { max: 200, optional: true }),
  };
  if (t.mechanism !== undefined && t.mechanism !== null) {
    if (typeof t.mechanism !== 'object' || Array.isArray(t.mechanism)) throw invalid(`${field}.mechanism must be an object with a type`, { field: `${field}.mechanism` });
    out.mechanism = mechanismOf(t.mechanism, `${field}.mechanism`);
  }
  if (t.recipient_role !== undefined) {
    if (t.recipient_role !== 'controller' && t.recipient_role !== 'processor') throw invalid(`${field}.recipient_role must be controller or processor`, { field: `${field}.recipient_role` });
    out.recipient_role = t.recipient_role;
  }
  for (const k of ['dpf_certified', 'commercial_organisation'] as const) {
    if (t[k] === undefined) continue;
    if (typeof t[k] !== 'boolean') throw invalid(`${field}.${k} must be true or false`, { field: `${field}.${k}` });
    out[k] = t[k];
  }
  return out;
}
