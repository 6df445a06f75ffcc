import { deliveryIdFor, newId } from '@app/contracts';
import { api, eventually, query, resetWorld, startStack, testEnv } from '../support/stack';
import { TestReceiver } from '../support/test-receiver';
import { createEndpoint, createOrg, EndpointBody, ErrorBody, Org } from '../subscriptions/admin-api';
import { AttemptBody, DeliveryBody, ReplayBody } from './history-support';

// N matching events (REPLAY_TEST_EVENTS, 300 by default; the 10,000-event figures in the README come
// from a run with REPLAY_TEST_EVENTS=10000). The replay cap is set to exactly N, so widening the
// range by one more matching event is refused.
const N = Number(process.env.REPLAY_TEST_EVENTS ?? 300);
const RANGE_START = Date.now() - 3 * 3600_000;
const at = (secondsAfterStart: number) => new Date(RANGE_START + secondsAfterStart * 1000);
const FROM = at(0);
const TO = at(N);

interface Row {
  org: string;
  id: string;
  type: string;
  mode: 'live' | 'test';
  receivedAt: Date;
}

/** Writes events straight into the log: replays read the log, and only there can a test set their receive time. */
async function insertEvents(rows: Row[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 2000) {
    const chunk = rows.slice(i, i + 2000);
    await query(
      `INSERT INTO events (organization_id, id, type, mode, data, occurred_at, received_at, source_topic, source_partition, source_offset)
       SELECT o, id, t, m, jsonb_build_object('seq', id), r, r, t, 0, 0 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[]) AS u(o, id, t, m, r)`,
      [chunk.map((r) => r.org), chunk.map((r) => r.id), chunk.map((r) => r.type), chunk.map((r) => r.mode), chunk.map((r) => r.receivedAt.toISOString())],
    );
  }
}

/**
 * Requests per event id, checking that an event received more than once was only ever retried (a recorded
 * attempt per call since `since`: at-least-once, e.g. a call that timed out on a loaded machine), never
 * published twice by the replay.
 */
async function requestsPerEventOnlyRetried(endpointId: string, bodies: string[], since: Date): Promise<Map<string, number>> {
  const perEvent = new Map<string, number>();
  for (const body of bodies) {
    const id = (JSON.parse(body) as { id: string }).id;
    perEvent.set(id, (perEvent.get(id) ?? 0) + 1);
  }
  const repeated = [...perEvent].filter(([, n]) => n > 1);
  const calls = await query<{ event_id: string; calls: number }>(
    `SELECT d.event_id, count(*)::int AS calls FROM deliveries d JOIN attempts t ON t.delivery_id = d.id
      WHERE d.endpoint_id = $1 AND d.event_id = ANY($2) AND t.started_at >= $3 GROUP BY d.event_id`,
    [endpointId, repeated.map(([id]) => id), since.toISOString()],
  );
  const callsOf = new Map(calls.map((r) => [r.event_id, r.calls]));
  expect(repeated.filter(([id, n]) => (callsOf.get(id) ?? 0) < n)).toEqual([]);
  return perEvent;
}

