export * from './rate-limit';
export * from './report-input';
export * from './request-commands';
export * from './rights.use-cases';
export * from './task-ids';
export * from './verification.process-manager';
export * from './clocks';
export * from './task-results';
