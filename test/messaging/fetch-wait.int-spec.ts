import { randomUUID } from 'node:crypto';
import { Consumer, Producer } from 'kafkajs';
import { ensureTopics } from '@app/messaging';
import { deleteTestTopics, eventually, testKafka } from '../support/stack';

// The delivery consumers' fetch wait follows their traffic (decision 0027): kafkajs, as patched, reads a
// function-valued maxWaitTimeInMs before every fetch. What that relies on, on the real broker: the wait is the
// one sent, and a read-committed fetch waiting at the broker is answered once a transaction commits, not when
// its wait runs out.
describe('a consumer whose fetch wait is read before every fetch (kafkajs patched)', () => {
  const kafka = testKafka();
  const topic = `fetch-wait-${randomUUID().slice(0, 8)}`;
  let consumer: Consumer | null = null;
  let producer: Producer | null = null;

  beforeAll(() => ensureTopics(kafka, [{ topic, numPartitions: 2 }]));

  afterAll(async () => {
    await consumer?.disconnect();
    await producer?.disconnect();
    await deleteTestTopics([topic]);
  });

  it('should fetch as often as the wait it returns at that moment, and see a committed transaction at once whatever the wait', async () => {
    let waitMs = 400;
    const fetchWaits: Array<{ at: number; maxWaitTime: number }> = [];
    const seenAfterCommit: number[] = [];
    const committedAt = new Map<string, number>();
    consumer = kafka.consumer({ groupId: `fetch-wait-${topic}`, maxWaitTimeInMs: () => waitMs, readUncommitted: false });
    consumer.on(consumer.events.REQUEST, (e) => {
      if (e.payload.apiName === 'Fetch') fetchWaits.push({ at: Date.now(), maxWaitTime: waitMs });
    });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    let running = false;
    consumer.on(consumer.events.GROUP_JOIN, () => (running = true));
    await consumer.run({
      eachMessage: async ({ message }) => {
        const key = message.key?.toString() ?? '';
        seenAfterCommit.push(Date.now() - (committedAt.get(key) ?? Date.now()));
      },
    });
    await eventually(async () => (running ? true : undefined), 30_000, 'the consumer to join its group');

    const fetchesDuring = async (ms: number): Promise<number> => {
      const from = Date.now();
      await new Promise((r) => setTimeout(r, ms));
      return fetchWaits.filter((f) => f.at >= from && f.at < from + ms).length;
    };
    // Nothing to read: each fetch waits out its time at the broker.
    waitMs = 400;
    await fetchesDuring(500); // the fetch in flight when the wait changed ends
    const quiet = await fetchesDuring(2_000);
    waitMs = 50;
    await fetchesDuring(500);
    const busy = await fetchesDuring(2_000);
    // 2 s / 400 ms = 5 fetches (with scheduling slack), 2 s / 50 ms = 40: unpatched kafkajs cannot send a function at all.
    expect(quiet).toBeGreaterThanOrEqual(3);
    expect(quiet).toBeLessThanOrEqual(7);
    expect(busy).toBeGreaterThanOrEqual(15);

    // A wait far longer than any test: records of committed transactions still arrive long before it ends.
    waitMs = 10_000;
    await new Promise((r) => setTimeout(r, 200));
    producer = kafka.producer({ transactionalId: `fetch-wait-${topic}`, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    for (let i = 0; i < 6; i++) {
      const tx = await producer.transaction();
      await tx.send({ topic, messages: [{ key: `k${i}`, value: 'v', partition: i % 2 }] });
      await tx.commit();
      committedAt.set(`k${i}`, Date.now());
      await new Promise((r) => setTimeout(r, 300));
    }
    await eventually(async () => (seenAfterCommit.length === 6 ? true : undefined), 30_000, 'the six committed records');
    expect(Math.max(...seenAfterCommit)).toBeLessThan(2_500);
  });
});
