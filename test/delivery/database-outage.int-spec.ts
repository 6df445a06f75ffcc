import { Producer } from 'kafkajs';
import { api, eventually, PLATFORM_ADMIN_TOKEN, query, resetWorld, startStack, testEnv, testProducer } from '../support/stack';
import { TcpProxy } from '../support/tcp-proxy';
import { TestReceiver } from '../support/test-receiver';

const OK_EVENTS = 10;
const FAIL_ONCE_EVENTS = 10;
/** How long the outage is held after the first call during it: a redone call would show up by then. */
const HOLD_MS = 5_000;
/**
 * The delivery's endpoint list expires well inside the outage: the last list read must still be
 * served (stale-if-error), or every lookup fails and the calls stop or are redone once it is back.
 */
const ENDPOINT_CACHE_TTL_MS = 1_000;

/** [webhook-id, requests] for every delivery the receiver saw, and the requests it may take (2 for one that fails once). */
function requestsPerId(receiver: TestReceiver): Array<[string, number, number]> {
  const perId = new Map<string, [string, number, number]>();
  for (const r of receiver.requests) {
    const id = String(r.headers['webhook-id']);
    const allowed = (JSON.parse(r.body) as { data: { failOnce?: boolean } }).data.failOnce === true ? 2 : 1;
    const seen = perId.get(id) ?? [id, 0, allowed];
    seen[1]++;
    perId.set(id, seen);
  }
  return [...perId.values()];
}

// Only the delivery service reaches PostgreSQL through the proxy: the admin API and the fan-out
// keep their database, so events are logged and fanned out while the delivery cannot record anything.
describe('delivery while its database is unreachable', () => {
  // The failing first attempts must not open the breaker: every retry is to make a real call.
  const env = testEnv({ DELIVERY_BREAKER_FAILURES: '1000', DELIVERY_ENDPOINT_CACHE_TTL_MS: String(ENDPOINT_CACHE_TTL_MS) });
  let proxy: TcpProxy;
  let stack: Awaited<ReturnType<typeof startStack>>;
  let delivery: Awaited<ReturnType<typeof startStack>>;
  let producer: Producer;
  /** The first request of each webhook-id of a `failOnce` event answers 500, every other 200. */
  const seen = new Set<string>();
  const receiver = new TestReceiver((_n, req, res) => {
    const id = String(req.headers['webhook-id']);
    const failOnce = (JSON.parse(req.body) as { data: { failOnce?: boolean } }).data.failOnce === true;
    const first = !seen.has(id);
    seen.add(id);
    res.writeHead(failOnce && first ? 500 : 200).end();
  });

  beforeAll(async () => {
    await resetWorld();
    await receiver.start();
    const db = new URL(env.DATABASE_URL as string);
    proxy = await new TcpProxy(db.hostname, Number(db.port)).start();
    stack = await startStack(env, ['subscriptions', 'fanout']);
    delivery = await startStack({ ...env, DATABASE_URL: proxy.rewrite(env.DATABASE_URL as string) }, ['delivery']);
    producer = await testProducer();
  });

  afterAll(async () => {
    proxy?.restore();
    await producer?.disconnect();
    await delivery?.stop();
    await stack?.stop();
    await proxy?.stop();
    await receiver.stop();
  });

  it('should keep the outcomes and write them once the database is back, calling no receiver twice', async () => {
    const org = await api<{ id: string; apiKey: string }>(stack.apiUrl, 'POST', '/v1/organizations', { token: PLATFORM_ADMIN_TOKEN, body: { name: 'Delivery outage' } });
    const ep = await api<{ id: string }>(stack.apiUrl, 'POST', '/v1/endpoints', { token: org.body.apiKey, body: { url: receiver.url, mode: 'live', eventTypes: ['order.new'] } });
    expect(ep.status).toBe(201);
    const publish = (id: string, data: Record<string, unknown>) =>
      producer.send({
        topic: 'order.new',
        messages: [{ key: org.body.id, value: JSON.stringify({ id, type: 'order.new', organizationId: org.body.id, mode: 'live', occurredAt: new Date().toISOString(), data }) }],
      });

    // One delivery before the outage, so the delivery service knows the endpoint (its directory is a cache).
    await publish('evt_outage_warm', {});
    await receiver.waitFor(1, 20_000);
    await eventually(async () => ((await query(`SELECT 1 FROM deliveries WHERE organization_id = $1 AND status = 'succeeded'`, [org.body.id])).length === 1 ? true : undefined), 15_000, 'warm-up recorded');

    proxy.cut();
    await new Promise((r) => setTimeout(r, 2 * ENDPOINT_CACHE_TTL_MS));
    for (let i = 0; i < OK_EVENTS; i++) await publish(`evt_outage_ok_${i}`, {});
    for (let i = 0; i < FAIL_ONCE_EVENTS; i++) await publish(`evt_outage_retry_${i}`, { failOnce: true });
    // Every delivery is attempted (the endpoint list expired, the last one read is served); the
    // outcomes cannot be recorded, so they are kept and their writes tried again, the calls not made again.
    await receiver.waitFor(1 + OK_EVENTS + FAIL_ONCE_EVENTS, 20_000);
    await new Promise((r) => setTimeout(r, HOLD_MS));
    expect(requestsPerId(receiver).filter(([, n, allowed]) => n > allowed)).toEqual([]);
    expect(await query(`SELECT count(*)::int AS n FROM deliveries WHERE organization_id = $1`, [org.body.id])).toEqual([{ n: 1 }]);

    proxy.restore();
    const states = await eventually(async () => {
      const rows = await query<{ event_id: string; status: string; attempt_count: number; attempts: number }>(
        `SELECT d.event_id, d.status, d.attempt_count, (SELECT count(*)::int FROM attempts a WHERE a.delivery_id = d.id) AS attempts
           FROM deliveries d WHERE d.organization_id = $1 ORDER BY d.event_id`,
        [org.body.id],
      );
      return rows.length === 1 + OK_EVENTS + FAIL_ONCE_EVENTS && rows.every((r) => r.status === 'succeeded') ? rows : undefined;
    }, 30_000, 'every outcome recorded after the outage');

    for (const s of states) {
      const attempts = s.event_id.startsWith('evt_outage_retry_') ? 2 : 1;
      expect({ event: s.event_id, attemptCount: s.attempt_count, attempts: s.attempts }).toEqual({ event: s.event_id, attemptCount: attempts, attempts });
    }
    // Each call was made once: the ones made during the outage were not made again after it.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(requestsPerId(receiver).map(([, n]) => n).sort()).toEqual([...Array(1 + OK_EVENTS).fill(1), ...Array(FAIL_ONCE_EVENTS).fill(2)].sort());
  });
});
