import { randomUUID } from 'node:crypto';
import { Admin, Consumer, RequestEvent } from 'kafkajs';
import pino from 'pino';
import { eventually, testKafka } from '../support/stack';
import { OpenTransaction, TransactionalProducer } from '../../apps/fanout/src/transactional-producer';

type Request = RequestEvent['payload'];

// The fan-out's transactional producer on the real broker: a transaction's two independent request chains
// (AddPartitionsToTxn -> Produce for the messages, AddOffsetsToTxn -> TxnOffsetCommit for the offsets) are in
// flight together, and a part that fails in the background still fails its transaction, leaving nothing visible.
describe('the fan-out transactional producer', () => {
  const topic = `txn-producer-${randomUUID()}`;
  /** Four partitions: a round's messages to several endpoints' partitions (on several brokers, several leaders). */
  const wideTopic = `txn-producer-wide-${randomUUID()}`;
  const sourceTopic = `txn-producer-source-${randomUUID()}`;
  const groupId = `txn-producer-group-${randomUUID()}`;
  const requests: Request[] = [];
  let admin: Admin;
  let producer: TransactionalProducer;

  beforeAll(async () => {
    admin = testKafka().admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }, { topic: sourceTopic, numPartitions: 1 }, { topic: wideTopic, numPartitions: 4 }], waitForLeaders: true });
    producer = new TransactionalProducer(testKafka(), `txn-producer-${randomUUID()}`, pino({ level: 'silent' }), 30_000, (request) => requests.push(request));
    await producer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await admin?.deleteTopics({ topics: [topic, sourceTopic, wideTopic] }).catch(() => undefined);
    await admin?.disconnect();
  });

  const offsets = (offset: string) => ({ consumerGroupId: groupId, topics: [{ topic: sourceTopic, partitions: [{ partition: 0, offset }] }] });
  const message = (value: string) => ({ key: 'k', value, partition: 0 });

  /**
   * The group's committed offset once it shows `expected`. The coordinator answers EndTxn before it has written the
   * commit markers, so a transaction's offsets can be read back only a few ms after its commit resolved.
   */
  async function committedOffsetReaching(expected: string): Promise<string> {
    return (await eventually(async () => ((await committedOffset()) === expected ? expected : undefined), 5_000, `committed offset ${expected}`).catch(() => committedOffset()));
  }

  async function committedOffset(): Promise<string> {
    const [{ partitions }] = await admin.fetchOffsets({ groupId, topics: [sourceTopic] });
    return partitions[0].offset;
  }

  async function readCommitted(expected: number): Promise<string[]> {
    const consumer: Consumer = testKafka().consumer({ groupId: `reader-${randomUUID()}`, readUncommitted: false });
    const values: string[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message: m }) => void values.push(String(m.value)) });
    try {
      await eventually(async () => (values.length >= expected ? true : undefined), 20_000, `${expected} committed messages`);
      // Anything aborted would sit below the last committed message; a moment more shows nothing else arrives.
      await new Promise((r) => setTimeout(r, 500));
      return values;
    } finally {
      await consumer.disconnect();
    }
  }

  it('should have the offsets requested while the messages are still on their way: three round trips in series, not five', async () => {
    // The first transaction of a producer may look up its coordinators; the second is the steady state.
    for (const n of [1, 2]) {
      // Past the previous commit's markers, so no request is refused (CONCURRENT_TRANSACTIONS) and asked again.
      await new Promise((r) => setTimeout(r, 300));
      requests.length = 0;
      const transaction: OpenTransaction = await producer.begin();
      await transaction.send([{ topic, messages: [message(`overlap-${n}`)] }]);
      await transaction.commit(offsets(String(n)));
    }
    const byApi = (apiName: string) => {
      const found = requests.filter((r) => r.apiName === apiName);
      expect(found.map((r) => r.apiName)).toEqual([apiName]);
      return found[0];
    };
    const addPartitions = byApi('AddPartitionsToTxn');
    const produce = byApi('Produce');
    const addOffsets = byApi('AddOffsetsToTxn');
    const txnOffsetCommit = byApi('TxnOffsetCommit');
    const endTxn = byApi('EndTxn');
    // One broker: every request of the transaction went over one connection, whose correlation ids count up in
    // the order the requests were made. kafkajs makes the Produce only once AddPartitionsToTxn has been answered,
    // so an AddOffsetsToTxn made before the Produce was in flight beside AddPartitionsToTxn. Serially (one chain
    // after the other) it came after the Produce had been answered.
    expect(new Set([addPartitions, produce, addOffsets, txnOffsetCommit, endTxn].map((r) => r.broker)).size).toBe(1);
    expect(addOffsets.correlationId).toBeLessThan(produce.correlationId);
    expect(txnOffsetCommit.correlationId).toBeLessThan(endTxn.correlationId);
    expect(produce.correlationId).toBeLessThan(endTxn.correlationId);
    expect(await committedOffsetReaching('2')).toBe('2');
    expect(await readCommitted(2)).toEqual(['overlap-1', 'overlap-2']);
  });

  it('should fail the transaction when a part fails in the background, leaving nothing of it visible and the producer usable', async () => {
    const transaction = await producer.begin();
    await transaction.send([{ topic, messages: [message('sent-before-the-failure')] }]);
    // Above the broker's max.message.bytes (1 MiB): refused with MESSAGE_TOO_LARGE, which kafkajs does not retry.
    const tooLarge = { key: 'k', value: Buffer.alloc(1_200_000, 'x'), partition: 0 };
    const attempt = (async () => {
      await transaction.send([{ topic, messages: [tooLarge] }]);
      await transaction.send([{ topic, messages: [message('sent-after-the-failure')] }]);
      await transaction.commit(offsets('3'));
    })();
    await expect(attempt).rejects.toThrow(/too large|MESSAGE_TOO_LARGE|larger than/i);
    expect(await committedOffset()).toBe('2');

    const next = await producer.begin();
    await next.send([{ topic, messages: [message('after-the-abort')] }]);
    await next.commit(offsets('4'));
    expect(await committedOffsetReaching('4')).toBe('4');
    expect(await readCommitted(3)).toEqual(['overlap-1', 'overlap-2', 'after-the-abort']);
  });

  it('should register every partition of a part at once and write each leader one request: one AddPartitionsToTxn, one Produce per leader', async () => {
    const [{ partitions }] = (await admin.fetchTopicMetadata({ topics: [wideTopic] })).topics;
    const leaders = new Set(partitions.map((p) => p.leader)).size;
    await new Promise((r) => setTimeout(r, 300));
    requests.length = 0;
    const transaction = await producer.begin();
    const wide = [0, 1, 2, 3].map((partition) => ({ key: 'k', value: `wide-${partition}`, partition }));
    await transaction.send([{ topic: wideTopic, messages: wide }]);
    await transaction.commit(offsets('5'));
    const count = (apiName: string) => requests.filter((r) => r.apiName === apiName).length;
    // Each of these is a request the broker serves, and each Produce also has the leader verify the partitions with
    // the coordinator (an AddPartitionsToTxn of its own): a request per partition was three per partition in all.
    // On several brokers the leaders' Produce requests go in parallel, after the one registration (kafkajs alone
    // had each register its own at once, and the coordinator refused all but one: a second AddPartitionsToTxn).
    expect({ addPartitions: count('AddPartitionsToTxn'), produce: count('Produce') }).toEqual({ addPartitions: 1, produce: leaders });
    expect(await committedOffsetReaching('5')).toBe('5');
  });
});
