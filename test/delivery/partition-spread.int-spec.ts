import { Producer } from 'kafkajs';
import { decodeDeliveryMessage, retryTierTopic, Topics } from '@app/contracts';
import { query, resetWorld, startStack, testEnv, testProducer } from '../support/stack';
import { failingFirstCall, TestReceiver } from '../support/test-receiver';
import { createEndpoint, createOrg, Org } from '../subscriptions/admin-api';
import { TopicReader } from '../fanout/fanout-kit';

const PARTITIONS = 4;
const BIG_ORG_ENDPOINTS = 22;

// SPEC §12: endpoints are spread over the deliveries partitions by a stored, least-loaded choice (not by how
// their ids hash), a very large organization included; and every message of an endpoint (first attempt,
// retry tier) is written to that partition number.
describe('endpoints spread over the deliveries partitions', () => {
  const env = testEnv({ KAFKA_TOPIC_PARTITIONS: String(PARTITIONS), RETRY_SCHEDULE_SECONDS: '1' });
  let stack: Awaited<ReturnType<typeof startStack>>;
  let producer: Producer;
  let receiver: TestReceiver;
  const readers: TopicReader[] = [];

  beforeAll(async () => {
    await resetWorld();
    stack = await startStack(env);
    producer = await testProducer();
    // Every endpoint's first call fails once (so each has a retry-tier message), the second succeeds.
    receiver = await new TestReceiver(failingFirstCall()).start();
  });

  afterAll(async () => {
    await Promise.all(readers.map((r) => r.stop()));
    await producer?.disconnect();
    await receiver?.stop();
    await stack?.stop();
  });

  it('should give every partition the same number of endpoints, a very large organization included, and keep each endpoint on its partition in every topic', async () => {
    const big = await createOrg(stack.apiUrl, 'Very Large Co');
    const small: Org[] = [await createOrg(stack.apiUrl, 'Small A'), await createOrg(stack.apiUrl, 'Small B')];
    const endpoints: Array<{ org: Org; id: string }> = [];
    // Created concurrently, as a burst of API calls would: the choice must not hand them all the same partition.
    const created = await Promise.all(
      Array.from({ length: BIG_ORG_ENDPOINTS }, (_, i) => createEndpoint(stack.apiUrl, big, { url: `${receiver.url}/big/${i}`, mode: 'live', eventTypes: ['order.new'] })),
    );
    endpoints.push(...created.map((e) => ({ org: big, id: e.id })));
    for (const org of small) endpoints.push({ org, id: (await createEndpoint(stack.apiUrl, org, { url: `${receiver.url}/${org.id}`, mode: 'live', eventTypes: ['order.new'] })).id });

    const rows = await query<{ id: string; delivery_partition: number | null }>('SELECT id, delivery_partition FROM endpoints');
    const partitionOf = new Map(rows.map((r) => [r.id, r.delivery_partition]));
    const perPartition = Array.from({ length: PARTITIONS }, (_, p) => rows.filter((r) => r.delivery_partition === p).length);
    // 24 endpoints over 4 partitions: 6 each, whatever their ids hash to.
    expect(perPartition).toEqual(Array(PARTITIONS).fill(endpoints.length / PARTITIONS));
    const load = await query<{ partition: number; endpoints: string }>('SELECT partition, endpoints FROM delivery_partition_load ORDER BY partition');
    expect(load.map((l) => Number(l.endpoints))).toEqual(perPartition);

    const deliveries = await TopicReader.start(Topics.deliveries);
    const tier = await TopicReader.start(retryTierTopic(1));
    readers.push(deliveries, tier);
    for (const org of [big, ...small]) {
      await producer.send({
        topic: 'order.new',
        acks: -1,
        messages: [{ key: org.id, value: JSON.stringify({ id: `evt_spread_${org.id}`, type: 'order.new', organizationId: org.id, mode: 'live', occurredAt: new Date().toISOString(), data: {} }) }],
      });
    }
    // Each endpoint: one failed call, one successful retry.
    await receiver.waitFor(endpoints.length * 2, 60_000);
    await deliveries.waitForCount(endpoints.length, 30_000);
    await tier.waitForCount(endpoints.length, 30_000);

    for (const reader of [deliveries, tier]) {
      const placed = reader.records.map((r) => ({ endpointId: decodeDeliveryMessage(r.value).endpointId, partition: r.partition, named: decodeDeliveryMessage(r.value).partition }));
      expect(placed).toHaveLength(endpoints.length);
      for (const p of placed) expect({ endpointId: p.endpointId, partition: p.partition, named: p.named }).toEqual({ endpointId: p.endpointId, partition: partitionOf.get(p.endpointId), named: partitionOf.get(p.endpointId) });
    }
  }, 180_000);
});
