import { randomUUID } from 'node:crypto';
import { Kafka } from 'kafkajs';
import { ensureTopics, KafkaProducer } from '@app/messaging';
import { testKafka } from '../support/stack';

const MESSAGES = 5_000;
const VALUE_BYTES = 600;

// Seen in the dead-neighbours suite: a round of 5,000 deferrals was produced as one request, its one
// record batch was over the broker's message.max.bytes, and every retry of the write failed the same
// way, so nothing settled and fetching stopped at the buffer bound.
describe('the shared producer', () => {
  let kafka: Kafka;
  let producer: KafkaProducer;

  beforeAll(async () => {
    kafka = testKafka();
    producer = new KafkaProducer(kafka);
    await producer.onModuleInit();
  });

  afterAll(async () => {
    await producer?.onApplicationShutdown();
  });

  it('should produce a round far larger than one request may be, every message on one partition, in order', async () => {
    const topic = `test.producer.${randomUUID().slice(0, 8)}`;
    await ensureTopics(kafka, [{ topic, numPartitions: 1, replicationFactor: 1 }]);
    const messages = Array.from({ length: MESSAGES }, (_, i) => ({ key: 'one-endpoint', value: `${String(i).padStart(8, '0')}${'x'.repeat(VALUE_BYTES)}` }));
    await producer.sendBatch([{ topic, messages }]);

    const admin = kafka.admin();
    await admin.connect();
    const [{ high, low }] = await admin.fetchTopicOffsets(topic);
    await admin.disconnect();
    expect(Number(high) - Number(low)).toBe(MESSAGES);

    const consumer = kafka.consumer({ groupId: `test-producer-${randomUUID()}` });
    const seen: number[] = [];
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          seen.push(Number(message.value!.subarray(0, 8).toString()));
          if (seen.length === MESSAGES) resolve();
        },
      });
    });
    await consumer.disconnect();
    expect(seen).toEqual(Array.from({ length: MESSAGES }, (_, i) => i));
  });
});
