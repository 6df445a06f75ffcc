import { DataSource, EntityManager, IsNull } from 'typeorm';
import { EndpointEntity } from '../entities';
import type { EndpointChangeOutbox } from './endpoint-change-outbox.repository';

/** Serialises the choice of a partition between concurrent creations (a burst would otherwise all pick the same). */
const CHOICE_LOCK = 0x7765_6270; // "webp"

/**
 * Inserts a new endpoint on the least loaded of the deliveries topic's `partitions` (fewest endpoints; the
 * lowest number among equals), so N delivery instances get about 1/N of the endpoints each, however the
 * ids hash and however large one organization is. Partitions added to the topic later start empty and
 * are chosen first until they catch up; existing endpoints never move.
 */
export async function insertOnLeastLoadedPartition(tx: EntityManager, entity: EndpointEntity, partitions: number): Promise<void> {
  // Inside the caller's transaction (with its outbox row): the lock is held until it commits.
  await tx.query('SELECT pg_advisory_xact_lock($1)', [CHOICE_LOCK]);
  const rows: Array<{ partition: number }> = await tx.query(
    `SELECT p AS partition FROM generate_series(0, $1::int - 1) AS p
       LEFT JOIN delivery_partition_load l ON l.partition = p
      ORDER BY coalesce(l.endpoints, 0), p LIMIT 1`,
    [partitions],
  );
  entity.deliveryPartition = rows[0].partition;
  await tx.insert(EndpointEntity, entity);
}

/** A new endpoint (or listen session) on its partition and its `created` change in the outbox: both or neither. */
export async function insertEndpointWithChange(db: DataSource, outbox: EndpointChangeOutbox, entity: EndpointEntity, partitions: number): Promise<void> {
  await db.transaction(async (tx) => {
    await insertOnLeastLoadedPartition(tx, entity, partitions);
    await outbox.append(tx, [{ organizationId: entity.organizationId, endpointId: entity.id, change: 'created' }]);
  });
}

/** Endpoints created before partitions were stored (at most `limit`), for pinning. */
export async function unpinnedEndpoints(db: DataSource, limit: number): Promise<Array<{ id: string; organizationId: string }>> {
  const rows = await db.getRepository(EndpointEntity).find({ where: { deliveryPartition: IsNull() }, select: { id: true, organizationId: true }, take: limit });
  return rows.map((r) => ({ id: r.id, organizationId: r.organizationId }));
}

/** Pins an endpoint to a partition unless it already has one (another instance may have pinned it first). */
export async function pinEndpoint(db: DataSource, organizationId: string, id: string, partition: number): Promise<void> {
  await db.query('UPDATE endpoints SET delivery_partition = $3 WHERE organization_id = $1 AND id = $2 AND delivery_partition IS NULL', [organizationId, id, partition]);
}
