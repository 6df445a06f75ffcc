export * from './lane-engine';
export * from './partition-window';
export { paceInterval } from './rate-pacer';
export * from './settled-offsets';
export * from './fetch-wait';
