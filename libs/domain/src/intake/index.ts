export * from './privacy-event';
