/**
 * API key scopes. `admin` implies every scope. Add a context's scopes here with a one-line
 * description (the README's scope table is generated from this list by hand: keep both in step).
 */
export const SCOPES = {
  admin: 'everything, including key management',
  'demo:write': 'demo list commands (shape of the stack)',
  'consent:write': 'record and withdraw consent, signals',
  'consent:read': 'validate and read consent state (no personal fields)',
  'consent:read-pii': 'read decrypted personal fields of consent history',
  'catalog:manage': 'register and change systems, elements, activities, flows',
  'catalog:read': 'read the catalog, data maps, RoPA, dashboards',
  'receipts:write': 'report processing receipts',
  'rights:manage': 'create and run data-subject requests',
  'breach:manage': 'record, assess and notify breaches',
  'audit:read': 'read-only auditor: verify the chain, export the log',
  'webhooks:manage': 'register webhook endpoints, read deliveries',
} as const;

export type Scope = keyof typeof SCOPES;

export const isScope = (s: string): s is Scope => Object.prototype.hasOwnProperty.call(SCOPES, s);
