export * from './topics';
export * from './parse';
export * from './consumer';
export * from './publish';
export * from './webhooks';
