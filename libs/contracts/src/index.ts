export * from './topics';
export * from './event-types';
export * from './modes';
export * from './ids';
export * from './domain-event';
export * from './delivery-message';
export * from './endpoint-change';
export * from './routing';
