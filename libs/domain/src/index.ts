export * from './shared';
export * as demo from './demo/demo.decider';
