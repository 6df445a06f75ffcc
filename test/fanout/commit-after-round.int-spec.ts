import { Producer } from 'kafkajs';
import { testEnv, testKafka } from '../support/stack';
import { createEndpoint, createOrg, Org } from '../subscriptions/admin-api';
import { domainEvent } from '../history/history-support';
import { PartitionProducers } from '../../apps/fanout/src/partition-producers';
import { CATALOG_TOPICS, FanoutWorld, metricValue, settle, startFanoutWorld } from './fanout-kit';

// The fan-out hands a round back to kafkajs before its transactions commit (decision 0017): kafkajs has
// already moved past those records when a commit fails. Here one order.new partition's transactional ids
// are taken over again and again while events stream into every partition, as another instance taking
// that partition would: its commits fail (fenced) mid-flight and it must be read again from the failed
// transaction's first record, while the other partitions, committing at the same time, must carry on
// unharmed. Nothing may be lost, and read-committed readers see each event once.
describe('fan-out transactions that fail after their round returned', () => {
  const env = testEnv();
  const groupId = env.FANOUT_GROUP_ID as string;
  let world: FanoutWorld;
  let org: Org;

  beforeAll(async () => {
    world = await startFanoutWorld(env);
    org = await createOrg(world.apiUrl, 'Acme');
    await createEndpoint(world.apiUrl, org, { mode: 'live', eventTypes: ['order.new'] });
  });

  afterAll(async () => {
    await world?.stop();
  });

  it('should read a fenced transaction again from its first record and deliver every event exactly once', async () => {
    const admin = testKafka().admin();
    await admin.connect();
    const partitions = (await admin.fetchTopicOffsets('order.new')).map((p) => p.partition);
    await admin.disconnect();

    expect(partitions.length).toBeGreaterThanOrEqual(2);
    const fenced = partitions[0];

    let fencing = true;
    let fences = 0;
    // InitProducerId on the fan-out's own transactional ids bumps their epoch: whatever the fan-out has open
    // on them is aborted and its next request refused, as when another instance takes the partition.
    const fencer = (async () => {
      while (fencing) {
        for (const transactionalId of PartitionProducers.transactionalIds(groupId, 'order.new', fenced)) {
          const usurper: Producer = testKafka().producer({ transactionalId, idempotent: true, maxInFlightRequests: 1 });
          await usurper.connect();
          await (await usurper.transaction()).abort();
          await usurper.disconnect();
        }
        fences++;
        await new Promise((r) => setTimeout(r, 50));
      }
    })();

    const count = 600;
    const ids = Array.from({ length: count }, (_, i) => `evt_rewind_${i}`);
    for (let i = 0; i < count; i += partitions.length) {
      const messages = ids.slice(i, i + partitions.length).map((id, j) => ({ partition: partitions[j], key: org.id, value: JSON.stringify(domainEvent(org.id, 'order.new', 'live', id)) }));
      await world.producer.send({ topic: 'order.new', acks: -1, messages });
      await new Promise((r) => setTimeout(r, 15));
    }
    fencing = false;
    await fencer;

    await world.deliveries.waitForCount(count, 60_000);
    await settle(world.deliveries, groupId, CATALOG_TOPICS);
    const delivered = world.deliveries.deliveries().map((d) => d.event.id);
    expect(new Set(delivered)).toEqual(new Set(ids));
    expect(delivered).toHaveLength(count);
    expect(fences).toBeGreaterThan(5);
    // The case this file is about happened: a commit failed after kafkajs had been handed the round.
    expect(await metricValue(world.fanoutUrl, 'webhooks_fanout_rewinds_total', { reason: 'fenced' })).toBeGreaterThan(0);
  }, 240_000);
});
