import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The event-type catalog gains an optional JSON Schema and example per type (SPEC §10), and a version
 * that grows with every change, so each fan-out compiles a type's schema once per version.
 */
export class EventTypeSchemas1796187100000 implements MigrationInterface {
  name = 'EventTypeSchemas1796187100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE event_types
        ADD COLUMN IF NOT EXISTS schema jsonb,
        ADD COLUMN IF NOT EXISTS example jsonb,
        ADD COLUMN IF NOT EXISTS version integer NOT NULL DEFAULT 1,
        ADD COLUMN IF NOT EXISTS updated_at timestamptz NOT NULL DEFAULT now()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE event_types DROP COLUMN IF EXISTS schema, DROP COLUMN IF EXISTS example, DROP COLUMN IF EXISTS version, DROP COLUMN IF EXISTS updated_at');
  }
}
