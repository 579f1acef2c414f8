import { BREACH_PERSONAL_FIELDS } from './breach/breach.events';
import { CATALOG_PERSONAL_FIELDS } from './catalog/personal-fields';
import { CONSENT_PERSONAL_FIELDS } from './consent/personal-fields';
import { DEMO_PERSONAL_FIELDS } from './demo/demo.decider';
import { RIGHTS_PERSONAL_FIELDS } from './rights/events';
import { INTAKE_PERSONAL_FIELDS } from './intake/privacy-event';
import type { PersonalFieldsDeclaration } from './shared/personal-fields';

/** Every domain event type with its personal fields (ARCHITECTURE invariant 13); the audit log declares its own. */
export const DOMAIN_PERSONAL_FIELDS: readonly PersonalFieldsDeclaration[] = [
  ...CONSENT_PERSONAL_FIELDS,
  ...RIGHTS_PERSONAL_FIELDS,
  ...BREACH_PERSONAL_FIELDS,
  ...CATALOG_PERSONAL_FIELDS,
  ...DEMO_PERSONAL_FIELDS,
  ...INTAKE_PERSONAL_FIELDS,
];
