export * from './pseudonym';
export * from './master-key';
export * from './key-store';
export * from './field-cipher';
export * from './event-codec';
export * from './key-store-migration';
export * from './reapply-erasures';
export * from './encrypting-event-store';
