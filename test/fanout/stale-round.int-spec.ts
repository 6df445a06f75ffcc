import { INestApplication } from '@nestjs/common';
import { Producer } from 'kafkajs';
import { Topics } from '@app/contracts';
import { FanoutConfig, loadConfig } from '@app/config';
import { createLogger } from '@app/observability';
import { createFanoutApp } from '../../apps/fanout/src/fanout.app';
import { FanoutService } from '../../apps/fanout/src/fanout.service';
import { domainEvent } from '../history/history-support';
import { eventually, resetWorld, stableGroupAssignments, startStack, testEnv, testProducer } from '../support/stack';
import { createEndpoint, createOrg } from '../subscriptions/admin-api';
import { CATALOG_TOPICS, groupOffsetSum, settle, TopicReader } from './fanout-kit';

/** More than one slice of the fan-out's round (1,000 records), small enough for one fetch of one partition. */
const EVENTS = 1_200;
const SESSION_TIMEOUT_MS = 6_000;

// A fan-out round that has sent part of its output into its transaction, and is then held up (here: its second
// slice's event-log write waits) while the group moves on without it: its session times out and another instance
// takes the partition, reads it from the committed offset and fans it out. When the first instance goes on, its
// transaction's offsets carry the generation it was handed the records in, which the group refuses
// (TxnOffsetCommit v3, KIP-447): the transaction aborts and nothing is doubled. Transactional ids are the
// instances' own, so nothing else would stop it.
describe('a fan-out round held up while the group gives its partition to another instance', () => {
  // A transaction timeout longer than the test: the broker does not abort the held-up transaction for it.
  const env = testEnv({ FANOUT_SESSION_TIMEOUT_MS: String(SESSION_TIMEOUT_MS), FANOUT_TRANSACTION_TIMEOUT_MS: '120000' });
  const groupId = env.FANOUT_GROUP_ID as string;
  let stack: Awaited<ReturnType<typeof startStack>>;
  let producer: Producer;
  let deliveries: TopicReader;
  const instances: INestApplication[] = [];
  let release: () => void = () => undefined;

  async function startInstance(instanceId: string, beforeListen?: (app: INestApplication) => Promise<void>): Promise<INestApplication> {
    const app = await createFanoutApp(loadConfig(FanoutConfig, { ...env, INSTANCE_ID: instanceId }), createLogger('fanout', env.LOG_LEVEL));
    await beforeListen?.(app);
    instances.push(app);
    await app.listen(0, '127.0.0.1');
    return app;
  }

  beforeAll(async () => {
    await resetWorld();
    stack = await startStack(env, ['subscriptions']);
    producer = await testProducer();
  });

  afterAll(async () => {
    release();
    await Promise.all([deliveries?.stop(), producer?.disconnect()]);
    await Promise.all(instances.map((app) => app.close()));
    await stack?.stop();
  });

  it("should refuse the held-up round's offsets once the group has moved on, and fan out every event once", async () => {
    const org = await createOrg(stack.apiUrl, 'Acme');
    await createEndpoint(stack.apiUrl, org, { mode: 'live', eventTypes: ['order.new'] });
    const ids = Array.from({ length: EVENTS }, (_, i) => `evt_held_${i}`);

    const released = new Promise<void>((resolve) => (release = resolve));
    let heldUp = false;
    let slices = 0;
    await startInstance(`${env.INSTANCE_ID}-held`, async (app) => {
      // Made (with the domain topics) and not consuming yet. One send, one key: one record batch in one
      // partition, which the instance reads in one fetch.
      await producer.send({ topic: 'order.new', acks: -1, messages: ids.map((id) => ({ key: org.id, value: JSON.stringify(domainEvent(org.id, 'order.new', 'live', id)) })) });
      deliveries = await TopicReader.start(Topics.deliveries);
      const service = app.get(FanoutService);
      const process = service.process.bind(service);
      jest.spyOn(service, 'process').mockImplementation(async (records) => {
        // The second slice waits: the first one's delivery messages are in the open transaction by then.
        if (++slices === 2) {
          heldUp = true;
          await released;
        }
        return process(records);
      });
    });
    await eventually(async () => (heldUp ? true : undefined), 30_000, 'the first instance to reach its second slice');

    // The group gives the partition to a second instance once the first one's session has timed out; it reads
    // from the committed offset (none: the first transaction sent no offsets) and fans out every event. (Its
    // deliveries stay invisible to read-committed readers while the held-up transaction is open, so progress is
    // read from the group's committed offsets.)
    await startInstance(`${env.INSTANCE_ID}-next`);
    await eventually(async () => ((await groupOffsetSum(groupId)) >= EVENTS ? true : undefined), 60_000, 'the second instance to commit');

    // The first instance goes on: its slice is logged and sent, and its offsets, with the old generation, refused.
    release();
    await settle(deliveries, groupId, CATALOG_TOPICS);
    // It went on and rejoined the group (the refusal makes it rejoin, not crash).
    expect(await stableGroupAssignments(groupId, 2)).toHaveLength(2);
    const delivered = deliveries.deliveries().map((d) => d.event.id);
    expect(delivered).toHaveLength(EVENTS);
    expect(new Set(delivered)).toEqual(new Set(ids));
    expect(await groupOffsetSum(groupId)).toBeGreaterThanOrEqual(EVENTS);
  }, 180_000);
});
