import { Topics } from '@app/contracts';
import { eventually, query, stableGroupAssignments, testEnv } from '../support/stack';
import { DeliveryGroupStack } from '../support/delivery-group';
import { TestReceiver } from '../support/test-receiver';

const ENDPOINTS = 16;
const PARTITIONS = 4;
const EVENTS = 60; // 960 deliveries
// One endpoint per partition answers slowly: its queued messages hold the partition's commit point while the
// others' lanes run ahead, so an instance always has settled deliveries above its commit point.
const FAST_MS = 50;
const SLOW_MS = 500;

/**
 * Scaling the delivery group down: the instance that stays keeps its partitions through the
 * rebalance, so its calls out are committed, not made again. The one that leaves finishes its calls
 * and commits, naming in the commit what it settled above the commit point; the one that stays takes
 * those as settled and calls only what the other had queued. Nothing is made twice.
 */
describe('a delivery instance leaving the group', () => {
  // Answers never time out here, so a delivery made twice is one fetched and called again, never a retry.
  const env = testEnv({ KAFKA_TOPIC_PARTITIONS: String(PARTITIONS), LOG_LEVEL: 'warn', DELIVERY_TIMEOUT_MS: '10000', DELIVERY_MAX_IN_FLIGHT_PER_ENDPOINT: '2' });
  const slowPaths = new Set<string>();
  const receiver = new TestReceiver((_n, req, res) => void setTimeout(() => res.writeHead(200).end('ok'), slowPaths.has(req.path) ? SLOW_MS : FAST_MS));
  const group = new DeliveryGroupStack(env);

  beforeAll(async () => {
    await receiver.start();
    await group.start();
  }, 240_000);

  afterAll(async () => {
    await group.stop('SIGKILL');
    await receiver.stop();
  });

  it("should make no call twice, the staying instance's or the leaving one's, and lose nothing", async () => {
    const urls = Array.from({ length: ENDPOINTS }, (_, i) => `${receiver.url}/${i}`);
    const org = await group.organizationWithEndpoints('Scale down', urls);
    const partitionOf = new Map((await query<{ id: string; delivery_partition: number }>('SELECT id, delivery_partition FROM endpoints WHERE organization_id = $1', [org.id])).map((r) => [r.id, r.delivery_partition]));
    const slowOn = new Set<number>();
    org.endpointIds.forEach((id, i) => {
      const partition = partitionOf.get(id)!;
      if (slowOn.has(partition)) return;
      slowOn.add(partition);
      slowPaths.add(new URL(urls[i]).pathname);
    });
    expect(slowOn.size).toBe(PARTITIONS);

    // Both instances in, and the rebalances of their joins over before the burst.
    const groupId = env.DELIVERY_GROUP_ID as string;
    const deliveriesPartitions = (assigned: string[]) => assigned.filter((tp) => tp.startsWith(`${Topics.deliveries}/`)).map((tp) => Number(tp.slice(Topics.deliveries.length + 1)));
    const members = await stableGroupAssignments(groupId, 2);
    const leaving = group.instances[1];
    const kept = deliveriesPartitions(members.find((m) => m.clientId === `delivery-${env.INSTANCE_ID}-d0`)!.assigned);
    expect(kept.length).toBe(PARTITIONS / 2);

    const expected = await group.publishOrders(org, 'evt_down', EVENTS);
    await eventually(async () => (receiver.requests.length > 200 ? true : undefined), 60_000, 'the burst to be under way');

    await leaving.stop('SIGTERM');
    const [staying] = await stableGroupAssignments(groupId, 1);
    expect(deliveriesPartitions(staying.assigned).sort()).toEqual([0, 1, 2, 3]);

    const callsById = () => {
      const calls = new Map<string, number>();
      for (const r of receiver.requests) calls.set(String(r.headers['webhook-id']), (calls.get(String(r.headers['webhook-id'])) ?? 0) + 1);
      return calls;
    };
    const calls = await eventually(async () => {
      const now = callsById();
      return [...expected.keys()].every((id) => now.has(id)) ? now : undefined;
    }, 120_000, 'every delivery of the burst');

    const twice = [...calls].filter(([, n]) => n > 1).map(([id, n]) => ({ id, calls: n, partition: partitionOf.get(expected.get(id) ?? '') }));
    // Kept partitions: their calls out when the group rebalanced were committed by their owner, not made again.
    expect(twice.filter((d) => kept.includes(d.partition ?? -1))).toEqual([]);
    // The leaving instance's partitions: its last commit named what it had settled above its commit point (its
    // calls made past a message still queued), and the staying instance took those as settled (decision 0025).
    expect(twice).toEqual([]);
  }, 240_000);
});