describe('a replay of a time range to one endpoint', () => {
  let stack: Awaited<ReturnType<typeof startStack>>;
  const receiver = new TestReceiver();
  let a: Org;
  let b: Org;
  let endpoint: EndpointBody;
  const matching: string[] = [];
  const previouslyFailed = 'evt_replay_0';

  beforeAll(async () => {
    await resetWorld();
    await receiver.start();
    stack = await startStack(testEnv({ REPLAY_MAX_EVENTS: String(N) }), ['subscriptions', 'delivery']);
    [a, b] = [await createOrg(stack.apiUrl, 'A'), await createOrg(stack.apiUrl, 'B')];
    endpoint = await createEndpoint(stack.apiUrl, a, { url: receiver.url, mode: 'test', eventTypes: ['order.new', 'order.updated'] });
    await createEndpoint(stack.apiUrl, b, { url: receiver.url, mode: 'test', eventTypes: ['order.new'] });

    const rows: Row[] = [];
    for (let i = 0; i < N; i++) {
      const id = `evt_replay_${i}`;
      matching.push(id);
      // Spread over the range, the first exactly at `from` (included).
      rows.push({ org: a.id, id, type: i % 2 ? 'order.updated' : 'order.new', mode: 'test', receivedAt: at(i) });
    }
    for (let i = 0; i < 20; i++) {
      rows.push({ org: a.id, id: `evt_live_${i}`, type: 'order.new', mode: 'live', receivedAt: at(i) }); // other mode
      rows.push({ org: a.id, id: `evt_customer_${i}`, type: 'customer.created', mode: 'test', receivedAt: at(i) }); // type not wanted
      rows.push({ org: b.id, id: `evt_b_${i}`, type: 'order.new', mode: 'test', receivedAt: at(i) }); // other organization
    }
    rows.push({ org: a.id, id: 'evt_before', type: 'order.new', mode: 'test', receivedAt: at(-1) });
    rows.push({ org: a.id, id: 'evt_at_to', type: 'order.new', mode: 'test', receivedAt: TO }); // `to` is excluded
    await insertEvents(rows);
    // One event had a delivery that failed after 3 attempts: its replay is attempt 4 of the same delivery.
    await query(
      `INSERT INTO deliveries (id, organization_id, event_id, endpoint_id, status, attempt_count, status_reason) VALUES ($1, $2, $3, $4, 'failed', 3, 'gave up')`,
      [deliveryIdFor(a.id, previouslyFailed, endpoint.id), a.id, previouslyFailed, endpoint.id],
    );
  });

  afterAll(async () => {
    await stack?.stop();
    await receiver.stop();
  });

  it('should deliver each matching event once, with its delivery id as webhook-id, and report progress until completed', async () => {
    const t0 = Date.now();
    const startedAt = new Date();
    const started = await api<ReplayBody>(stack.apiUrl, 'POST', `/v1/endpoints/${endpoint.id}/replay`, {
      token: a.apiKey,
      body: { from: FROM.toISOString(), to: TO.toISOString() },
    });

    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ id: expect.stringMatching(/^job_/), endpointId: endpoint.id, status: 'running', total: N });

    const progress: Array<{ published: number; status: string; ms: number }> = [];
    const done = await eventually(async () => {
      const job = await api<ReplayBody>(stack.apiUrl, 'GET', `/v1/replays/${started.body.id}`, { token: a.apiKey });
      progress.push({ published: job.body.published, status: job.body.status, ms: Date.now() - t0 });
      return job.body.status === 'running' ? undefined : job.body;
    }, 60_000 + N * 10, 'the replay to finish');
    const publishedMs = Date.now() - t0;
    await receiver.waitFor(N, 60_000 + N * 20);
    const deliveredMs = Date.now() - t0;
    await new Promise((r) => setTimeout(r, 1000)); // anything extra would arrive now

    expect(done).toMatchObject({ status: 'completed', published: N, total: N, error: null });
    const seen = progress.map((p) => p.published);
    expect([...seen].sort((x, y) => x - y)).toEqual(seen);
    const perEvent = await requestsPerEventOnlyRetried(endpoint.id, receiver.requests.map((r) => r.body), startedAt);
    expect(perEvent.size).toBe(N);
    const bodies = receiver.requests.map((r) => JSON.parse(r.body) as { id: string; organizationId: string });
    expect(new Set(bodies.map((e) => e.id))).toEqual(new Set(matching));
    for (const [i, request] of receiver.requests.entries()) {
      expect(request.headers['webhook-id']).toBe(deliveryIdFor(a.id, bodies[i].id, endpoint.id));
    }
    if (N >= 1000) {
      process.stdout.write(
        `replay of ${N} events: published in ${publishedMs} ms, all delivered in ${deliveredMs} ms; progress seen ${JSON.stringify(progress.filter((_, i) => i % 5 === 0))}\n`,
      );
    }
  });

  it('should record the replay as the next attempt of a delivery that had failed', async () => {
    const id = deliveryIdFor(a.id, previouslyFailed, endpoint.id);

    const delivery = await eventually(async () => {
      const d = await api<DeliveryBody & { attempts: AttemptBody[] }>(stack.apiUrl, 'GET', `/v1/deliveries/${id}`, { token: a.apiKey });
      return d.body.status === 'succeeded' ? d.body : undefined;
    }, 15_000, 'the replayed delivery to succeed');

    expect(delivery.attemptCount).toBe(4);
    expect(delivery.attempts.map((t) => [t.attemptNumber, t.outcome])).toEqual([[4, 'success']]);
  });

  it('should list every replayed delivery on the endpoint', async () => {
    const rows = await query<{ n: number }>(`SELECT count(*)::int AS n FROM deliveries WHERE endpoint_id = $1 AND status = 'succeeded'`, [endpoint.id]);

    expect(rows[0].n).toBe(N);
  });

  it('should be taken over from its cursor by a running instance when the instance running it died', async () => {
    const half = Math.floor(N / 2);
    const cursor = at(half - 1).toISOString().replace('Z', '000Z');
    const job = newId('job');
    const receivedBefore = receiver.requests.length;
    const takeoverFrom = new Date();
    // As a dead instance leaves it: running, half published, its lease run out.
    await query(
      `INSERT INTO replay_jobs (id, organization_id, endpoint_id, mode, event_types, range_from, range_to, status, total, published,
                                cursor_received_at, cursor_event_id, lease_owner, lease_until)
       VALUES ($1, $2, $3, 'test', '{order.new,order.updated}', $4, $5, 'running', $6, $7, $8, $9, 'dead-instance', now() - interval '1 second')`,
      [job, a.id, endpoint.id, FROM.toISOString(), TO.toISOString(), N, half, cursor, `evt_replay_${half - 1}`],
    );

    const done = await eventually(async () => {
      const res = await api<ReplayBody>(stack.apiUrl, 'GET', `/v1/replays/${job}`, { token: a.apiKey });
      return res.body.status === 'running' ? undefined : res.body;
    }, 30_000, 'the abandoned replay to be taken over and finished');
    await receiver.waitFor(receivedBefore + (N - half));
    await new Promise((r) => setTimeout(r, 500));

    expect(done).toMatchObject({ status: 'completed', published: N });
    const resent = receiver.requests.slice(receivedBefore).map((r) => (JSON.parse(r.body) as { id: string }).id);
    expect(new Set(resent)).toEqual(new Set(matching.slice(half)));
    // Published once from the cursor: an event received twice was only retried, never published again.
    const perEvent = await requestsPerEventOnlyRetried(endpoint.id, receiver.requests.slice(receivedBefore).map((r) => r.body), takeoverFrom);
    expect(perEvent.size).toBe(N - half);
  });

  it('should refuse a second replay to an endpoint with 409 while one is running on any instance', async () => {
    // A running job with a live lease, as another instance holds it: deterministic, where a second request
    // racing a real replay of a few hundred events could arrive after it finished (seen on a loaded machine).
    const job = newId('job');
    await query(
      `INSERT INTO replay_jobs (id, organization_id, endpoint_id, mode, event_types, range_from, range_to, status, total, published,
                                lease_owner, lease_until)
       VALUES ($1, $2, $3, 'test', '{order.new,order.updated}', $4, $5, 'running', $6, 0, 'other-instance', now() + interval '1 hour')`,
      [job, a.id, endpoint.id, FROM.toISOString(), TO.toISOString(), N],
    );
    try {
      const second = await api<ErrorBody>(stack.apiUrl, 'POST', `/v1/endpoints/${endpoint.id}/replay`, {
        token: a.apiKey,
        body: { from: FROM.toISOString(), to: TO.toISOString() },
      });

      expect(second.status).toBe(409);
      expect(second.body.message[0]).toMatch(/already has a replay running/);
      const running = await query<{ id: string }>(`SELECT id FROM replay_jobs WHERE endpoint_id = $1 AND status = 'running'`, [endpoint.id]);
      expect(running).toEqual([{ id: job }]);
    } finally {
      await query(`UPDATE replay_jobs SET status = 'failed', error = 'test over' WHERE id = $1`, [job]);
    }
  });

  it('should refuse with 400 and start nothing when the range holds more events than one replay may re-deliver', async () => {
    const res = await api<ErrorBody>(stack.apiUrl, 'POST', `/v1/endpoints/${endpoint.id}/replay`, {
      token: a.apiKey,
      body: { from: at(-1).toISOString(), to: TO.toISOString() },
    });

    expect(res.status).toBe(400);
    expect(res.body.message[0]).toMatch(new RegExp(`more than ${N} events`));
    const jobs = await query<{ n: number }>(`SELECT count(*)::int AS n FROM replay_jobs WHERE organization_id = $1 AND status = 'running'`, [a.id]);
    expect(jobs[0].n).toBe(0);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['from is not a date', { from: 'last week', to: TO.toISOString() }, 'from'],
    ['to is missing', { from: FROM.toISOString() }, 'to'],
    ['to is before from', { from: TO.toISOString(), to: FROM.toISOString() }, 'to'],
    ['from is in the future', { from: new Date(Date.now() + 3600_000).toISOString(), to: new Date(Date.now() + 7200_000).toISOString() }, 'from'],
    ['an unknown field is sent', { from: FROM.toISOString(), to: TO.toISOString(), eventTypes: ['order.new'] }, 'eventTypes'],
  ])('should answer 400 naming the field when %s', async (_name, body, field) => {
    const res = await api<ErrorBody>(stack.apiUrl, 'POST', `/v1/endpoints/${endpoint.id}/replay`, { token: a.apiKey, body });

    expect(res.status).toBe(400);
    expect(res.body.message.join(' ')).toContain(field);
  });

  it("should answer 404 exactly as for a missing one when another organization replays to or reads A's endpoint and job", async () => {
    const job = (await query<{ id: string }>('SELECT id FROM replay_jobs WHERE organization_id = $1 LIMIT 1', [a.id]))[0].id;
    const body = { from: FROM.toISOString(), to: TO.toISOString() };

    const foreignReplay = await api<ErrorBody>(stack.apiUrl, 'POST', `/v1/endpoints/${endpoint.id}/replay`, { token: b.apiKey, body });
    const foreignJob = await api<ErrorBody>(stack.apiUrl, 'GET', `/v1/replays/${job}`, { token: b.apiKey });
    const missingJob = await api<ErrorBody>(stack.apiUrl, 'GET', '/v1/replays/job_01jd0000000000000000000000', { token: b.apiKey });

    expect(foreignReplay.status).toBe(404);
    expect(foreignJob.status).toBe(404);
    expect(missingJob.status).toBe(404);
    expect(foreignJob.body.message[0].replace(job, '<id>')).toBe(missingJob.body.message[0].replace('job_01jd0000000000000000000000', '<id>'));
  });

  it('should refuse with 409 when the endpoint is disabled', async () => {
    const disabled = await createEndpoint(stack.apiUrl, a, { url: receiver.url, mode: 'test' });
    await api(stack.apiUrl, 'PATCH', `/v1/endpoints/${disabled.id}`, { token: a.apiKey, body: { status: 'disabled' } });

    const res = await api<ErrorBody>(stack.apiUrl, 'POST', `/v1/endpoints/${disabled.id}/replay`, {
      token: a.apiKey,
      body: { from: FROM.toISOString(), to: TO.toISOString() },
    });

    expect(res.status).toBe(409);
  });
});
