export * from './prepare-event';
export * from './event-publisher';
