import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * CLI listen sessions (SPEC §11) are endpoints of kind `cli` whose lease the admin API instance holding
 * the connection renews; an expired lease means the connection died and the row is reaped.
 *
 * Both columns are added with a constant default (or none), which PostgreSQL records in the catalog
 * without rewriting the table. The reaper's index is built CONCURRENTLY outside a transaction so the
 * fan-out and delivery reads of `endpoints` are never blocked by it; it is partial, so the ordinary
 * endpoints cost it nothing. Every statement is idempotent (no transaction to roll a half-done run back).
 */
export class ListenSessions1764517000000 implements MigrationInterface {
  name = 'ListenSessions1764517000000';
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE endpoints ADD COLUMN IF NOT EXISTS kind text NOT NULL DEFAULT 'webhook'`);
    await q.query('ALTER TABLE endpoints ADD COLUMN IF NOT EXISTS session_expires_at timestamptz');
    const rows = (await q.query(
      `SELECT i.indisvalid AS valid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = 'endpoints_cli_session_expiry_idx'`,
    )) as Array<{ valid: boolean }>;
    if (rows.length > 0 && rows[0].valid) return;
    // A concurrent build that failed leaves an INVALID index behind: drop it and build again.
    if (rows.length > 0) await q.query('DROP INDEX CONCURRENTLY IF EXISTS endpoints_cli_session_expiry_idx');
    await q.query(`CREATE INDEX CONCURRENTLY endpoints_cli_session_expiry_idx ON endpoints (session_expires_at) WHERE kind = 'cli'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX CONCURRENTLY IF EXISTS endpoints_cli_session_expiry_idx');
    await q.query(`DELETE FROM endpoints WHERE kind = 'cli'`);
    await q.query('ALTER TABLE endpoints DROP COLUMN IF EXISTS session_expires_at');
    await q.query('ALTER TABLE endpoints DROP COLUMN IF EXISTS kind');
  }
}
