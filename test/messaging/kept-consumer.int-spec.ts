import { randomUUID } from 'node:crypto';
import { Consumer } from 'kafkajs';
import { ensureTopics, KeptConsumer } from '@app/messaging';
import { createLogger } from '@app/observability';
import { deleteTestTopics, eventually, testKafka } from '../support/stack';

// kafkajs leaves a consumer stopped for good after a non-retriable crash (after a broker restart:
// "Failed to find group coordinator"). An unrecoverable error in the handler is the same kind of
// crash and the one a test can cause on purpose, against the real broker.
describe('KeptConsumer', () => {
  const kafka = testKafka();
  const topic = `kept-consumer-${randomUUID().slice(0, 8)}`;
  let kept: KeptConsumer | null = null;

  beforeAll(async () => {
    await ensureTopics(kafka, [{ topic, numPartitions: 1 }]);
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [{ value: 'first' }] });
    await producer.disconnect();
  });

  afterAll(async () => {
    await kept?.stop();
    await deleteTestTopics([topic]);
  });

  it('should replace a consumer that kafkajs will not restart, and read on from the committed offset', async () => {
    const crashes: Array<{ restart: boolean }> = [];
    const read: string[] = [];
    let failNext = true;
    kept = new KeptConsumer({
      name: 'test consumer',
      logger: createLogger('test', process.env.TEST_LOG_LEVEL ?? 'fatal'),
      retryDelayMs: 200,
      create: (): Consumer => {
        const consumer = kafka.consumer({ groupId: `kept-${topic}`, sessionTimeout: 6_000, heartbeatInterval: 500, maxWaitTimeInMs: 100 });
        consumer.on(consumer.events.CRASH, (e) => crashes.push({ restart: e.payload.restart }));
        return consumer;
      },
      run: async (consumer) => {
        await consumer.subscribe({ topic, fromBeginning: true });
        await consumer.run({
          eachMessage: async ({ message }) => {
            if (failNext) {
              failNext = false;
              // A programming error: kafkajs treats it as unrecoverable and does not restart the consumer.
              throw new TypeError('handler bug');
            }
            read.push(String(message.value));
          },
        });
      },
    });
    await kept.start();

    await eventually(async () => (read.length > 0 ? true : undefined), 30_000, 'the message read by the replacement');
    expect(read).toEqual(['first']);
    expect(crashes).toEqual([{ restart: false }]);
    expect(kept.replacements).toBe(1);
  });
});
