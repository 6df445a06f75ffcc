export * from './kafka-client';
export * from './topic-admin';
export * from './messaging.module';
export * from './endpoint-change-feed';
export * from './consumer-lag';
export * from './startup-retry';
export * from './group-commit';
export * from './kept-consumer';
