import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An endpoint's payload filter (SPEC §10): a MongoDB-style query kept as jsonb, checked by the admin
 * API before it is stored. A nullable column without a default: adding it rewrites nothing.
 */
export class EndpointFilter1796187000000 implements MigrationInterface {
  name = 'EndpointFilter1796187000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE endpoints ADD COLUMN IF NOT EXISTS filter jsonb');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE endpoints DROP COLUMN IF EXISTS filter');
  }
}
