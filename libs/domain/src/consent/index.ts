export * from './events';
export * from './state';
export * from './decider';
export * from './evaluate';
export * from './expiry';
export * from './traits';
export * from './personal-fields';
export type { AgeInput } from './conditions';
