import { Producer } from 'kafkajs';
import { deliveryIdFor, Topics } from '@app/contracts';
import { freePort, TopicReader } from '../fanout/fanout-kit';
import { domainEvent } from '../history/history-support';
import { HostileKind, HostileReceiver } from '../support/hostile-receivers';
import { ServiceProcess } from '../support/service-process';
import { eventually, query, resetWorld, startStack, testEnv, testProducer } from '../support/stack';
import { TestReceiver } from '../support/test-receiver';
import { createEndpoint, createOrg } from '../subscriptions/admin-api';

const TIMEOUT_MS = 1000;
// A 2-core machine shared with Kafka, PostgreSQL and other suites: the deadline may fire late, never early.
const TIMEOUT_SLACK_MS = 2500;
const EVENTS_PER_ORGANIZATION = 20;
const ATTEMPTS = 3; // RETRY_SCHEDULE_SECONDS below has two entries
const MAX_EXCERPT_CHARS = 1024;
const MAX_RSS_MB = 300;
/** How late a healthy endpoint's delivery may arrive, from publish to receipt, with hostile neighbours. */
const HEALTHY_DEADLINE_MS = 20_000;

/**
 * What each hostile receiver's attempts are recorded as, each seen at least once. Any attempt may also be a
 * timeout (a loaded machine may make even a quick refusal late). Calls the open circuit breaker skips are
 * deferrals, not attempts: a failing endpoint's deliveries use their attempts at the breaker's probe rate.
 */
const EXPECTED: Record<HostileKind, Array<[outcome: string, error: RegExp]>> = {
  flapping: [
    ['success', /^$/],
    ['http_error', /^HTTP 500$/],
    ['connection_error', /^(ECONNRESET|UND_ERR_SOCKET)$/],
  ],
  hanging: [['timeout', /^timeout after 1000 ms$/]],
  resetting: [['connection_error', /^(ECONNRESET|UND_ERR_SOCKET)$/]],
  trickling: [['timeout', /^timeout after 1000 ms$/]],
  'huge-body': [
    ['http_error', /^HTTP 500$/],
    ['timeout', /^timeout after 1000 ms$/],
  ],
  'huge-headers': [['connection_error', /^UND_ERR_HEADERS_OVERFLOW$/]],
  'binary-body': [['http_error', /^HTTP 500$/]],
};
const ALWAYS_POSSIBLE: Array<[outcome: string, error: RegExp]> = [['timeout', /^timeout after 1000 ms$/]];
const KINDS = Object.keys(EXPECTED) as HostileKind[];

type AttemptRow = { delivery_id: string; attempt_number: number; outcome: string; status_code: number | null; error: string | null; duration_ms: number; excerpt_chars: number | null };
type DeliveryRow = { id: string; endpoint_id: string; status: string; attempt_count: number };

