import { randomUUID } from 'node:crypto';
import { Admin, Consumer, Producer } from 'kafkajs';
import { ensureTopics } from '@app/messaging';
import { deleteTestTopics, eventually, testKafka } from '../support/stack';

// KIP-447 in kafkajs, as patched (decision 0030): what one transaction across a fan-out instance's input
// partitions would stand on, held on the real broker. A transaction's offset commit carries the consumer's
// generation and member id (TxnOffsetCommit v3), so the group refuses a member it has moved on from; and a
// consumer reading stable offsets (OffsetFetch v7, require_stable) waits for a transaction that has sent offsets
// to end, instead of starting from the offset committed before it.
describe('transactional offset commits fenced by the consumer group (kafkajs patched, KIP-447)', () => {
  const kafka = testKafka();
  const topic = `txn-offset-fencing-${randomUUID().slice(0, 8)}`;
  /** What the group's members read: the offsets the test commits are of topic, which no member commits. */
  const membersTopic = `${topic}-members`;
  const consumers: Consumer[] = [];
  const producers: Producer[] = [];
  let admin: Admin;

  beforeAll(async () => {
    await ensureTopics(kafka, [{ topic, numPartitions: 2 }, { topic: membersTopic, numPartitions: 2 }]);
    admin = kafka.admin();
    await admin.connect();
  });

  afterAll(async () => {
    for (const c of consumers) await c.disconnect();
    for (const p of producers) await p.disconnect();
    await admin.disconnect();
    await deleteTestTopics([topic, membersTopic]);
  });

  const transactionalProducer = async (): Promise<Producer> => {
    const producer = kafka.producer({ transactionalId: `fencing-${randomUUID()}`, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    producers.push(producer);
    return producer;
  };

  type Member = { generationId: number; memberId: string };
  /** A member of the group, reading another topic than the one whose offsets the test's transactions commit. */
  const joinGroup = async (groupId: string, joins: Member[]): Promise<void> => {
    const consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 500 });
    consumers.push(consumer);
    const before = joins.length;
    consumer.on(consumer.events.GROUP_JOIN, (e) => joins.push({ generationId: e.payload.generationId, memberId: e.payload.memberId }));
    await consumer.connect();
    await consumer.subscribe({ topic: membersTopic });
    await consumer.run({ eachMessage: async () => undefined });
    await eventually(async () => (joins.length > before ? true : undefined), 30_000, `a member to join ${groupId}`);
  };

  /** Sends a record and partition 0's offset in one transaction; commits it, or aborts it if the offsets are refused. */
  const commitOffset = async (producer: Producer, groupId: string, offset: number, member?: Member): Promise<string> => {
    const transaction = await producer.transaction();
    await transaction.send({ topic, messages: [{ value: `offset ${offset}` }] });
    try {
      await transaction.sendOffsets({ consumerGroupId: groupId, topics: [{ topic, partitions: [{ partition: 0, offset: String(offset) }] }], groupMetadata: member });
    } catch (e) {
      await transaction.abort();
      return `refused: ${(e as { type?: string }).type ?? String(e)}`;
    }
    await transaction.commit();
    return 'committed';
  };

  const committedOffset = async (groupId: string, requireStable = false): Promise<string> => {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic], requireStable });
    return offsets.partitions.find((p) => p.partition === 0)!.offset;
  };

  it("should refuse a transaction's offsets sent with a generation or member the group has moved on from", async () => {
    const groupId = `fencing-${topic}`;
    const joins: Member[] = [];
    await joinGroup(groupId, joins);
    const first = joins[0];
    const producer = await transactionalProducer();

    expect(await commitOffset(producer, groupId, 5, first)).toBe('committed');
    expect(await committedOffset(groupId)).toBe('5');

    // A second member joins: the group moves to a new generation, and the first member's is out of date.
    await joinGroup(groupId, joins);
    await eventually(async () => (joins.some((j) => j.generationId > first.generationId) ? true : undefined), 30_000, 'the group to move on');
    const current = joins.reduce((a, b) => (b.generationId > a.generationId ? b : a));

    expect(await commitOffset(producer, groupId, 7, first)).toBe('refused: ILLEGAL_GENERATION');
    expect(await commitOffset(producer, groupId, 8, { generationId: current.generationId, memberId: 'not-a-member' })).toBe('refused: UNKNOWN_MEMBER_ID');
    expect(await committedOffset(groupId)).toBe('5');
    expect(await commitOffset(producer, groupId, 9, current)).toBe('committed');
    expect(await committedOffset(groupId)).toBe('9');
  });

  it('should keep a consumer reading stable offsets waiting until the transaction that sent offsets ends, then start from them', async () => {
    const groupId = `stable-${topic}`;
    const plain = kafka.producer();
    await plain.connect();
    producers.push(plain);
    await plain.send({ topic, messages: Array.from({ length: 30 }, (_, i) => ({ value: `record ${i}`, partition: 0 })) });
    await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '10' }] });

    const producer = await transactionalProducer();
    const transaction = await producer.transaction();
    await transaction.send({ topic, messages: [{ value: 'output', partition: 1 }] });
    await transaction.sendOffsets({ consumerGroupId: groupId, topics: [{ topic, partitions: [{ partition: 0, offset: '20' }] }] });

    // The offsets are sent and not committed: a plain read gives the one before, a stable read refuses.
    expect(await committedOffset(groupId)).toBe('10');
    await expect(committedOffset(groupId, true)).rejects.toMatchObject({ type: 'UNSTABLE_OFFSET_COMMIT' });

    const firstOffsets: string[] = [];
    const consumer = kafka.consumer({ groupId, requireStableOffsets: true, maxWaitTimeInMs: 100, retry: { initialRetryTime: 50, retries: 30 } });
    consumers.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topic });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        if (partition === 0) firstOffsets.push(message.offset);
      },
    });
    await new Promise((r) => setTimeout(r, 2_000));
    expect(firstOffsets).toEqual([]);

    await transaction.commit();
    await eventually(async () => (firstOffsets.length > 0 ? true : undefined), 30_000, 'the consumer to read partition 0');
    expect(firstOffsets[0]).toBe('20');
    expect(await committedOffset(groupId, true)).toBe('20');
  });
});
