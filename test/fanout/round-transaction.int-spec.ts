import { INestApplication } from '@nestjs/common';
import { Producer } from 'kafkajs';
import { Topics } from '@app/contracts';
import { FanoutConfig, loadConfig } from '@app/config';
import { createLogger } from '@app/observability';
import { createFanoutApp } from '../../apps/fanout/src/fanout.app';
import { domainEvent } from '../history/history-support';
import { eventually, resetWorld, startStack, testEnv, testKafka, testProducer } from '../support/stack';
import { createEndpoint, createOrg } from '../subscriptions/admin-api';
import { groupOffsetSum } from './fanout-kit';

/** Events on each of four order.new partitions, all waiting before the fan-out reads: its first fetch has them all. */
const PARTITIONS = 4;
const EVENTS_PER_PARTITION = 25;

/** Offsets of the deliveries topic, summed over its partitions: records plus transaction markers. */
async function deliveriesEnd(): Promise<number> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(Topics.deliveries)).reduce((sum, p) => sum + Number(p.high), 0);
  } finally {
    await admin.disconnect();
  }
}

// One fan-out round is one Kafka transaction, however many input partitions it read (decision 0031): a round over
// four partitions of events for one endpoint writes its delivery messages to that endpoint's one deliveries
// partition and ends with one commit marker there. (One transaction per input partition wrote four.)
describe('a fan-out round over several input partitions', () => {
  const env = testEnv();
  const groupId = env.FANOUT_GROUP_ID as string;
  let stack: Awaited<ReturnType<typeof startStack>>;
  let producer: Producer;
  let fanout: INestApplication | null = null;

  beforeAll(async () => {
    await resetWorld();
    stack = await startStack(env, ['subscriptions']);
    producer = await testProducer();
  });

  afterAll(async () => {
    await fanout?.close();
    await producer?.disconnect();
    await stack?.stop();
  });

  it('should commit every partition it read in one transaction', async () => {
    const org = await createOrg(stack.apiUrl, 'Acme');
    await createEndpoint(stack.apiUrl, org, { mode: 'live', eventTypes: ['order.new'] });
    fanout = await createFanoutApp(loadConfig(FanoutConfig, env), createLogger('fanout', env.LOG_LEVEL));
    // Made (with the domain topics) and not consuming yet.
    const before = await deliveriesEnd();
    const messages = Array.from({ length: PARTITIONS * EVENTS_PER_PARTITION }, (_, i) => ({
      partition: i % PARTITIONS,
      key: org.id,
      value: JSON.stringify(domainEvent(org.id, 'order.new', 'live', `evt_round_${i}`)),
    }));
    await producer.send({ topic: 'order.new', acks: -1, messages });
    await fanout.listen(0, '127.0.0.1');

    await eventually(async () => ((await groupOffsetSum(groupId)) >= messages.length ? true : undefined), 60_000, 'the fan-out to commit every event');
    // The group's offsets commit with the transaction, so its records and marker are in the log by now.
    expect((await deliveriesEnd()) - before).toBe(messages.length + 1);
  }, 120_000);
});
