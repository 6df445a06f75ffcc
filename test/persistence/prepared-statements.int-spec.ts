/*
 * The statements run on every fan-out round and every delivery batch are named prepared statements (decision 0036):
 * PostgreSQL plans them once per connection, not at each call. Real PostgreSQL, one pooled connection, so the
 * session's pg_prepared_statements is the one the repositories used.
 */
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { DeliveryRepository, EventRepository, IncomingEvent, RECORD_EVENTS_SQL, dataSourceOptions, runMigrations } from '@app/persistence';

describe('prepared statements of the per-round writes (real PostgreSQL)', () => {
  let db: DataSource;
  const org = `org_prep_${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    const options = dataSourceOptions(process.env.DATABASE_URL!, 'prepared-statements-test');
    db = new DataSource({ ...options, extra: { ...(options.extra as object), max: 1 } });
    await db.initialize();
    await runMigrations(db);
  });

  afterAll(async () => {
    await db.query('DELETE FROM attempts WHERE organization_id = $1', [org]);
    await db.query('DELETE FROM deliveries WHERE organization_id = $1', [org]);
    await db.query('DELETE FROM events WHERE organization_id = $1', [org]);
    await db.destroy();
  });

  const runs = async (name: string): Promise<number> => {
    const rows: Array<{ runs: number }> = await db.query('SELECT (generic_plans + custom_plans)::int AS runs FROM pg_prepared_statements WHERE name = $1', [name]);
    return rows[0]?.runs ?? 0;
  };

  const incoming = (id: string, offset: number, data: Record<string, unknown> = { n: offset }): IncomingEvent => ({
    event: { organizationId: org, id, type: 'order.new', mode: 'live', data, occurredAt: '2026-12-06T08:00:00.000Z' },
    topic: 'webhook.order.new',
    partition: 0,
    offset: String(offset),
  });

  it('records the event log through one statement prepared once on the connection, and keeps its answers', async () => {
    const events = new EventRepository(db);
    const first = await events.recordBatch([incoming('evt_a', 1), incoming('evt_b', 2)]);
    // The same id again from another record is a duplicate; from the same record (a re-read) it is fanned out again.
    const second = await events.recordBatch([incoming('evt_a', 3), incoming('evt_b', 2), incoming('evt_c', 4)]);

    expect(first.toFanOut.map((i) => i.event.id)).toEqual(['evt_a', 'evt_b']);
    expect(second.toFanOut.map((i) => i.event.id)).toEqual(['evt_b', 'evt_c']);
    expect(await runs('events.record-batch')).toBe(2);
  });

  it("looks a batch's ids up in the event log by primary key, not by scanning it", async () => {
    const batch = JSON.stringify([{ organization_id: org, id: 'evt_plan', type: 'order.new', mode: 'live', data: {}, occurred_at: '2026-12-06T08:00:00Z', source_topic: 't', source_partition: 0, source_offset: 1 }]);
    const plan: Array<{ 'QUERY PLAN': string }> = await db.query(`EXPLAIN ${RECORD_EVENTS_SQL}`, [batch, 1]);
    const text = plan.map((r) => r['QUERY PLAN']).join('\n');

    // Without the batch's size the planner assumed 100 rows and hashed a scan of a small events table.
    expect(text).toMatch(/Index Scan using events_pkey on events e/);
    expect(text).not.toMatch(/Seq Scan on events/);
  });

  it('still isolates an event PostgreSQL refuses (a data error from the prepared statement)', async () => {
    const events = new EventRepository(db);
    const result = await events.recordBatch([incoming('evt_ok', 10), incoming('evt_nul', 11, { text: 'a\u0000b' })]);

    expect(result.toFanOut.map((i) => i.event.id)).toEqual(['evt_ok']);
    expect(result.refused.map((r) => r.item.event.id)).toEqual(['evt_nul']);
    expect(result.refused[0].reason).toMatch(/unsupported Unicode escape sequence/);
  });

  it('records delivery attempts, states and endpoint health in one transaction through prepared statements', async () => {
    const deliveries = new DeliveryRepository(db);
    const record = (attemptNumber: number, status: 'failed' | 'succeeded') => ({
      deliveryId: `dlv_${org}`,
      organizationId: org,
      eventId: 'evt_a',
      endpointId: 'ep_prep',
      attemptNumber,
      attempt: { startedAt: new Date(), durationMs: 3, outcome: status === 'succeeded' ? 'success' : 'http_error', statusCode: status === 'succeeded' ? 200 : 500, error: null, responseExcerpt: null, retryAfterSeconds: null },
      status,
      statusReason: null,
      nextAttemptAt: null,
    });
    // Health kept for an endpoint this test does not own (no row to move): the statement still runs.
    const health = { updates: [{ organizationId: org, endpointId: 'ep_prep', lastSuccessAt: null, firstFailureAt: new Date(), gone: false, notify: true }], decide: () => null, beforeCommit: async () => {} };
    await deliveries.recordBatch([record(1, 'failed')], health);
    await deliveries.recordBatch([record(2, 'succeeded')], health);

    const [state]: Array<{ status: string; attempt_count: number }> = await db.query('SELECT status, attempt_count FROM deliveries WHERE id = $1', [`dlv_${org}`]);
    const attempts: Array<{ n: number }> = await db.query('SELECT count(*)::int AS n FROM attempts WHERE delivery_id = $1', [`dlv_${org}`]);
    expect(state).toEqual({ status: 'succeeded', attempt_count: 2 });
    expect(attempts[0].n).toBe(2);
    expect(await runs('attempts.record-batch')).toBe(2);
    expect(await runs('deliveries.record-batch')).toBe(2);
    expect(await runs('endpoints.keep-health')).toBe(2);
  });
});
