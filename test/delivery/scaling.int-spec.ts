import { api, eventually, PLATFORM_ADMIN_TOKEN, testEnv } from '../support/stack';
import { ServiceProcess } from '../support/service-process';
import { DeliveryGroupStack } from '../support/delivery-group';
import { TestReceiver } from '../support/test-receiver';
import { freePort } from '../fanout/fanout-kit';

const ENDPOINTS = 16; // enough keys that both instances' partitions get some
const PARTITIONS = 4;
// What an instance has fetched but not committed is bounded in bytes: the buffer bound, plus one
// fetch (256 KiB per partition) taken before fetching pauses. A delivery message here is over 400
// bytes, so that is how many messages a crash or a refused commit can redo per instance.
const BUFFER_BYTES = 1024 * 1024;
const WINDOW_MESSAGES = Math.ceil((BUFFER_BYTES + PARTITIONS * 256 * 1024) / 400);

/** Successful attempts an instance reports on its /metrics. */
const successes = (instance: ServiceProcess): Promise<number> => instance.metric('webhooks_delivery_attempts_total', 'outcome="success"');

describe('two delivery instances in one consumer group', () => {
  // Short session timeout so the group notices a killed member quickly.
  const env = testEnv({ DELIVERY_SESSION_TIMEOUT_MS: '8000', KAFKA_TOPIC_PARTITIONS: String(PARTITIONS), LOG_LEVEL: 'warn', DELIVERY_MAX_BUFFERED_BYTES: String(BUFFER_BYTES) });
  const receiver = new TestReceiver();
  const group = new DeliveryGroupStack(env);
  let organizationId = '';
  const endpointIds: string[] = [];

  beforeAll(async () => {
    await receiver.start();
    await group.start();
    const org = await api<{ id: string; apiKey: string }>(group.apiUrl, 'POST', '/v1/organizations', { token: PLATFORM_ADMIN_TOKEN, body: { name: 'Scale' } });
    organizationId = org.body.id;
    for (let i = 0; i < ENDPOINTS; i++) {
      const ep = await api<{ id: string }>(group.apiUrl, 'POST', '/v1/endpoints', { token: org.body.apiKey, body: { url: `${receiver.url}/${i}`, mode: 'live' } });
      endpointIds.push(ep.body.id);
    }
  });

  afterAll(async () => {
    await group.stop('SIGKILL');
    await receiver.stop();
  });

  async function publishBurst(prefix: string, count: number): Promise<Set<string>> {
    return new Set((await group.publishOrders({ id: organizationId, endpointIds }, prefix, count)).keys());
  }

  const receivedIds = () => new Set(receiver.requests.map((r) => String(r.headers['webhook-id'])));

  it('should share the deliveries between both instances', async () => {
    const expected = await publishBurst('evt_share', 100);
    await eventually(async () => ([...expected].every((id) => receivedIds().has(id)) ? true : undefined), 60_000, 'every delivery');
    // On a loaded machine an answer can arrive after the 1 s timeout: received, but counted as a success
    // only when its retry (1 s later) succeeds.
    const [a, b] = await eventually(async () => {
      const counts = await Promise.all(group.instances.map(successes));
      return counts[0] + counts[1] >= expected.size ? counts : undefined;
    }, 15_000, 'every success counted');
    expect(a).toBeGreaterThan(0);
    expect(b).toBeGreaterThan(0);
    expect(a + b).toBeGreaterThanOrEqual(expected.size);
  });

  it('should lose nothing when one instance is killed with SIGKILL during a burst', async () => {
    const before = receiver.requests.length;
    const expected = await publishBurst('evt_kill', 400); // 6,400 deliveries
    // Kill one instance once the burst is flowing.
    await eventually(async () => (receiver.requests.length - before > 500 ? true : undefined), 60_000, 'the burst to start arriving');
    await group.instances[0].stop('SIGKILL');

    const missing = await eventually(async () => {
      const got = receivedIds();
      const left = [...expected].filter((id) => !got.has(id));
      return left.length === 0 ? left : undefined;
    }, 90_000, 'every delivery of the burst despite the kill');
    expect(missing).toEqual([]);
    // At-least-once: the killed instance's uncommitted window is redone, and so may be the
    // survivor's when the rebalance refuses its commit.
    const duplicates = receiver.requests.length - before - expected.size;
    expect(duplicates).toBeLessThanOrEqual(2 * WINDOW_MESSAGES);
  });

  it('should hand its work back without loss when an instance is stopped with SIGTERM during a burst', async () => {
    // Replace the killed instance, then stop the other one gracefully mid-burst.
    group.instances[0] = await new ServiceProcess('delivery', await freePort(), { ...process.env, ...env, INSTANCE_ID: `${env.INSTANCE_ID}-d2` }).start();
    const before = receiver.requests.length;
    const expected = await publishBurst('evt_term', 400);
    await eventually(async () => (receiver.requests.length - before > 500 ? true : undefined), 60_000, 'the burst to start arriving');
    const stopping = Date.now();
    await group.instances[1].stop('SIGTERM');
    const stopSeconds = (Date.now() - stopping) / 1000;

    await eventually(async () => {
      const got = receivedIds();
      return [...expected].every((id) => got.has(id)) ? true : undefined;
    }, 90_000, 'every delivery of the burst after the graceful stop');
    // It finished its calls out, committed and left the group: a prompt exit.
    expect(stopSeconds).toBeLessThan(15);
    const duplicates = receiver.requests.length - before - expected.size;
    // The stopping instance commits up to its first message not called (queued, left to the next owner):
    // what it called past that is made again, at most its window. The survivor keeps its own partitions
    // and makes none of their calls again (test/delivery/scale-down).
    expect(duplicates).toBeLessThanOrEqual(WINDOW_MESSAGES);
  });
});
