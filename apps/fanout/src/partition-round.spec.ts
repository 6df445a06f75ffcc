import { isGroupMovedOn, PartitionTakenError } from './partition-round';

describe('isGroupMovedOn', () => {
  it.each<[string, unknown, boolean]>([
    ['ILLEGAL_GENERATION', { type: 'ILLEGAL_GENERATION' }, true],
    ['UNKNOWN_MEMBER_ID', { type: 'UNKNOWN_MEMBER_ID' }, true],
    ['FENCED_INSTANCE_ID', { type: 'FENCED_INSTANCE_ID' }, true],
    ['REBALANCE_IN_PROGRESS', { type: 'REBALANCE_IN_PROGRESS' }, true],
    ['wrapped by kafkajs (originalError)', { name: 'KafkaJSNonRetriableError', originalError: { type: 'ILLEGAL_GENERATION' } }, true],
    ['wrapped as a cause', new Error('commit failed', { cause: { type: 'UNKNOWN_MEMBER_ID' } }), true],
    ['our own rejoin error', new PartitionTakenError(new Error('x')), true],
    ['a fenced producer', { type: 'INVALID_PRODUCER_EPOCH' }, false],
    ['CONCURRENT_TRANSACTIONS', { type: 'CONCURRENT_TRANSACTIONS' }, false],
    ['a connection error', new Error('Connection timeout'), false],
    ['nothing', undefined, false],
  ])('should tell %s', (_name, err, movedOn) => {
    expect(isGroupMovedOn(err)).toBe(movedOn);
  });
});
