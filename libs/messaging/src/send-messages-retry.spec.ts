/* eslint-disable @typescript-eslint/no-require-imports -- kafkajs' internal modules (CommonJS, untyped), patched in patches/kafkajs+2.2.4.patch */
const sendMessages = require('kafkajs/src/producer/sendMessages') as (deps: unknown) => (req: unknown) => Promise<Array<{ topicName: string; partition: number }>>;
const createRetry = require('kafkajs/src/retry') as (options: unknown) => unknown;
const { KafkaJSProtocolError } = require('kafkajs/src/errors') as { KafkaJSProtocolError: new (e: unknown) => Error };
/* eslint-enable @typescript-eslint/no-require-imports */

/**
 * kafkajs retries a send by broker: a partition whose leader moved, during the retry, to a broker that had
 * already answered for other partitions must be resent to that broker, not dropped with the send resolving.
 */
describe('kafkajs sendMessages (patched): a retry after a leader moved', () => {
  it('should resend the partition to its new leader even when that broker already answered for another one', async () => {
    const leaders: Record<number, number> = { 0: 1, 1: 2 };
    const produced: Array<{ broker: number; partitions: number[] }> = [];
    const broker = (nodeId: number, failFirst: boolean) => {
      let calls = 0;
      return {
        nodeId,
        produce: async ({ topicData }: { topicData: Array<{ topic: string; partitions: Array<{ partition: number }> }> }) => {
          calls++;
          if (failFirst && calls === 1) {
            leaders[1] = 1; // the failover: partition 1 now led by broker 1, which answered already
            throw new KafkaJSProtocolError({ type: 'NOT_LEADER_FOR_PARTITION', code: 6, retriable: true, message: 'not the leader' });
          }
          const partitions = topicData[0].partitions.map((p) => p.partition);
          produced.push({ broker: nodeId, partitions });
          return { topics: [{ topicName: topicData[0].topic, partitions: partitions.map((partition) => ({ partition, errorCode: 0, baseOffset: '0' })) }] };
        },
      };
    };
    const brokers: Record<string, ReturnType<typeof broker>> = { 1: broker(1, false), 2: broker(2, true) };
    const cluster = {
      targetTopics: new Set<string>(),
      addMultipleTargetTopics: async () => undefined,
      refreshMetadataIfNecessary: async () => undefined,
      refreshMetadata: async () => undefined,
      isConnected: () => true,
      findTopicPartitionMetadata: () => [0, 1].map((partitionId) => ({ partitionId, leader: leaders[partitionId] })),
      findLeaderForPartitions: (_topic: string, partitions: string[]) => {
        const perLeader: Record<string, number[]> = {};
        for (const p of partitions) (perLeader[leaders[Number(p)]] ??= []).push(Number(p));
        return perLeader;
      },
      findBroker: async ({ nodeId }: { nodeId: string }) => brokers[nodeId],
    };
    const eosManager = {
      acquireBrokerLock: async () => undefined,
      releaseBrokerLock: async () => undefined,
      isTransactional: () => false,
      getSequence: () => 0,
      updateSequence: () => undefined,
      getProducerId: () => -1,
      getProducerEpoch: () => 0,
    };
    const logger = { debug: () => undefined, error: () => undefined };
    const send = sendMessages({ logger, cluster, eosManager, partitioner: ({ message }: { message: { partition: number } }) => message.partition, retrier: createRetry({ retries: 3, initialRetryTime: 1, maxRetryTime: 5 }) });

    const result = await send({ acks: -1, timeout: 1000, topicMessages: [{ topic: 'order.new', messages: [{ partition: 0, value: 'a' }, { partition: 1, value: 'b' }] }] });

    expect(produced).toEqual([{ broker: 1, partitions: [0] }, { broker: 1, partitions: [1] }]);
    expect(result.map((r) => r.partition).sort()).toEqual([0, 1]);
  });
});
