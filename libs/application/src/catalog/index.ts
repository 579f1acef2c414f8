export * from './queries';
export * from './use-cases';
export * from './lineage';
export * from './earlier-shapes';
export * from './map';
