import { randomUUID } from 'node:crypto';
import { Consumer } from 'kafkajs';
import { Client } from 'pg';
import { Topics } from '@app/contracts';
import { domainEvent } from '../history/history-support';
import { eventually, query, testEnv, testKafka } from '../support/stack';
import { createEndpoint, createOrg, Org } from '../subscriptions/admin-api';
import { CATALOG_TOPICS, FanoutWorld, publish, settle, startFanoutWorld } from './fanout-kit';

// A failure while fanning out must neither lose the batch (offsets committed anyway) nor quarantine
// it (it is not the message's fault): the transaction is not committed and the records are read again.
describe('fan-out when a dependency fails', () => {
  const env = testEnv();
  let world: FanoutWorld;
  let org: Org;
  let endpointId: string;

  beforeAll(async () => {
    world = await startFanoutWorld(env);
    org = await createOrg(world.apiUrl, 'Acme');
    endpointId = (await createEndpoint(world.apiUrl, org, { mode: 'live', eventTypes: ['*'] })).id;
  });

  afterAll(async () => {
    await query('ALTER TABLE IF EXISTS events_offline RENAME TO events').catch(() => undefined);
    await query('DROP TRIGGER IF EXISTS poison_event ON events').catch(() => undefined);
    await world?.stop();
  });

  it('should deliver the events published during a database failure exactly once after it ends, and quarantine none', async () => {
    const { producer, deliveries, quarantine } = world;
    const event = (n: number) => domainEvent(org.id, 'order.new', 'live', `evt_fail_${n}`, { n });
    await publish(producer, 'order.new', org.id, JSON.stringify(event(1)));
    await deliveries.waitForCount(1);

    // The statement the fan-out runs for every batch now fails, as with a database that is away.
    await query('ALTER TABLE events RENAME TO events_offline');
    await publish(producer, 'order.new', org.id, JSON.stringify(event(2)));
    await publish(producer, 'order.new', org.id, JSON.stringify(event(3)));
    await new Promise((r) => setTimeout(r, 2_000));
    await deliveries.sync();
    expect(deliveries.records).toHaveLength(1);

    await query('ALTER TABLE events_offline RENAME TO events');
    await deliveries.waitForCount(3, 60_000);
    await settle(deliveries, env.FANOUT_GROUP_ID as string, CATALOG_TOPICS);
    expect(deliveries.deliveries().map((d) => [d.event.id, d.endpointId])).toEqual([
      ['evt_fail_1', endpointId],
      ['evt_fail_2', endpointId],
      ['evt_fail_3', endpointId],
    ]);
    await quarantine.sync();
    expect(quarantine.records).toHaveLength(0);
  });

  it('should abort, replace its producer and commit once when Kafka refuses part of a transaction', async () => {
    const { producer, deliveries, quarantine } = world;
    const before = deliveries.records.length;
    const setQuarantineLimit = async (bytes: number) => {
      const admin = testKafka().admin();
      await admin.connect();
      await admin.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: Topics.quarantine, configEntries: [{ name: 'max.message.bytes', value: String(bytes) }] }] });
      await admin.disconnect();
    };
    // The quarantine copy is written after the deliveries of the same transaction, so they are aborted
    // with it. The limit still admits the broker's own transaction markers (~80 bytes): a marker the
    // broker cannot write leaves the transaction stuck for good (Kafka logs it as a fatal error).
    await setQuarantineLimit(200);
    const broken = `{"not": "an event" ${'x'.repeat(1_000)}`;
    const batch = [JSON.stringify(domainEvent(org.id, 'order.new', 'live', 'evt_fail_4')), broken, JSON.stringify(domainEvent(org.id, 'order.new', 'live', 'evt_fail_5'))];
    await producer.send({ topic: 'order.new', acks: -1, messages: batch.map((value) => ({ key: org.id, value })) });
    await new Promise((r) => setTimeout(r, 2_000));
    await deliveries.sync();
    expect(deliveries.records).toHaveLength(before);

    await setQuarantineLimit(1024 * 1024 + 12);
    await deliveries.waitForCount(before + 2, 60_000);
    await settle(deliveries, env.FANOUT_GROUP_ID as string, CATALOG_TOPICS);
    await quarantine.sync();
    expect(deliveries.deliveries().slice(before).map((d) => [d.event.id, d.endpointId])).toEqual([
      ['evt_fail_4', endpointId],
      ['evt_fail_5', endpointId],
    ]);
    expect(quarantine.records.map((r) => r.value?.toString())).toEqual([broken]);
  });

  // A fetch is worked in slices of 1,000 records, each slice's output sent into the one open
  // transaction: a slice that fails after earlier ones were sent must take them down with it.
  it('should show nothing of a round whose later slice failed, and deliver it exactly once after', async () => {
    const { producer, deliveries } = world;
    const before = deliveries.records.length;
    const count = 1_500;
    const poison = 'evt_slice_1200';
    await query(`CREATE OR REPLACE FUNCTION refuse_poison() RETURNS trigger AS $$
      BEGIN IF NEW.id = '${poison}' THEN RAISE EXCEPTION 'event log unavailable for this test'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`);
    await query('CREATE TRIGGER poison_event BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION refuse_poison()');
    // One send: one record batch, so one fetch holds the whole round (two slices).
    const ids = Array.from({ length: count }, (_, i) => `evt_slice_${i}`);
    await producer.send({ topic: 'order.new', acks: -1, messages: ids.map((id) => ({ key: org.id, value: JSON.stringify(domainEvent(org.id, 'order.new', 'live', id)) })) });
    await new Promise((r) => setTimeout(r, 3_000));
    await deliveries.sync();
    // The first slice's 1,000 delivery messages were produced, but in the transaction that was aborted.
    expect(deliveries.records).toHaveLength(before);

    await query('DROP TRIGGER poison_event ON events');
    await deliveries.waitForCount(before + count, 60_000);
    await settle(deliveries, env.FANOUT_GROUP_ID as string, CATALOG_TOPICS);
    const delivered = deliveries.deliveries().slice(before).map((d) => d.event.id);
    expect(delivered).toHaveLength(count);
    expect(new Set(delivered)).toEqual(new Set(ids));
  });

  // A small round knows the offsets it will commit before its events are logged, so the transaction's offsets
  // are sent beside the event-log insert (decision 0029); they still commit only with the round's deliveries.
  it("should have a round's offsets in its transaction while the event-log insert waits, and commit them only with its deliveries", async () => {
    const { producer, deliveries } = world;
    const groupId = env.FANOUT_GROUP_ID as string;
    const before = deliveries.records.length;
    // Transactional offset commits are records in __consumer_offsets, visible to a read-uncommitted reader before their commit.
    const offsetCommits = await OffsetCommitLog.fromNow();
    const blocker = new Client({ connectionString: env.DATABASE_URL });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      // Inserts wait for this lock until the blocker's transaction ends: a slow database.
      await blocker.query('LOCK TABLE events IN SHARE ROW EXCLUSIVE MODE');
      const at = await publish(producer, 'order.new', org.id, JSON.stringify(domainEvent(org.id, 'order.new', 'live', 'evt_slow_log')));
      const next = String(BigInt(at.offset) + 1n);
      const isTheRound = (c: ReturnType<typeof offsetCommit>) => c?.group === groupId && c.topic === 'order.new' && c.partition === at.partition && c.offset === next;
      const pending = await eventually(async () => offsetCommits.records.find((r) => isTheRound(offsetCommit(r))), 15_000, 'the round offset commit record').catch(() => undefined);
      expect(pending).toBeDefined();
      const inserting = await blocker.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%INSERT INTO events%'`);
      expect(inserting.rows[0].n).toBe(1);
      await deliveries.sync();
      expect(deliveries.records).toHaveLength(before);
      expect(await committedOffset(groupId, 'order.new', at.partition)).not.toBe(next);
    } finally {
      await blocker.query('ROLLBACK').catch(() => undefined);
      await blocker.end();
      await offsetCommits.stop();
    }
    await deliveries.waitForCount(before + 1, 30_000);
    await settle(deliveries, groupId, CATALOG_TOPICS);
    expect(deliveries.deliveries().slice(before).map((d) => [d.event.id, d.endpointId])).toEqual([['evt_slow_log', endpointId]]);
  });
});

