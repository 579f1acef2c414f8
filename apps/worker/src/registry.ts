import type { EventProcessManager, ProjectionDefinition } from '@pl/application';
import { eventCountsProjection } from '@pl/projections/event_counts';
import { breachRegisterProjection } from '@pl/projections/breach_register';
import { breachClocksProcessManager } from './breach/breach-clocks';
import { consentProjection } from '@pl/projections/consent';
import { consentExpiryProcessManager } from './consent/consent-expiry';
import { rightsProjection } from '@pl/projections/rights';
import type { ProcessManager } from './process-manager';
import { catalogProjection } from '@pl/projections/catalog';
import { dataMapProjection } from '@pl/projections/data_map';
import { retentionProcessManager } from './retention.process-manager';
import { rightsClocksProcessManager } from './rights-clocks';
import { auditChainProjection } from '@pl/projections/audit_chain';
import { auditSigningProcessManager } from './audit-signing';
import { rightsVerificationProcessManager } from '@pl/application/rights';
import { webhookDeadLettersProcessManager } from './propagation/webhook-dead-letters';

/** Every read model the worker keeps. Add a context's projections here. */
export const PROJECTIONS: ProjectionDefinition[] = [eventCountsProjection, breachRegisterProjection, consentProjection, rightsProjection, catalogProjection, dataMapProjection, auditChainProjection];

/** Every clock-driven process manager the worker runs. */
export const PROCESS_MANAGERS: ProcessManager[] = [breachClocksProcessManager, consentExpiryProcessManager, rightsClocksProcessManager, retentionProcessManager, auditSigningProcessManager, webhookDeadLettersProcessManager];

/** Every fact-fed process manager the worker runs (invariant 12): each follows the log from its own checkpoint. */
export const EVENT_PROCESS_MANAGERS: EventProcessManager[] = [
  // what follows a verified request (libs/application/src/rights/verification.process-manager.ts)
  rightsVerificationProcessManager(),
];
