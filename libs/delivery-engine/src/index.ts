export * from './lane-engine';
export * from './partition-window';