/**
 * The records written to __consumer_offsets from now on, read uncommitted. Read from each partition's current end,
 * not from the beginning: after many test runs the topic holds enough to take a reader longer than a test waits.
 */
class OffsetCommitLog {
  readonly records: Array<{ keyBytes: Buffer | null; value: Buffer | null }> = [];

  private constructor(private readonly consumer: Consumer) {}

  static async fromNow(): Promise<OffsetCommitLog> {
    const admin = testKafka().admin();
    await admin.connect();
    const ends = await admin.fetchTopicOffsets('__consumer_offsets').finally(() => admin.disconnect());
    const consumer = testKafka().consumer({ groupId: `test-offset-log-${randomUUID()}`, readUncommitted: true, maxWaitTimeInMs: 100 });
    const log = new OffsetCommitLog(consumer);
    await consumer.connect();
    await consumer.subscribe({ topic: '__consumer_offsets', fromBeginning: true });
    let joined = false;
    consumer.on(consumer.events.GROUP_JOIN, () => void (joined = true));
    await consumer.run({ eachMessage: async ({ message }) => void log.records.push({ keyBytes: message.key, value: message.value }) });
    for (const { partition, high } of ends) consumer.seek({ topic: '__consumer_offsets', partition, offset: high });
    await eventually(async () => (joined ? true : undefined), 15_000, 'the offset log reader to join');
    return log;
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }
}

/** An offset commit record of __consumer_offsets (key version 0/1: group, topic, partition; the value starts with the offset). */
function offsetCommit(record: { keyBytes: Buffer | null; value: Buffer | null }): { group: string; topic: string; partition: number; offset: string } | null {
  const key = record.keyBytes;
  if (!key || !record.value || key.readInt16BE(0) > 1) return null;
  const groupLength = key.readInt16BE(2);
  const group = key.toString('utf8', 4, 4 + groupLength);
  const topicLength = key.readInt16BE(4 + groupLength);
  const topic = key.toString('utf8', 6 + groupLength, 6 + groupLength + topicLength);
  return { group, topic, partition: key.readInt32BE(6 + groupLength + topicLength), offset: record.value.readBigInt64BE(2).toString() };
}

async function committedOffset(groupId: string, topic: string, partition: number): Promise<string | undefined> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    const [{ partitions }] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return partitions.find((p) => p.partition === partition)?.offset;
  } finally {
    await admin.disconnect();
  }
}
