/**
 * kafkajs' send, as patched (patches/kafkajs+2.2.4.patch, decision 0016): a message naming a partition its
 * metadata does not have yet (partitions added to the topic since it was fetched) makes it refresh the
 * metadata and send again. The published 2.2.4 left such a message out of every request and resolved the
 * send as written: a delivery message to an endpoint on a new partition was lost, its offsets committed.
 */
import { silentKafkajsLogger } from './kafkajs-internals.testing';
// eslint-disable-next-line @typescript-eslint/no-require-imports -- kafkajs does not export its send; this is the module its producers use
const createSendMessages = require('kafkajs/src/producer/sendMessages') as (options: object) => (request: {
  acks: number;
  topicMessages: Array<{ topic: string; messages: Array<{ value: string; partition: number }> }>;
}) => Promise<Array<{ topicName: string; partition: number }>>;
// eslint-disable-next-line @typescript-eslint/no-require-imports -- kafkajs' own retrier, as its producers use it
const createRetry = require('kafkajs/src/retry') as (options: object) => unknown;

const TOPIC = 'webhooks.deliveries';

/** One broker leading every partition; the topic has `partitionsNow` partitions, the metadata knows `known` until refreshed. */
function world(known: number, partitionsNow: number) {
  let partitionsKnown = known;
  const written: Array<{ partition: number; values: string[] }> = [];
  const broker = {
    produce: async ({ topicData }: { topicData: Array<{ topic: string; partitions: Array<{ partition: number; messages: Array<{ value: string }> }> }> }) => {
      for (const t of topicData) for (const p of t.partitions) written.push({ partition: p.partition, values: p.messages.map((m) => m.value) });
      return { topics: topicData.map((t) => ({ topicName: t.topic, partitions: t.partitions.map((p) => ({ partition: p.partition, errorCode: 0, baseOffset: '0' })) })) };
    },
  };
  const metadata = () => Array.from({ length: partitionsKnown }, (_, partitionId) => ({ partitionId, leader: 1 }));
  const cluster = {
    refreshMetadataIfNecessary: async () => undefined,
    refreshMetadata: async () => void (partitionsKnown = partitionsNow),
    addMultipleTargetTopics: async () => undefined,
    isConnected: () => true,
    findTopicPartitionMetadata: () => metadata(),
    findLeaderForPartitions: (_topic: string, partitions: string[]) => ({ 1: partitions.map(Number).filter((p) => p < partitionsKnown) }),
    findBroker: async () => broker,
  };
  const eosManager = {
    isTransactional: () => false,
    acquireBrokerLock: async () => undefined,
    releaseBrokerLock: async () => undefined,
    getSequence: () => 0,
    updateSequence: () => undefined,
    getProducerId: () => -1,
    getProducerEpoch: () => 0,
  };
  const send = createSendMessages({
    logger: silentKafkajsLogger,
    cluster,
    partitioner: ({ message }: { message: { partition: number } }) => message.partition,
    eosManager,
    retrier: createRetry({ retries: 3, initialRetryTime: 1, maxRetryTime: 5 }),
  });
  return { send, written };
}

describe('kafkajs send to a partition added since the metadata was fetched (patched)', () => {
  it.each([
    ['a partition the metadata has', 2, 4, 1, [{ partition: 1, values: ['a'] }]],
    ['a partition added since the metadata was fetched', 2, 4, 3, [{ partition: 3, values: ['a'] }]],
    ['the first of the added partitions', 2, 4, 2, [{ partition: 2, values: ['a'] }]],
  ])('writes to %s', async (_case, known, partitionsNow, partition, expected) => {
    const { send, written } = world(known, partitionsNow);
    const answers = await send({ acks: -1, topicMessages: [{ topic: TOPIC, messages: [{ value: 'a', partition }] }] });
    expect(written).toEqual(expected); // unpatched, an added partition: nothing written, and the send resolved
    expect(answers.map((a) => a.partition)).toEqual([partition]);
  });

  it('writes both when one request names a known and an added partition', async () => {
    const { send, written } = world(2, 4);
    await send({ acks: -1, topicMessages: [{ topic: TOPIC, messages: [{ value: 'old', partition: 0 }, { value: 'new', partition: 3 }] }] });
    expect(written).toEqual([{ partition: 0, values: ['old'] }, { partition: 3, values: ['new'] }]);
  });

  it('fails the send, having written nothing, when the partition does not exist after a refresh', async () => {
    const { send, written } = world(2, 2);
    await expect(send({ acks: -1, topicMessages: [{ topic: TOPIC, messages: [{ value: 'a', partition: 5 }] }] })).rejects.toThrow(/partition\(s\) 5 of topic webhooks\.deliveries/);
    expect(written).toEqual([]);
  });
});
