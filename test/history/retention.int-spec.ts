import { query, resetWorld, startStack, testEnv } from '../support/stack';
import { createOrg, Org } from '../subscriptions/admin-api';
import { RetentionService } from '../../apps/subscriptions/src/retention/retention.service';

const DAY = 24 * 3600_000;
const ago = (days: number) => new Date(Date.now() - days * DAY).toISOString();

/** Rows straight into the history tables, each with the age the case needs. */
async function seed(org: string, prefix: string, count: number, eventAge: number, attemptAge: number, delivery: { created: number; updated: number }) {
  await query(
    `INSERT INTO events (organization_id, id, type, mode, data, occurred_at, received_at, source_topic, source_partition, source_offset)
     SELECT $1, $2 || g, 'order.new', 'live', '{}', $3, $3, 'order.new', 0, g FROM generate_series(1, $4) g`,
    [org, `${prefix}_evt_`, ago(eventAge), count],
  );
  await query(
    `INSERT INTO deliveries (id, organization_id, event_id, endpoint_id, status, attempt_count, created_at, updated_at)
     SELECT $2 || g, $1, $5 || g, 'ep_x', 'succeeded', 1, $3, $4 FROM generate_series(1, $6) g`,
    [org, `${prefix}_del_`, ago(delivery.created), ago(delivery.updated), `${prefix}_evt_`, count],
  );
  await query(
    `INSERT INTO attempts (delivery_id, organization_id, attempt_number, started_at, duration_ms, outcome, status_code)
     SELECT $2 || g, $1, 1, $3, 12, 'success', 200 FROM generate_series(1, $4) g`,
    [org, `${prefix}_del_`, ago(attemptAge), count],
  );
}

async function left(org: string): Promise<Record<string, string[]>> {
  const ids = async (sql: string) => (await query<{ id: string }>(sql, [org])).map((r) => r.id).sort();
  return {
    events: await ids('SELECT DISTINCT split_part(id, \'_evt_\', 1) AS id FROM events WHERE organization_id = $1'),
    deliveries: await ids('SELECT DISTINCT split_part(id, \'_del_\', 1) AS id FROM deliveries WHERE organization_id = $1'),
    attempts: await ids('SELECT DISTINCT split_part(delivery_id, \'_del_\', 1) AS id FROM attempts WHERE organization_id = $1'),
    replays: await ids('SELECT id FROM replay_jobs WHERE organization_id = $1'),
  };
}

// RETENTION_DAYS=30 (the default). The job is run directly rather than waiting for its timer.
describe('the retention job', () => {
  let stack: Awaited<ReturnType<typeof startStack>>;
  let org: Org;

  beforeAll(async () => {
    await resetWorld();
    stack = await startStack(testEnv(), ['subscriptions']);
    org = await createOrg(stack.apiUrl, 'A');
    // More old rows than one batch holds, so the job has to loop.
    await seed(org.id, 'old', 2_500, 40, 40, { created: 40, updated: 40 });
    await seed(org.id, 'fresh', 10, 1, 1, { created: 1, updated: 1 });
    // Created long ago but attempted again (a resend) yesterday: the delivery is still in use.
    await seed(org.id, 'resent', 3, 20, 1, { created: 40, updated: 1 });
    await query(
      `INSERT INTO replay_jobs (id, organization_id, endpoint_id, mode, event_types, range_from, range_to, status, total, created_at)
       VALUES ('job_old_done', $1, 'ep_x', 'live', '{*}', $2, $2, 'completed', 0, $2),
              ('job_old_running', $1, 'ep_x', 'live', '{*}', $2, $2, 'running', 0, $2),
              ('job_fresh_done', $1, 'ep_y', 'live', '{*}', $3, $3, 'completed', 0, $3)`,
      [org.id, ago(40), ago(1)],
    );
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('should delete in batches only the rows older than RETENTION_DAYS when it runs', async () => {
    const report = await stack.apps[0].get(RetentionService).runOnce(new Date(), 1000);

    expect(report).toEqual({ attempts: 2_500, deliveries: 2_500, events: 2_500, replay_jobs: 1 });
    expect(await left(org.id)).toEqual({
      events: ['fresh', 'resent'],
      deliveries: ['fresh', 'resent'],
      attempts: ['fresh', 'resent'],
      replays: ['job_fresh_done', 'job_old_running'],
    });
    const counts = await query<{ events: number; attempts: number }>(
      'SELECT (SELECT count(*)::int FROM events) AS events, (SELECT count(*)::int FROM attempts) AS attempts',
    );
    expect(counts[0]).toEqual({ events: 13, attempts: 13 });
  });

  it('should delete nothing when it runs again', async () => {
    const report = await stack.apps[0].get(RetentionService).runOnce();

    expect(report).toEqual({ attempts: 0, deliveries: 0, events: 0, replay_jobs: 0 });
  });
});
