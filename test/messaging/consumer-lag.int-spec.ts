import { randomUUID } from 'node:crypto';
import { Kafka } from 'kafkajs';
import { ConsumerLag, ensureTopics } from '@app/messaging';
import { deleteTestTopics, testKafka, testProducer } from '../support/stack';

// The lag gauges read every partition's committed offset and both ends of its log every 10 s. kafkajs' admin
// asked for them topic by topic: a metadata request and two ListOffsets per topic, a third of what an idle stack
// still asked the broker (decision 0035). As patched, one metadata request and one ListOffsets per end for all.
describe('consumer lag over several topics (kafkajs admin patched)', () => {
  const run = randomUUID().slice(0, 8);
  const topics = [`lag-a-${run}`, `lag-b-${run}`, `lag-c-${run}`];
  const groupId = `lag-${run}`;
  const requests: string[] = [];
  // The admin ConsumerLag makes, observed: the test counts what it asks the real broker.
  const kafka = testKafka();
  const admin = kafka.admin.bind(kafka);
  kafka.admin = ((...args: Parameters<Kafka['admin']>) => {
    const made = admin(...args);
    made.on(made.events.REQUEST, (e) => void requests.push(e.payload.apiName));
    return made;
  });
  const lag = new ConsumerLag(kafka);

  beforeAll(async () => {
    await ensureTopics(
      kafka,
      topics.map((topic) => ({ topic, numPartitions: 3 })),
    );
    const producer = await testProducer();
    try {
      // a: 4 records in partition 0, 2 in partition 1; b: 5 in partition 2; c: none.
      await producer.send({ topic: topics[0], messages: [0, 0, 0, 0, 1, 1].map((partition, i) => ({ partition, value: `a${i}` })) });
      await producer.send({ topic: topics[1], messages: [0, 1, 2, 3, 4].map((i) => ({ partition: 2, value: `b${i}` })) });
    } finally {
      await producer.disconnect();
    }
    const groupAdmin = testKafka().admin();
    await groupAdmin.connect();
    try {
      // a: consumed 3 of partition 0, nothing committed in partition 1; b: consumed 1 of partition 2.
      await groupAdmin.setOffsets({ groupId, topic: topics[0], partitions: [{ partition: 0, offset: '3' }] });
      await groupAdmin.setOffsets({ groupId, topic: topics[1], partitions: [{ partition: 2, offset: '1' }] });
    } finally {
      await groupAdmin.disconnect();
    }
  });

  afterAll(async () => {
    await lag.close();
    await deleteTestTopics(topics);
  });

  it('should sum each topic\'s unconsumed records, counting a partition without a commit from its start', async () => {
    const byTopic = await lag.byTopic(groupId, topics);
    expect(Object.fromEntries(byTopic)).toEqual({ [topics[0]]: 1 + 2, [topics[1]]: 4, [topics[2]]: 0 });
  });

  it('should ask the broker once per end for all topics, not per topic, on every poll', async () => {
    await lag.byTopic(groupId, topics);
    requests.length = 0;
    // Many polls: whether a second metadata request goes out depends on which answer comes back first, so one
    // poll alone passed most of the time and failed in CI.
    const polls = 40;
    for (let i = 0; i < polls; i++) await lag.byTopic(groupId, topics);
    const count = (api: string) => requests.filter((r) => r === api).length;
    // Topic by topic it was 6 ListOffsets and 3 Metadata per poll for these three topics.
    expect(count('ListOffsets')).toBe(2 * polls);
    expect(count('Metadata')).toBeLessThanOrEqual(polls);
    expect(count('OffsetFetch')).toBe(polls);
  });
});
