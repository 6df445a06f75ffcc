export * from './prepare-event';
export * from './event-publisher';
export * from './schema-check';
