import { randomUUID } from 'node:crypto';
import { Consumer, ConsumerConfig, Kafka } from 'kafkajs';
import pino from 'pino';
import { BroadcastReader, ensureTopics } from '@app/messaging';
import { deleteTestTopics, testKafka } from '../support/stack';

const QUIET_MS = 7_000;

// A broadcast reader is the only member of its group, so its heartbeats only keep the session alive: every
// 3 s, not every second (decision 0032), and once live it fetches every 3 s, not every second (decision 0034).
// Counted on the real broker, over a quiet topic.
describe('a broadcast reader at idle', () => {
  const topic = `broadcast-${randomUUID().slice(0, 8)}`;
  const base = testKafka();
  const requests: string[] = [];
  // The reader makes its consumer itself: every consumer it asks for reports its requests here.
  const kafka = Object.create(base) as Kafka;
  kafka.consumer = (config: ConsumerConfig): Consumer => {
    const consumer = base.consumer(config);
    consumer.on(consumer.events.REQUEST, (e) => requests.push(e.payload.apiName));
    return consumer;
  };
  const reader = new BroadcastReader(kafka, { name: 'test reader', topic, instanceId: 'test', logger: pino({ level: 'silent' }) });

  beforeAll(() => ensureTopics(base, [{ topic, numPartitions: 1 }]));

  afterAll(async () => {
    await reader.stop();
    await deleteTestTopics([topic]);
  });

  it('should fetch and heartbeat about every 3 s while it waits for messages', async () => {
    expect(await reader.start(() => undefined)).toBe(true);
    requests.length = 0;
    await new Promise((r) => setTimeout(r, QUIET_MS));
    const count = (apiName: string) => requests.filter((r) => r === apiName).length;
    // It kept fetching all along, 2-3 fetches and heartbeats in 7 s; ~7 of each with a 1 s wait and interval.
    expect(count('Fetch')).toBeGreaterThanOrEqual(2);
    expect(count('Fetch')).toBeLessThanOrEqual(4);
    expect(count('Heartbeat')).toBeGreaterThanOrEqual(1);
    expect(count('Heartbeat')).toBeLessThanOrEqual(3);
  }, 30_000);
});
