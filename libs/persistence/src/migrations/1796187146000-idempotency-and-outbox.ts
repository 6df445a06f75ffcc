import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Idempotency keys of the admin API (SPEC §13) and the outbox of endpoint changes
 * (docs/decisions/00XX-idempotency-keys-and-change-outbox.md).
 *
 * `idempotency_keys`: one row per (scope, key), inserted before the request runs, so of two concurrent
 * requests with one key the primary key lets exactly one in. `scope` is `org:<id>` or `platform`.
 * `endpoint_change_outbox`: written in the transaction that changes an endpoint; the subscriptions
 * service relays each row to the change topic and deletes it, so a change committed while Kafka is
 * away still reaches the caches once it is back. Both are new tables: nothing else is locked.
 */
export class IdempotencyAndOutbox1796187146000 implements MigrationInterface {
  name = 'IdempotencyAndOutbox1796187146000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE IF NOT EXISTS idempotency_keys (
        scope text NOT NULL,
        key text NOT NULL,
        request_hash text NOT NULL,
        state text NOT NULL CHECK (state IN ('processing', 'completed')),
        response_status integer,
        response_body text,
        response_etag text,
        created_at timestamptz NOT NULL DEFAULT now(),
        locked_until timestamptz NOT NULL,
        PRIMARY KEY (scope, key)
      )`);
    await q.query('CREATE INDEX IF NOT EXISTS idempotency_keys_created_at_idx ON idempotency_keys (created_at)');
    await q.query(`
      CREATE TABLE IF NOT EXISTS endpoint_change_outbox (
        id bigserial PRIMARY KEY,
        organization_id text NOT NULL,
        endpoint_id text NOT NULL,
        change text NOT NULL CHECK (change IN ('created', 'updated', 'deleted')),
        request_id text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE IF EXISTS endpoint_change_outbox');
    await q.query('DROP TABLE IF EXISTS idempotency_keys');
  }
}
