// One settings schema per app; each app loads its own with loadConfig at start.
export * from './common';
export * from './url-policy';
export * from './subscriptions';
export * from './fanout';
export * from './delivery';
export * from './cli';
