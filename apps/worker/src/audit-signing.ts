import type { ProcessManager } from './process-manager';

/**
 * Signs the audit chain head (ARCHITECTURE invariant 9) at every multiple of AUDIT_CHECKPOINT_EVERY
 * events and on the AUDIT_HEAD_INTERVAL_MS schedule (`infra.app.audit.signDueHeads`); the
 * `audit_heads` service publishes them. A tick that refuses to sign (the chain does not continue the
 * last signed head) fails visibly.
 */
export const auditSigningProcessManager: ProcessManager = {
  name: 'audit-signing',
  intervalMs: 5000,
  tick: (infra, now) => infra.app.audit.signDueHeads(now),
};
