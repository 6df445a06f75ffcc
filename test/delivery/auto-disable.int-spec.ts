import { Producer } from 'kafkajs';
import { api, eventually, query, resetWorld, startStack, testEnv, testProducer } from '../support/stack';
import { TestReceiver } from '../support/test-receiver';
import { newEndpoint, newOrg, publish, sleep, verified } from './endpoint-health-support';

// Auto-disable (SPEC §9) with ENDPOINT_DISABLE_AFTER_SECONDS shrunk to 3 s and a 1 s schedule long
// enough to fail for longer than that.
describe('auto-disable of a failing endpoint', () => {
  const env = testEnv({ RETRY_SCHEDULE_SECONDS: '1,1,1,1,1,1,1,1', ENDPOINT_DISABLE_AFTER_SECONDS: '3' });
  let stack: Awaited<ReturnType<typeof startStack>>;
  let producer: Producer;

  beforeAll(async () => {
    await resetWorld();
    stack = await startStack(env);
    producer = await testProducer();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await stack?.stop();
  });

  it('should disable an endpoint failing for ENDPOINT_DISABLE_AFTER_SECONDS, tell the operational endpoint, and never disable one for silence or for a failure it recovered from', async () => {
    const failing = await new TestReceiver((_n, _req, res) => void res.writeHead(500).end()).start();
    // Fails twice, then succeeds: its failures never last 3 s.
    const recovering = await new TestReceiver((n, _req, res) => void res.writeHead(n < 2 ? 500 : 200).end()).start();
    const silent = await new TestReceiver().start();
    const operations = await new TestReceiver().start();
    try {
      const org = await newOrg(stack.apiUrl, 'failing');
      const failingEp = await newEndpoint(stack.apiUrl, org, failing.url, ['order.new']);
      const recoveringEp = await newEndpoint(stack.apiUrl, org, recovering.url, ['order.new']);
      const silentEp = await newEndpoint(stack.apiUrl, org, silent.url, ['customer.created']);
      const ops = await newEndpoint(stack.apiUrl, org, operations.url, ['webhook.endpoint.disabled']);

      await publish(producer, org, 'evt_fail_1');
      const disabled = await eventually(async () => {
        const res = await api<{ status: string; disabledReason: string | null }>(stack.apiUrl, 'GET', `/v1/endpoints/${failingEp.id}`, { token: org.apiKey });
        return res.body.status === 'disabled' ? res.body : undefined;
      }, 20_000, 'the failing endpoint to be disabled');
      expect(disabled.disabledReason).toBe('failing');
      const first = failing.requests[0].receivedAt;
      const last = failing.requests[failing.requests.length - 1].receivedAt;
      // Disabled by the first failure at least 3 s after the first one, not before.
      expect(last - first).toBeGreaterThanOrEqual(3_000);
      expect(failing.requests.length).toBeLessThan(8);

      const [notice] = await operations.waitFor(1, 15_000);
      expect(verified(notice, ops.secret)).toMatchObject({
        type: 'webhook.endpoint.disabled',
        organizationId: org.id,
        data: { endpointId: failingEp.id, url: failing.url, reason: 'failing' },
      });

      // Nothing more goes to it; the endpoint that recovered and the one that received nothing stay enabled.
      const sent = failing.requests.length;
      await sleep(2_500);
      expect(failing.requests.length).toBe(sent);
      const states = await query<{ id: string; status: string; failing_since: Date | null }>(
        'SELECT id, status, failing_since FROM endpoints WHERE id = ANY($1) ORDER BY id',
        [[recoveringEp.id, silentEp.id]],
      );
      expect(states.map((s) => [s.id, s.status, s.failing_since])).toEqual(
        [[recoveringEp.id, 'enabled', null], [silentEp.id, 'enabled', null]].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
      );
      expect(recovering.requests).toHaveLength(3);
      expect(silent.requests).toHaveLength(0);

      // Enabling it again clears the reason and the failure history: one more failure does not disable it at once.
      const enabled = await api<{ status: string; disabledReason: string | null }>(stack.apiUrl, 'PATCH', `/v1/endpoints/${failingEp.id}`, { token: org.apiKey, body: { status: 'enabled' } });
      expect(enabled.body).toMatchObject({ status: 'enabled', disabledReason: null });
      const [row] = await query<{ failing_since: Date | null; disabled_reason: string | null }>('SELECT failing_since, disabled_reason FROM endpoints WHERE id = $1', [failingEp.id]);
      expect(row).toEqual({ failing_since: null, disabled_reason: null });
    } finally {
      await Promise.all([failing, recovering, silent, operations].map((r) => r.stop()));
    }
  });
});
