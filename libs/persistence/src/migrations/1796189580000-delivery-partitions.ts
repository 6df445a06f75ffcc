import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Endpoints are spread over the deliveries topic's partitions by a choice stored at creation (SPEC §12),
 * not by the hash of their id. `delivery_partition_load` counts the endpoints of each partition so the
 * choice (the least loaded partition) reads a dozen rows, not the endpoints table; a trigger keeps it
 * right whichever path inserts, moves or deletes an endpoint (the API, the CLI session reaper, retention).
 *
 * The column is added without a default (a catalog change, no table rewrite). Existing endpoints keep
 * NULL until the admin API pins each to the partition its id hashes to, which is where its messages
 * already are (see EndpointPartitions), so nothing in flight changes partition.
 */
export class DeliveryPartitions1796189580000 implements MigrationInterface {
  name = 'DeliveryPartitions1796189580000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE endpoints ADD COLUMN IF NOT EXISTS delivery_partition int');
    await q.query(`CREATE TABLE IF NOT EXISTS delivery_partition_load (
      partition int PRIMARY KEY CHECK (partition >= 0),
      endpoints bigint NOT NULL DEFAULT 0
    )`);
    await q.query(`CREATE OR REPLACE FUNCTION endpoints_count_delivery_partition() RETURNS trigger AS $$
      BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.delivery_partition IS NOT NULL THEN
          UPDATE delivery_partition_load SET endpoints = endpoints - 1 WHERE partition = OLD.delivery_partition;
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.delivery_partition IS NOT NULL THEN
          INSERT INTO delivery_partition_load (partition, endpoints) VALUES (NEW.delivery_partition, 1)
            ON CONFLICT (partition) DO UPDATE SET endpoints = delivery_partition_load.endpoints + 1;
        END IF;
        RETURN NULL;
      END $$ LANGUAGE plpgsql`);
    await q.query('DROP TRIGGER IF EXISTS endpoints_delivery_partition_load ON endpoints');
    await q.query(`CREATE TRIGGER endpoints_delivery_partition_load
      AFTER INSERT OR DELETE OR UPDATE OF delivery_partition ON endpoints
      FOR EACH ROW EXECUTE FUNCTION endpoints_count_delivery_partition()`);
    // TRUNCATE fires no row trigger: start the counts over with it.
    await q.query(`CREATE OR REPLACE FUNCTION endpoints_reset_delivery_partition_load() RETURNS trigger AS $$
      BEGIN
        DELETE FROM delivery_partition_load;
        RETURN NULL;
      END $$ LANGUAGE plpgsql`);
    await q.query('DROP TRIGGER IF EXISTS endpoints_delivery_partition_load_truncate ON endpoints');
    await q.query(`CREATE TRIGGER endpoints_delivery_partition_load_truncate
      AFTER TRUNCATE ON endpoints FOR EACH STATEMENT EXECUTE FUNCTION endpoints_reset_delivery_partition_load()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TRIGGER IF EXISTS endpoints_delivery_partition_load_truncate ON endpoints');
    await q.query('DROP TRIGGER IF EXISTS endpoints_delivery_partition_load ON endpoints');
    await q.query('DROP FUNCTION IF EXISTS endpoints_reset_delivery_partition_load()');
    await q.query('DROP FUNCTION IF EXISTS endpoints_count_delivery_partition()');
    await q.query('DROP TABLE IF EXISTS delivery_partition_load');
    await q.query('ALTER TABLE endpoints DROP COLUMN IF EXISTS delivery_partition');
  }
}
