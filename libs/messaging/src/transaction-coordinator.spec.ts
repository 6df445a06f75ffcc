/**
 * kafkajs' transaction manager, as patched (patches/kafkajs+2.2.4.patch, decision 0015): it keeps the
 * transaction and group coordinators between requests instead of asking the cluster before every one (the
 * published 2.2.4 made four FindCoordinator round trips per transaction), and asks again after a failure.
 */
import { silentKafkajsLogger } from './kafkajs-internals.testing';
// eslint-disable-next-line @typescript-eslint/no-require-imports -- kafkajs does not export its transaction manager; this is the module its producers use
const createEosManager = require('kafkajs/src/producer/eosManager') as (options: object) => {
  initProducerId(): Promise<void>;
  beginTransaction(): void;
  addPartitionsToTransaction(topicData: Array<{ topic: string; partitions: Array<{ partition: number }> }>): Promise<void>;
  sendOffsets(offsets: { consumerGroupId: string; topics: Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }> }): Promise<void>;
  commit(): Promise<void>;
};


function fakeCluster(addPartitionsFailures = 0) {
  const finds: string[] = [];
  let failures = addPartitionsFailures;
  const broker = {
    initProducerId: async () => ({ producerId: 7, producerEpoch: 0 }),
    addPartitionsToTxn: async () => {
      if (failures-- > 0) throw Object.assign(new Error('This is not the correct coordinator'), { type: 'NOT_COORDINATOR' });
    },
    addOffsetsToTxn: async () => undefined,
    txnOffsetCommit: async () => undefined,
    endTxn: async () => undefined,
  };
  const cluster = {
    retry: { retries: 0 },
    refreshMetadataIfNecessary: async () => undefined,
    findGroupCoordinator: async ({ coordinatorType }: { coordinatorType: number }) => {
      finds.push(coordinatorType === 1 ? 'transaction' : 'group');
      return broker;
    },
  };
  return { cluster, finds };
}

async function transaction(eos: ReturnType<typeof createEosManager>): Promise<void> {
  eos.beginTransaction();
  await eos.addPartitionsToTransaction([{ topic: 'webhooks.deliveries', partitions: [{ partition: 0 }] }]);
  await eos.sendOffsets({ consumerGroupId: 'fanout', topics: [{ topic: 'order.new', partitions: [{ partition: 0, offset: '1' }] }] });
  await eos.commit();
}

describe('kafkajs transaction coordinators (patched)', () => {
  it('asks for each coordinator once, not before every request of every transaction', async () => {
    const { cluster, finds } = fakeCluster();
    const eos = createEosManager({ logger: silentKafkajsLogger, cluster, transactional: true, transactionalId: 'webhooks-fanout.g.order.new.0' });
    await eos.initProducerId();
    for (let i = 0; i < 3; i++) await transaction(eos);
    // initProducerId asks on its own; then one transaction and one group coordinator for all three transactions.
    expect(finds).toEqual(['transaction', 'transaction', 'group']); // unpatched: 1 + 4 per transaction
  });

  it('asks again after a request to the kept coordinator failed', async () => {
    const { cluster, finds } = fakeCluster(1);
    const eos = createEosManager({ logger: silentKafkajsLogger, cluster, transactional: true, transactionalId: 'webhooks-fanout.g.order.new.0' });
    await eos.initProducerId();
    eos.beginTransaction();
    const add = () => eos.addPartitionsToTransaction([{ topic: 'webhooks.deliveries', partitions: [{ partition: 0 }] }]);
    await expect(add()).rejects.toThrow('not the correct coordinator');
    await add(); // kafkajs' producer retries a send this way
    expect(finds).toEqual(['transaction', 'transaction', 'transaction']);
  });
});
