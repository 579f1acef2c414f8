export * from './ip';
export * from './ranges';
export * from './classify';
export * from './policy';
export * from './http';
export * from './trust';
