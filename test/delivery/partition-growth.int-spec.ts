import { Producer } from 'kafkajs';
import { decodeDeliveryMessage, retryTierTopic, Topics } from '@app/contracts';
import { eventually, query, resetWorld, startStack, testEnv, testKafka, testProducer } from '../support/stack';
import { failingFirstCall, TestReceiver } from '../support/test-receiver';
import { createEndpoint, createOrg, Org } from '../subscriptions/admin-api';
import { TopicReader } from '../fanout/fanout-kit';

type Stack = Awaited<ReturnType<typeof startStack>>;

const BEFORE = 2;
const AFTER = 4;

// docs/production.md, "Adding partitions": raising KAFKA_TOPIC_PARTITIONS grows the delivery topics when the
// delivery service restarts, while the other services keep running. Nothing moves: an endpoint keeps its
// stored partition in every topic, a retry waiting in a tier is still delivered, and a new endpoint goes to a
// new, empty partition and gets its deliveries although the fan-out (not restarted) knew the topic with fewer
// partitions (kafkajs producers drop a message naming a partition their metadata lacks, see decision 0016).
describe('adding partitions to the delivery topics while the services run', () => {
  const env = testEnv({ KAFKA_TOPIC_PARTITIONS: String(BEFORE), RETRY_SCHEDULE_SECONDS: '4' });
  const grownEnv = { ...env, KAFKA_TOPIC_PARTITIONS: String(AFTER) };
  const running = new Set<Stack>();
  /** One service of the stack, stopped by the test (an operator's restart) or at the end. */
  const start = async (serviceEnv: NodeJS.ProcessEnv, service: 'subscriptions' | 'fanout' | 'delivery'): Promise<Stack> => {
    const stack = await startStack(serviceEnv, [service]);
    running.add(stack);
    return { ...stack, stop: async () => void (running.delete(stack) && (await stack.stop())) };
  };
  let producer: Producer;
  let receiver: TestReceiver;
  let deliveries: TopicReader | null = null;

  beforeAll(async () => {
    await resetWorld();
    producer = await testProducer();
    // The old endpoint fails each delivery's first call (so one waits in the retry tier), then succeeds.
    receiver = await new TestReceiver(failingFirstCall((path) => path.endsWith('/old'))).start();
  });

  afterAll(async () => {
    await deliveries?.stop();
    await producer?.disconnect();
    await receiver?.stop();
    for (const stack of [...running].reverse()) await stack.stop();
  });

  const publish = (org: Org, id: string) =>
    producer.send({
      topic: 'order.new',
      acks: -1,
      messages: [{ key: org.id, value: JSON.stringify({ id, type: 'order.new', organizationId: org.id, mode: 'live', occurredAt: new Date().toISOString(), data: {} }) }],
    });
  const received = (path: string, eventId: string) => receiver.requests.filter((r) => r.path.endsWith(path) && (JSON.parse(r.body) as { id?: string }).id === eventId);

  it('should keep every endpoint on its partition, deliver the retry in flight, and deliver to a new endpoint on a new partition', async () => {
    const subscriptions = await start(env, 'subscriptions');
    await start(env, 'fanout');
    const delivery = await start(env, 'delivery');
    const org = await createOrg(subscriptions.apiUrl, 'Growing Co');
    const old = await createEndpoint(subscriptions.apiUrl, org, { url: `${receiver.url}/old`, mode: 'live', eventTypes: ['order.new'] });
    const [{ delivery_partition: oldPartition }] = await query<{ delivery_partition: number }>('SELECT delivery_partition FROM endpoints WHERE id = $1', [old.id]);

    // The fan-out's producer learns the deliveries topic with BEFORE partitions; the first call fails.
    await publish(org, 'evt_growth_1');
    await eventually(async () => (received('/old', 'evt_growth_1').length >= 1 ? true : undefined), 30_000, 'the first call to the old endpoint');

    // Operator: raise KAFKA_TOPIC_PARTITIONS and restart the delivery service; the others keep running.
    await delivery.stop();
    await start(grownEnv, 'delivery');
    const admin = testKafka().admin();
    await admin.connect();
    try {
      const grownTopics = [Topics.deliveries, retryTierTopic(4), Topics.deadLetters];
      const metadata = await admin.fetchTopicMetadata({ topics: grownTopics });
      expect(metadata.topics.map((t) => [t.name, t.partitions.length]).sort()).toEqual(grownTopics.map((t) => [t, AFTER]).sort());
    } finally {
      await admin.disconnect();
    }

    // The retry that waited in the tier across the restart is delivered.
    await eventually(async () => (received('/old', 'evt_growth_1').length >= 2 ? true : undefined), 30_000, 'the retry of the first event');

    // The setting is raised on the API too (restarted); the fan-out runs on, its producers knowing the
    // deliveries topic with BEFORE partitions. A new endpoint goes to a new, empty partition.
    await subscriptions.stop();
    const grownSubscriptions = await start(grownEnv, 'subscriptions');
    // Least loaded first: the empty old partition may be chosen before the new ones.
    const added: Array<{ id: string; partition: number; path: string }> = [];
    while (!added.some((e) => e.partition >= BEFORE) && added.length < AFTER) {
      const path = `/new-${added.length}`;
      const e = await createEndpoint(grownSubscriptions.apiUrl, org, { url: `${receiver.url}${path}`, mode: 'live', eventTypes: ['order.new'] });
      const [{ delivery_partition: partition }] = await query<{ delivery_partition: number }>('SELECT delivery_partition FROM endpoints WHERE id = $1', [e.id]);
      added.push({ id: e.id, partition, path });
    }
    const fresh = added[added.length - 1];
    expect(fresh.partition).toBeGreaterThanOrEqual(BEFORE);

    deliveries = await TopicReader.start(Topics.deliveries);
    await publish(org, 'evt_growth_2');
    // The new endpoint's message names a partition the running fan-out's producer had not seen.
    for (const e of added) await eventually(async () => (received(e.path, 'evt_growth_2').length >= 1 ? true : undefined), 30_000, `the second event at ${e.path} (partition ${e.partition})`);
    await eventually(async () => (received('/old', 'evt_growth_2').length >= 2 ? true : undefined), 30_000, 'the second event at the old endpoint, after its retry');

    const placed = deliveries.records.map((r) => ({ endpointId: decodeDeliveryMessage(r.value).endpointId, partition: r.partition }));
    expect(placed.filter((p) => p.endpointId === old.id).every((p) => p.partition === oldPartition)).toBe(true);
    for (const e of added) expect(placed.filter((p) => p.endpointId === e.id)).toEqual([{ endpointId: e.id, partition: e.partition }]);
    // Exactly once at each endpoint per successful call: the old one twice per event (fail, retry), each new one once.
    expect(received('/old', 'evt_growth_1')).toHaveLength(2);
    expect(received('/old', 'evt_growth_2')).toHaveLength(2);
    for (const e of added) expect(received(e.path, 'evt_growth_2')).toHaveLength(1);
  }, 240_000);
});
