import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The admin API's rate-limit counters (rate-limiter-flexible's PostgreSQL layout: key, points, expire
 * in epoch ms), shared by every subscriptions instance so a limit holds across them. UNLOGGED: the
 * counters are worth no WAL; a crash only resets the current windows.
 */
export class ApiRateLimits1764450000000 implements MigrationInterface {
  name = 'ApiRateLimits1764450000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE UNLOGGED TABLE IF NOT EXISTS api_rate_limits (
        key varchar(255) PRIMARY KEY,
        points integer NOT NULL DEFAULT 0,
        expire bigint
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE IF EXISTS api_rate_limits');
  }
}
