import type { ProjectionDefinition } from '@pl/application';
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
import { RIGHTS_VERIFICATION_PM, rightsVerificationProcessManager } from '@pl/application/rights';
import { onTheProcessManagerLoop } from './event-process-managers';

/** Every read model the worker keeps. Add a context's projections here. */
export const PROJECTIONS: ProjectionDefinition[] = [eventCountsProjection, breachRegisterProjection, consentProjection, rightsProjection, catalogProjection, dataMapProjection, auditChainProjection];

/** What follows a verified request, fed by the facts (libs/application/src/rights/verification.process-manager.ts). */
export const rightsVerification = onTheProcessManagerLoop(RIGHTS_VERIFICATION_PM, () => rightsVerificationProcessManager());

/** Every clock-driven process manager the worker runs. */
export const PROCESS_MANAGERS: ProcessManager[] = [breachClocksProcessManager, consentExpiryProcessManager, rightsClocksProcessManager, retentionProcessManager, auditSigningProcessManager, rightsVerification];
