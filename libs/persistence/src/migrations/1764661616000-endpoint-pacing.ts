import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * SPEC §10 `rateLimitPerSecond` and `ordering` on endpoints, and the durable queue of strict
 * endpoints (decision record "rate limits and strict ordering"): a strict endpoint's deliveries are
 * parked here, in the order the delivery service read them (`seq`), before their offsets are
 * committed, and drained one at a time by the instance holding the endpoint's lease.
 *
 * Both columns have a constant default (or none): added without rewriting `endpoints`.
 */
export class EndpointPacing1764661616000 implements MigrationInterface {
  name = 'EndpointPacing1764661616000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE endpoints ADD COLUMN IF NOT EXISTS rate_limit_per_second integer');
    await q.query(`ALTER TABLE endpoints ADD COLUMN IF NOT EXISTS ordering text NOT NULL DEFAULT 'none'`);
    await q.query(`
      CREATE TABLE IF NOT EXISTS strict_queue (
        seq bigserial PRIMARY KEY,
        organization_id text NOT NULL,
        endpoint_id text NOT NULL,
        delivery_id text NOT NULL,
        -- The Kafka message it was parked from ("topic/partition/offset"): parking it again after a
        -- crash or a rebalance is a no-op.
        source text NOT NULL UNIQUE,
        -- The encoded delivery message of its next attempt.
        message text NOT NULL,
        due_at timestamptz NOT NULL DEFAULT now(),
        created_at timestamptz NOT NULL DEFAULT now(),
        -- Set when it left the queue (success, discard, dead letter). Kept a while so that a redo of the
        -- Kafka message after a crash (parked, drained, but its offset not yet committed) parks nothing.
        done_at timestamptz
      )`);
    await q.query('CREATE INDEX IF NOT EXISTS strict_queue_waiting_idx ON strict_queue (endpoint_id, seq) WHERE done_at IS NULL');
    await q.query('CREATE INDEX IF NOT EXISTS strict_queue_done_idx ON strict_queue (done_at) WHERE done_at IS NOT NULL');
    await q.query(`
      CREATE TABLE IF NOT EXISTS strict_leases (
        endpoint_id text PRIMARY KEY,
        holder text NOT NULL,
        expires_at timestamptz NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE IF EXISTS strict_leases');
    await q.query('DROP TABLE IF EXISTS strict_queue');
    await q.query('ALTER TABLE endpoints DROP COLUMN IF EXISTS ordering');
    await q.query('ALTER TABLE endpoints DROP COLUMN IF EXISTS rate_limit_per_second');
  }
}
