export * from './request-types';
export * from './verification';
export * from './events';
export * from './commands';
export * from './request.decider';
export * from './erasure-analysis';
export * from './access-report';
