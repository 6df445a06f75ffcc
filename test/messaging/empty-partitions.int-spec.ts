import { randomUUID } from 'node:crypto';
import { Consumer, Producer } from 'kafkajs';
import { ensureTopics } from '@app/messaging';
import { deleteTestTopics, eventually, testKafka } from '../support/stack';

// Every fetch lists every assigned partition, and kafkajs used to hand each one that came back with nothing to
// its runner as an empty batch: a worker turn and a heartbeat check per partition per fetch, most of a quiet
// consumer's work (decision 0033). As patched, only partitions that returned records (control records and
// aborted ones included) are handed on. With a heartbeat allowed on every check, the heartbeats count the turns.
describe('a consumer over many partitions, most of them empty (kafkajs patched)', () => {
  const kafka = testKafka();
  const topic = `empty-partitions-${randomUUID().slice(0, 8)}`;
  const partitions = 12;
  let consumer: Consumer | null = null;
  let producer: Producer | null = null;

  beforeAll(() => ensureTopics(kafka, [{ topic, numPartitions: partitions }]));

  afterAll(async () => {
    await consumer?.disconnect();
    await producer?.disconnect();
    await deleteTestTopics([topic]);
  });

  it('should take one turn per fetch, not one per partition, and still read every committed record past aborted ones', async () => {
    const fetchesAt: number[] = [];
    const heartbeatsAt: number[] = [];
    const seen: string[] = [];
    consumer = kafka.consumer({ groupId: `empty-partitions-${topic}`, maxWaitTimeInMs: 100, heartbeatInterval: 0, readUncommitted: false });
    consumer.on(consumer.events.REQUEST, (e) => {
      if (e.payload.apiName === 'Fetch') fetchesAt.push(Date.now());
    });
    consumer.on(consumer.events.HEARTBEAT, () => heartbeatsAt.push(Date.now()));
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    let running = false;
    consumer.on(consumer.events.GROUP_JOIN, () => (running = true));
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value?.toString() ?? '') });
    await eventually(async () => (running ? true : undefined), 30_000, 'the consumer to join its group');

    // Nothing to read: every fetch brings back twelve empty partitions.
    await new Promise((r) => setTimeout(r, 500));
    const from = Date.now();
    await new Promise((r) => setTimeout(r, 2_000));
    const fetches = fetchesAt.filter((t) => t >= from && t < from + 2_000).length;
    const heartbeats = heartbeatsAt.filter((t) => t >= from && t < from + 2_000).length;
    expect(fetches).toBeGreaterThanOrEqual(8);
    // One check after each fetch; unpatched, one per empty partition: about twelve per fetch.
    expect(heartbeats).toBeLessThanOrEqual(fetches + 2);

    // Records still arrive, and a partition whose only records were aborted moves on to the committed ones.
    producer = kafka.producer({ transactionalId: `empty-partitions-${topic}`, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const aborted = await producer.transaction();
    await aborted.send({ topic, messages: [{ value: 'aborted', partition: 0 }] });
    await aborted.abort();
    const committed = await producer.transaction();
    await committed.send({ topic, messages: Array.from({ length: partitions }, (_, partition) => ({ value: `committed-${partition}`, partition })) });
    await committed.commit();
    await eventually(async () => (seen.length >= partitions ? true : undefined), 30_000, 'the committed records');
    await new Promise((r) => setTimeout(r, 300));
    expect([...seen].sort()).toEqual(Array.from({ length: partitions }, (_, p) => `committed-${p}`).sort());
  });
});
