import { auditSignerFor } from '@pl/audit';
import { signPeriodicHeads, signScheduledHead } from '@pl/projections/audit_chain';
import { auditHeadPolicy } from '../../common/audit-policy';
import type { ProcessManager } from './process-manager';

/** Signed checkpoints of the audit chain every this many events (plus on demand: POST /audit/checkpoints, exports, `cli audit sign`). */
export const AUDIT_CHECKPOINT_EVERY = 10_000;

/**
 * Signs the audit chain head (ARCHITECTURE invariant 9) at every multiple of AUDIT_CHECKPOINT_EVERY
 * events and on the AUDIT_HEAD_INTERVAL_MS schedule; the `audit_heads` service publishes them.
 * A tick that refuses to sign (the chain does not continue the last signed head) fails visibly.
 */
export const auditSigningProcessManager: ProcessManager = {
  name: 'audit-signing',
  intervalMs: 5000,
  async tick(infra, now) {
    const signer = auditSignerFor(infra.config);
    const policy = auditHeadPolicy(infra.config);
    await signPeriodicHeads(infra.db, signer, now, AUDIT_CHECKPOINT_EVERY, policy);
    await signScheduledHead(infra.db, signer, now, policy);
  },
};
