export * from './logger';
export * from './health';
export * from './run-service';
export * from './startup-watch';
export * from './http-metrics';
export * from './request-context';
export * from './pipeline-stages';
