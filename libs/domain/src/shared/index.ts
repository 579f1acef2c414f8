export * from './event';
export * from './decider';
export * from './errors';
export * from './upcasting';
export * from './text';
export * from './subject-key';
export * from './personal-fields';
export * from './memo';
