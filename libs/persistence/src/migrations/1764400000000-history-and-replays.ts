import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes for the history API and the retention job, and the replay job table.
 *
 * Runs outside a transaction so the indexes on the hot-path tables are built CONCURRENTLY: a plain
 * CREATE INDEX would block the fan-out's and the delivery's writes for as long as the build takes on a
 * large table. Every statement is idempotent, because without a transaction a failure can leave the
 * migration half done; a concurrent build that failed leaves an INVALID index, which is dropped and
 * built again.
 */
export class HistoryAndReplays1764400000000 implements MigrationInterface {
  name = 'HistoryAndReplays1764400000000';
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    // Listing events of one type, newest first (GET /v1/events?type=).
    await createIndex(q, 'events_type_listing_idx', 'events (organization_id, type, received_at DESC, id DESC)');
    // Deliveries of an endpoint, newest first, with a tie-break on id for keyset pages (rows recorded
    // in one batch share created_at); the status variant serves ?status=.
    await createIndex(q, 'deliveries_endpoint_listing_idx', 'deliveries (organization_id, endpoint_id, created_at DESC, id DESC)');
    await createIndex(q, 'deliveries_endpoint_status_idx', 'deliveries (organization_id, endpoint_id, status, created_at DESC, id DESC)');
    await q.query('DROP INDEX CONCURRENTLY IF EXISTS deliveries_endpoint_idx');
    // Retention finds old rows by time across organizations. BRIN: these columns grow with insertion
    // order, the index is a few pages and costs the insert path almost nothing (a btree would not).
    await createIndex(q, 'events_received_brin', 'events USING brin (received_at)');
    await createIndex(q, 'attempts_started_brin', 'attempts USING brin (started_at)');
    await createIndex(q, 'deliveries_created_brin', 'deliveries USING brin (created_at)');

    await q.query(`
      CREATE TABLE IF NOT EXISTS replay_jobs (
        id text PRIMARY KEY,
        organization_id text NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        endpoint_id text NOT NULL,
        mode text NOT NULL,
        event_types text[] NOT NULL,
        range_from timestamptz NOT NULL,
        range_to timestamptz NOT NULL,
        status text NOT NULL CHECK (status IN ('running', 'completed', 'failed')),
        total integer NOT NULL,
        published integer NOT NULL DEFAULT 0,
        cursor_received_at text,
        cursor_event_id text,
        error text,
        lease_owner text,
        lease_until timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz
      )`);
    await q.query('CREATE INDEX IF NOT EXISTS replay_jobs_organization_idx ON replay_jobs (organization_id, status)');
    // One running replay per endpoint, enforced by the database so two requests cannot both start one.
    await q.query(`CREATE UNIQUE INDEX IF NOT EXISTS replay_jobs_one_running_idx ON replay_jobs (endpoint_id) WHERE status = 'running'`);
    await q.query(`CREATE INDEX IF NOT EXISTS replay_jobs_lease_idx ON replay_jobs (lease_until) WHERE status = 'running'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE IF EXISTS replay_jobs');
    for (const name of ['events_type_listing_idx', 'deliveries_endpoint_listing_idx', 'deliveries_endpoint_status_idx', 'events_received_brin', 'attempts_started_brin', 'deliveries_created_brin']) {
      await q.query(`DROP INDEX CONCURRENTLY IF EXISTS ${name}`);
    }
    await q.query('CREATE INDEX CONCURRENTLY IF NOT EXISTS deliveries_endpoint_idx ON deliveries (organization_id, endpoint_id, created_at DESC)');
  }
}

async function createIndex(q: QueryRunner, name: string, definition: string): Promise<void> {
  const rows = (await q.query(
    `SELECT i.indisvalid AS valid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = $1`,
    [name],
  )) as Array<{ valid: boolean }>;
  if (rows.length > 0 && rows[0].valid) return;
  if (rows.length > 0) await q.query(`DROP INDEX CONCURRENTLY IF EXISTS ${name}`);
  await q.query(`CREATE INDEX CONCURRENTLY ${name} ON ${definition}`);
}
