export * from './event-filter';
export * from './compiled-filters';
export * from './event-schema';
