import { Producer } from 'kafkajs';
import { testEnv, testKafka } from '../support/stack';
import { createEndpoint, createOrg, Org } from '../subscriptions/admin-api';
import { domainEvent } from '../history/history-support';
import { RoundProducers } from '../../apps/fanout/src/round-producers';
import { CATALOG_TOPICS, FanoutWorld, metricValue, settle, startFanoutWorld } from './fanout-kit';

// The fan-out hands a round back to kafkajs before its transaction commits (decision 0017): kafkajs has
// already moved past those records when a commit fails. Here the fan-out's transactional ids are taken over
// again and again while events stream into every partition, as the coordinator does when it times a
// transaction out: its commits fail (fenced) mid-flight, and every partition of the failed round must be read
// again from that transaction's first record of it, while rounds handed meanwhile must not commit past them.
// Nothing may be lost, and read-committed readers see each event once.
describe('fan-out transactions that fail after their round returned', () => {
  // Small fetches, so a burst leaves each partition behind: only then does a round return before its commit.
  const env = testEnv({ FANOUT_MAX_BYTES_PER_FETCH: String(16 * 1024) });
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

  it('should read a fenced transaction again from its first records and deliver every event exactly once', async () => {
    const admin = testKafka().admin();
    await admin.connect();
    const partitions = (await admin.fetchTopicOffsets('order.new')).map((p) => p.partition);
    await admin.disconnect();

    expect(partitions.length).toBeGreaterThanOrEqual(2);

    let fencing = true;
    let fences = 0;
    // InitProducerId on the fan-out's own transactional ids bumps their epoch: whatever the fan-out has open
    // on them is aborted and its next request refused, as when the coordinator times a transaction out.
    const fencer = (async () => {
      while (fencing) {
        for (const transactionalId of RoundProducers.transactionalIds(groupId, env.INSTANCE_ID as string)) {
          const usurper: Producer = testKafka().producer({ transactionalId, idempotent: true, maxInFlightRequests: 1 });
          await usurper.connect();
          await (await usurper.transaction()).abort();
          await usurper.disconnect();
        }
        fences++;
        await new Promise((r) => setTimeout(r, 50));
      }
    })();

    // Bursts until two commits failed after their round had returned (what this file is about), then a few more.
    const perSend = 10 * partitions.length;
    const rewinds = () => metricValue(world.fanoutUrl, 'webhooks_fanout_rewinds_total', { reason: 'fenced' });
    const ids: string[] = [];
    const deadline = Date.now() + 60_000;
    for (let extra = 5; extra > 0; ) {
      if ((await rewinds()) >= 2) extra--;
      else if (Date.now() > deadline) throw new Error(`no fan-out commit was fenced after its round returned within 60 s (${ids.length} events, ${fences} fences)`);
      const burst = Array.from({ length: perSend }, (_, j) => `evt_rewind_${ids.length + j}`);
      ids.push(...burst);
      const messages = burst.map((id, j) => ({ partition: partitions[j % partitions.length], key: org.id, value: JSON.stringify(domainEvent(org.id, 'order.new', 'live', id)) }));
      await world.producer.send({ topic: 'order.new', acks: -1, messages });
      await new Promise((r) => setTimeout(r, 15));
    }
    fencing = false;
    await fencer;

    await world.deliveries.waitForCount(ids.length, 60_000);
    await settle(world.deliveries, groupId, CATALOG_TOPICS);
    const delivered = world.deliveries.deliveries().map((d) => d.event.id);
    expect(new Set(delivered)).toEqual(new Set(ids));
    expect(delivered).toHaveLength(ids.length);
  }, 240_000);
});
