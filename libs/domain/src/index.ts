export * from './shared';
export * as demo from './demo/demo.decider';
export * as catalog from './catalog';
export * as consent from './consent';
export * as rights from './rights';
export * as intake from './intake';
export { canonicalOnAppend, domainUpcasters, taxonomyStamp, TAXONOMY_VERSION_KEY } from './upcasters';
export { DOMAIN_PERSONAL_FIELDS } from './personal-fields';
