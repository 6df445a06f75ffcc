export * from './signing';
export * from './backoff';
export * from './url-policy';
export * from './guarded-lookup';
export * from './host-resolver';
export * from './http-sender';
export * from './active-secrets';
export * from './circuit-breaker';
