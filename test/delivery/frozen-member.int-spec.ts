import { ServerResponse } from 'node:http';
import { eventually, stableGroupAssignments, testEnv } from '../support/stack';
import { DeliveryGroupStack } from '../support/delivery-group';
import { TestReceiver } from '../support/test-receiver';

const ENDPOINTS = 4;
const EVENTS = 10; // 40 deliveries
const SESSION_MS = 6_000;

/**
 * A delivery instance the group coordinator forgot while its calls were out (frozen with SIGSTOP past
 * its session, as a long GC pause or a stalled VM would; a broker outage does the same on a cluster):
 * it comes back as a new member and is given its partitions again. It keeps what it has in hand of
 * them: the calls still out are not made a second time, and their outcomes commit when they come.
 */
describe('a delivery instance back in its group as a new member', () => {
  const env = testEnv({ LOG_LEVEL: 'error', KAFKA_TOPIC_PARTITIONS: '4', DELIVERY_TIMEOUT_MS: '60000', DELIVERY_SESSION_TIMEOUT_MS: String(SESSION_MS) });
  // Holds every answer until released: the calls stay out through the freeze and the rejoin.
  const held: ServerResponse[] = [];
  let released = false;
  const receiver = new TestReceiver((_n, _req, res) => void (released ? res.writeHead(200).end('ok') : held.push(res)));
  const group = new DeliveryGroupStack(env, 1);

  beforeAll(async () => {
    await receiver.start();
    await group.start();
  }, 240_000);

  afterAll(async () => {
    const pid = group.instances[0]?.pid;
    if (pid) process.kill(pid, 'SIGCONT');
    await group.stop('SIGKILL');
    await receiver.stop();
  });

  it('should make none of its calls out again, and commit them once answered', async () => {
    const org = await group.organizationWithEndpoints('Frozen', Array.from({ length: ENDPOINTS }, (_, i) => `${receiver.url}/${i}`));
    const groupId = env.DELIVERY_GROUP_ID as string;
    const [before] = await stableGroupAssignments(groupId, 1);
    const expected = new Set((await group.publishOrders(org, 'evt_frozen', EVENTS)).keys());
    const ids = () => receiver.requests.map((r) => String(r.headers['webhook-id']));
    // A call out on every endpoint (the rest queue behind each lane's limit).
    await eventually(async () => (new Set(receiver.requests.map((r) => r.path)).size === ENDPOINTS ? true : undefined), 60_000, 'a call out to every endpoint');

    const pid = group.instances[0].pid!;
    process.kill(pid, 'SIGSTOP');
    await new Promise((r) => setTimeout(r, 2 * SESSION_MS));
    process.kill(pid, 'SIGCONT');
    const [after] = await eventually(async () => {
      const members = await stableGroupAssignments(groupId, 1);
      return members[0].memberId !== before.memberId ? members : undefined;
    }, 60_000, 'the instance back in its group as a new member');
    expect(after.assigned.sort()).toEqual(before.assigned.sort());

    // Had the rejoin dropped the calls out, their messages would be fetched again from the committed offsets,
    // queued behind the calls still holding their lanes, and called again once these are answered.
    released = true;
    for (const res of held.splice(0)) res.writeHead(200).end('ok');
    await eventually(async () => (new Set(ids()).size === expected.size ? true : undefined), 60_000, 'every delivery');
    // Their outcomes durable and committed: nothing is fetched again and called.
    await new Promise((r) => setTimeout(r, 3_000));
    expect(new Set(ids())).toEqual(expected);
    expect(ids().length).toBe(expected.size);
  }, 180_000);
});
