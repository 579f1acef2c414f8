export * from './topics';
export * from './routing';
export * from './state-topic';
export * from './relay';
export * from './kafka';
export * from './backoff';
export * from './webhooks';
