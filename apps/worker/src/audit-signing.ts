import { auditSignerFor } from '@pl/audit';
import { signPeriodicHeads } from '@pl/projections/audit_chain';
import type { ProcessManager } from './process-manager';

/** Signed checkpoints of the audit chain every this many events (plus on demand: POST /audit/checkpoints, exports, `cli audit sign`). */
export const AUDIT_CHECKPOINT_EVERY = 10_000;

/** Signs the audit chain head at every multiple of AUDIT_CHECKPOINT_EVERY events (ARCHITECTURE invariant 9). */
export const auditSigningProcessManager: ProcessManager = {
  name: 'audit-signing',
  intervalMs: 5000,
  async tick(infra, now) {
    await signPeriodicHeads(infra.db, auditSignerFor(infra.config), now, AUDIT_CHECKPOINT_EVERY);
  },
};
