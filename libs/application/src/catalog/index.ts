export * from './queries';
export * from './use-cases';
