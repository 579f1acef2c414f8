import type { ProjectionDefinition } from '@pl/application';
import { handleBreachRegister } from './handler';
import { BREACH_REGISTER_SCHEMA } from './schema';

/** rm_breach_register: the Art. 33(5) register of every breach, with its clocks. */
export const breachRegisterProjection: ProjectionDefinition = {
  name: 'breach_register',
  version: 1,
  schema: BREACH_REGISTER_SCHEMA,
  typePrefixes: ['breach.'],
  handle: handleBreachRegister,
};
export * from './queries';