// Issue 8: receivers that flap, hang, reset, trickle, flood with body or headers, or answer binary garbage,
// each beside a healthy endpoint of the same organization. The delivery service runs as the built
// process, so its memory is measured as in production.
describe('delivery to hostile receivers', () => {
  const env = testEnv({
    DELIVERY_TIMEOUT_MS: String(TIMEOUT_MS),
    RETRY_SCHEDULE_SECONDS: '0.5,0.5',
    DELIVERY_BREAKER_OPEN_MS: '200',
    LOG_LEVEL: 'warn',
  });
  let stack: Awaited<ReturnType<typeof startStack>>;
  let delivery: ServiceProcess;
  let producer: Producer;
  let deadLetters: TopicReader;
  const healthy = new TestReceiver();
  const hostile = new Map<HostileKind, HostileReceiver>(KINDS.map((kind) => [kind, new HostileReceiver(kind)]));

  beforeAll(async () => {
    await resetWorld();
    await Promise.all([healthy.start(), ...[...hostile.values()].map((r) => r.start())]);
    stack = await startStack(env, ['subscriptions', 'fanout']);
    delivery = await new ServiceProcess('delivery', await freePort(), { ...process.env, ...env }).start();
    producer = await testProducer();
    deadLetters = await TopicReader.start(Topics.deadLetters);
  });

  afterAll(async () => {
    await delivery?.stop();
    await Promise.all([producer?.disconnect(), deadLetters?.stop(), stack?.stop()]);
    await Promise.all([healthy.stop(), ...[...hostile.values()].map((r) => r.stop())]);
  });

  it('should deliver every healthy endpoint promptly, record every hostile attempt with its reason in time, and stay within bounded memory', async () => {
    // One organization per kind, each with a hostile and a healthy endpoint for the same events.
    const setups = await Promise.all(
      KINDS.map(async (kind) => {
        const org = await createOrg(stack.apiUrl, `Hostile ${kind}`);
        const bad = await createEndpoint(stack.apiUrl, org, { url: (hostile.get(kind) as HostileReceiver).url, mode: 'live', eventTypes: ['order.new'] });
        const good = await createEndpoint(stack.apiUrl, org, { url: `${healthy.url}/${kind}`, mode: 'live', eventTypes: ['order.new'] });
        return { kind, org, bad, good };
      }),
    );

    const publishedAt = new Map<string, number>(); // healthy delivery id -> publish time
    const hostileIds = new Map<string, HostileKind>();
    for (let i = 0; i < EVENTS_PER_ORGANIZATION; i++) {
      const messages = setups.map(({ kind, org, bad, good }) => {
        const id = `evt_${kind}_${i}`;
        publishedAt.set(deliveryIdFor(org.id, id, good.id), Date.now());
        hostileIds.set(deliveryIdFor(org.id, id, bad.id), kind);
        return { key: org.id, value: JSON.stringify(domainEvent(org.id, 'order.new', 'live', id, { i })) };
      });
      await producer.send({ topic: 'order.new', messages });
    }

    // Healthy endpoints: everything, promptly, whatever their neighbours do.
    const healthyIds = [...publishedAt.keys()];
    await eventually(async () => (healthyIds.every((id) => healthy.requests.some((r) => r.headers['webhook-id'] === id)) ? true : undefined), 60_000, 'every healthy delivery');
    const lateness = healthyIds.map((id) => (healthy.requests.find((r) => r.headers['webhook-id'] === id)?.receivedAt ?? Infinity) - (publishedAt.get(id) as number));
    const slowestHealthyMs = Math.max(...lateness);

    // Hostile endpoints: nothing lost. Each delivery ends succeeded or failed (dead letter), with every attempt recorded.
    const ids = [...hostileIds.keys()];
    const deliveries = await eventually(
      async () => {
        const rows = await query<DeliveryRow>('SELECT id, endpoint_id, status, attempt_count FROM deliveries WHERE id = ANY($1)', [ids]);
        return rows.length === ids.length && rows.every((r) => r.status === 'succeeded' || r.status === 'failed') ? rows : undefined;
      },
      150_000,
      'every hostile delivery to reach a final state',
    );
    const attempts = await query<AttemptRow>(
      `SELECT delivery_id, attempt_number, outcome, status_code, error, duration_ms, length(response_excerpt) AS excerpt_chars
         FROM attempts WHERE delivery_id = ANY($1) ORDER BY delivery_id, attempt_number`,
      [ids],
    );
    const failedIds = deliveries.filter((d) => d.status === 'failed').map((d) => d.id);
    await eventually(async () => (failedIds.every((id) => deadLetters.records.some((r) => r.value?.toString().includes(id))) ? true : undefined), 30_000, 'a dead letter for every failed delivery');

    const summary = KINDS.map((kind) => {
      const mine = attempts.filter((a) => hostileIds.get(a.delivery_id) === kind);
      const outcomes: Record<string, number> = {};
      for (const a of mine) outcomes[a.outcome] = (outcomes[a.outcome] ?? 0) + 1;
      return { kind, calls: hostile.get(kind)?.requests, attempts: mine.length, outcomes };
    });
    process.stdout.write(
      `[hostile-receivers] delivery peak RSS ${delivery.peakRssMb.toFixed(0)} MB; slowest healthy delivery ${slowestHealthyMs} ms\n` +
        summary.map((s) => `  ${s.kind}: ${s.calls} calls received, ${s.attempts} attempts ${JSON.stringify(s.outcomes)}`).join('\n') +
        '\n',
    );

    expect(slowestHealthyMs).toBeLessThan(HEALTHY_DEADLINE_MS);
    expect(delivery.peakRssMb).toBeGreaterThan(0);
    expect(delivery.peakRssMb).toBeLessThan(MAX_RSS_MB);

    for (const d of deliveries) {
      const mine = attempts.filter((a) => a.delivery_id === d.id);
      // Numbered 1..n without a gap, n = the delivery's count; a failed one used every attempt.
      expect({ id: d.id, numbers: mine.map((a) => a.attempt_number) }).toEqual({ id: d.id, numbers: Array.from({ length: d.attempt_count }, (_, i) => i + 1) });
      if (d.status === 'failed') expect(d.attempt_count).toBe(ATTEMPTS);
    }
    for (const a of attempts) {
      const kind = hostileIds.get(a.delivery_id) as HostileKind;
      const match = [...EXPECTED[kind], ...ALWAYS_POSSIBLE].find(([outcome, error]) => outcome === a.outcome && error.test(a.error ?? ''));
      expect({ kind, outcome: a.outcome, error: a.error, matched: match !== undefined }).toEqual({ kind, outcome: a.outcome, error: a.error, matched: true });
      if (a.outcome === 'timeout') {
        expect(a.duration_ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
        expect(a.duration_ms).toBeLessThan(TIMEOUT_MS + TIMEOUT_SLACK_MS);
      }
      expect(a.excerpt_chars ?? 0).toBeLessThanOrEqual(MAX_EXCERPT_CHARS);
    }
    // Every kind was really called, and each of its characteristic outcomes was met.
    for (const s of summary) {
      const seen = EXPECTED[s.kind].map(([outcome]) => [outcome, (s.outcomes[outcome] ?? 0) > 0]);
      expect({ kind: s.kind, called: (s.calls ?? 0) > 0, seen }).toEqual({ kind: s.kind, called: true, seen: EXPECTED[s.kind].map(([outcome]) => [outcome, true]) });
    }
    expect(attempts.filter((a) => hostileIds.get(a.delivery_id) === 'binary-body' && a.outcome === 'http_error').every((a) => (a.excerpt_chars ?? 0) > 0)).toBe(true);
  });
});
