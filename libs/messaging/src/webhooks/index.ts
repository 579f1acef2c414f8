export * from './schema';
export * from './secret-box';
export * from './signature';
export * from './store';
export * from './dispatcher';
export * from './deliverer';
