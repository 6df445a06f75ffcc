import { MigrationInterface, QueryRunner } from 'typeorm';
import { OPERATIONAL_EVENT_CATALOG } from '@app/contracts';

/**
 * Endpoint health (SPEC §9): why the platform disabled an endpoint and since when it has been
 * failing (kept up to date by the delivery's batched attempt-log write, so deciding an auto-disable
 * needs no scan of the attempts), the wait a receiver asked for in `Retry-After`, and the
 * operational event types in the catalog. Nullable columns without defaults: adding them rewrites
 * nothing and holds the table's lock only for an instant.
 */
export class EndpointHealth1764500000000 implements MigrationInterface {
  name = 'EndpointHealth1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE endpoints
        ADD COLUMN IF NOT EXISTS disabled_reason text CHECK (disabled_reason IN ('gone', 'failing')),
        ADD COLUMN IF NOT EXISTS disabled_at timestamptz,
        ADD COLUMN IF NOT EXISTS failing_since timestamptz`);
    await q.query('ALTER TABLE attempts ADD COLUMN IF NOT EXISTS retry_after_seconds integer');
    for (const t of OPERATIONAL_EVENT_CATALOG) {
      await q.query('INSERT INTO event_types (name, description) VALUES ($1, $2) ON CONFLICT DO NOTHING', [t.name, t.description]);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DELETE FROM event_types WHERE name = ANY($1)', [OPERATIONAL_EVENT_CATALOG.map((t) => t.name)]);
    await q.query('ALTER TABLE attempts DROP COLUMN IF EXISTS retry_after_seconds');
    await q.query('ALTER TABLE endpoints DROP COLUMN IF EXISTS disabled_reason, DROP COLUMN IF EXISTS disabled_at, DROP COLUMN IF EXISTS failing_since');
  }
}
