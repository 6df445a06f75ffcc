import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { EndpointStatus, newId } from '@app/contracts';
import { EndpointEntity } from '../entities';
import { insertEndpointWithChange } from './delivery-partitions';
import { EndpointChangeOutbox } from './endpoint-change-outbox.repository';
import { updatedRows } from './updated-rows';

/** The URL a session row carries: not http(s), so no code path that misses `kind` could POST anywhere. */
export const CLI_SESSION_URL = 'cli://listen';

export interface NewListenSession {
  eventTypes: string[];
  description: string;
  secret: string;
  expiresAt: Date;
}

/**
 * CLI listen sessions: rows of `endpoints` of kind `cli`, always test mode, so fan-out routing, the
 * attempt log, retries and the dashboard treat them as any endpoint. Tenant-scoped like every read,
 * except the lease work, which runs for the whole service and names rows by their (unguessable) ids.
 */
@Injectable()
export class ListenSessionRepository {
  constructor(
    private readonly db: DataSource,
    private readonly outbox: EndpointChangeOutbox,
  ) {}

  private get repo() {
    return this.db.getRepository(EndpointEntity);
  }

  /** A session is an endpoint: it gets a deliveries partition like any other (the least loaded). */
  async create(organizationId: string, fields: NewListenSession, deliveryPartitions: number): Promise<EndpointEntity> {
    const entity = this.repo.create({
      id: newId('ep'),
      organizationId,
      mode: 'test',
      url: CLI_SESSION_URL,
      eventTypes: fields.eventTypes,
      status: 'enabled' as EndpointStatus,
      description: fields.description,
      headers: {},
      metadata: {},
      secret: fields.secret,
      previousSecret: null,
      previousSecretExpiresAt: null,
      kind: 'cli',
      sessionExpiresAt: fields.expiresAt,
    });
    await insertEndpointWithChange(this.db, this.outbox, entity, deliveryPartitions);
    return (await this.find(organizationId, entity.id)) as EndpointEntity;
  }

  /** The session of that organization, or null (missing, another tenant's, or an ordinary endpoint). */
  async find(organizationId: string, id: string): Promise<EndpointEntity | null> {
    return this.repo.findOne({ where: { organizationId, id, kind: 'cli' } });
  }

  /** Pushes the lease of the sessions this instance holds; returns the ids still there (the others were deleted). */
  async renew(ids: readonly string[], until: Date): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows = updatedRows<{ id: string }>(
      await this.db.query(`UPDATE endpoints SET session_expires_at = $2 WHERE id = ANY($1) AND kind = 'cli' RETURNING id`, [ids, until]),
    );
    return rows.map((r) => r.id);
  }

  async delete(organizationId: string, id: string): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const result = await tx.delete(EndpointEntity, { organizationId, id, kind: 'cli' });
      const deleted = (result.affected ?? 0) > 0;
      if (deleted) await this.outbox.append(tx, [{ organizationId, endpointId: id, change: 'deleted' }]);
      return deleted;
    });
  }

  /** Removes the sessions whose lease ran out (their connection died), a bounded batch per call. */
  async reapExpired(now: Date, limit = 500): Promise<Array<{ id: string; organizationId: string }>> {
    // One statement: the deletions and their change notices commit together.
    const rows: Array<{ id: string; organization_id: string }> = await this.db.query(
      `WITH gone AS (
         DELETE FROM endpoints WHERE id IN (
           SELECT id FROM endpoints WHERE kind = 'cli' AND session_expires_at < $1 ORDER BY session_expires_at LIMIT $2
         ) RETURNING id, organization_id
       ), noticed AS (
         INSERT INTO endpoint_change_outbox (organization_id, endpoint_id, change) SELECT organization_id, id, 'deleted' FROM gone
       )
       SELECT id, organization_id FROM gone`,
      [now, limit],
    );
    return rows.map((r) => ({ id: r.id, organizationId: r.organization_id }));
  }
}
