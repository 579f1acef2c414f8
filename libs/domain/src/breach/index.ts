export * from './breach.events';
export * from './breach.state';
export * from './breach.decider';
export * from './deadlines';
export * from './risk';
export * from './scope';
export * from './drafts';
