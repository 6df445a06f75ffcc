import { INestApplication } from '@nestjs/common';
import { Producer } from 'kafkajs';
import { Topics } from '@app/contracts';
import { FanoutConfig, loadConfig } from '@app/config';
import { createLogger } from '@app/observability';
import { createFanoutApp } from '../../apps/fanout/src/fanout.app';
import { domainEvent } from '../history/history-support';
import { resetWorld, stableGroupAssignments, startStack, testEnv, testProducer } from '../support/stack';
import { createEndpoint, createOrg, Org } from '../subscriptions/admin-api';
import { CATALOG_TOPICS, DOMAIN_TOPICS, metricValue, settle, TopicReader } from './fanout-kit';

/** Partitions of every domain topic in the test environment. */
const PARTITIONS = 4;

// Several fan-out instances share the domain partitions through one consumer group, each with its
// own transactional id; together, and after one leaves, they still write one message per (event, endpoint).
describe('fan-out instances in one consumer group', () => {
  const env = testEnv();
  const groupId = env.FANOUT_GROUP_ID as string;
  let stack: Awaited<ReturnType<typeof startStack>>;
  let instances: Array<{ app: INestApplication; url: string }> = [];
  let producer: Producer;
  let deliveries: TopicReader;
  const orgs: Org[] = [];
  const endpointOf = new Map<string, string>();
  let round = 0;

  async function startInstance(instanceId: string): Promise<{ app: INestApplication; url: string }> {
    const config = loadConfig(FanoutConfig, { ...env, INSTANCE_ID: instanceId });
    const app = await createFanoutApp(config, createLogger('fanout', env.LOG_LEVEL));
    await app.listen(0, '127.0.0.1');
    return { app, url: (await app.getUrl()).replace('[::1]', '127.0.0.1') };
  }

  /** Topic-partitions per member, once the group is stable with `members` members. */
  const assignments = async (members: number): Promise<string[][]> => (await stableGroupAssignments(groupId, members)).map((m) => m.assigned);

  /** One event per organization on every domain topic of the catalog; returns the expected (event, endpoint) pairs. */
  async function publishRound(): Promise<string[]> {
    round++;
    const expected: string[] = [];
    for (const topic of DOMAIN_TOPICS) {
      const messages = orgs.map((org) => {
        const event = domainEvent(org.id, topic, 'live', `evt_g${round}_${topic}_${org.id}`);
        expected.push(`${event.id} ${endpointOf.get(org.id)}`);
        return { key: org.id, value: JSON.stringify(event) };
      });
      await producer.send({ topic, acks: -1, messages });
    }
    return expected;
  }

  beforeAll(async () => {
    await resetWorld();
    stack = await startStack(env, ['subscriptions']);
    producer = await testProducer();
    for (let i = 0; i < 8; i++) {
      const org = await createOrg(stack.apiUrl, `Org ${i}`);
      orgs.push(org);
      endpointOf.set(org.id, (await createEndpoint(stack.apiUrl, org, { mode: 'live', eventTypes: ['*'] })).id);
    }
    instances = [await startInstance(`${env.INSTANCE_ID}-a`), await startInstance(`${env.INSTANCE_ID}-b`)];
    deliveries = await TopicReader.start(Topics.deliveries);
  });

  afterAll(async () => {
    await Promise.all([deliveries?.stop(), producer?.disconnect()]);
    await Promise.all(instances.map((i) => i.app.close()));
    await stack?.stop();
  });

  it('should split the domain partitions between two instances, and fan out every event once', async () => {
    const [a, b] = await assignments(2);
    expect(a.length).toBeGreaterThan(0);
    expect(b.length).toBeGreaterThan(0);
    expect(a.filter((tp) => b.includes(tp))).toEqual([]);
    expect([...a, ...b].sort()).toEqual(CATALOG_TOPICS.flatMap((t) => Array.from({ length: PARTITIONS }, (_, p) => `${t}/${p}`)).sort());
    // Partition p of every domain topic holds the same organizations (keyed alike, same partition count): both
    // instances take a share of each partition number, not one instance all of it (decision 0022).
    for (let p = 0; p < PARTITIONS; p++) {
      const held = [a, b].map((member) => member.filter((tp) => tp.endsWith(`/${p}`)).length);
      expect(Math.min(...held)).toBeGreaterThan(0);
    }

    const expected = await publishRound();
    await deliveries.waitForCount(expected.length);
    await settle(deliveries, groupId, CATALOG_TOPICS);
    expect(deliveries.deliveries().map((d) => `${d.event.id} ${d.endpointId}`).sort()).toEqual(expected.sort());

    const processed = await Promise.all(instances.map((i) => metricValue(i.url, 'webhooks_fanout_events_total')));
    expect(processed.every((n) => n > 0)).toBe(true);
    expect(processed[0] + processed[1]).toBe(expected.length);
  });

  it('should hand every partition to the remaining instance when one leaves, without losing or doubling events', async () => {
    const leaving = instances.pop();
    await leaving?.app.close();
    const [only] = await assignments(1);
    expect(only).toHaveLength(CATALOG_TOPICS.length * PARTITIONS);

    const before = deliveries.records.length;
    const expected = await publishRound();
    await deliveries.waitForCount(before + expected.length);
    await settle(deliveries, groupId, CATALOG_TOPICS);
    expect(deliveries.deliveries().slice(before).map((d) => `${d.event.id} ${d.endpointId}`).sort()).toEqual(expected.sort());
  });
});
