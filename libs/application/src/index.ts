export * from './commands/command-context';
export * from './commands/event-codec';
export * from './commands/handle-command';
export * from './projections/projection';
export * from './projections/checkpoints';
export * from './projections/runner';
export * from './projections/faults';
export * from './projections/stuck-tracker';
