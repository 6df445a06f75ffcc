import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { ALL_EVENT_TYPES, EndpointChange, EndpointOrdering, EndpointStatus, isOperationalEventType, Mode, newId } from '@app/contracts';
import { EndpointEntity } from '../entities';
import { insertEndpointWithChange } from './delivery-partitions';
import { EndpointChangeOutbox } from './endpoint-change-outbox.repository';
import { KeysetPage } from './history-key';

export interface NewEndpoint {
  url: string;
  filter?: object | null;
  mode: Mode;
  eventTypes: string[];
  description: string;
  headers: Record<string, string>;
  metadata: Record<string, string>;
  secret: string;
  rateLimitPerSecond?: number | null;
  ordering?: EndpointOrdering;
}

/** The fields an update may change; `mode` is fixed at creation. */
export type EndpointChanges = Partial<Pick<EndpointEntity, 'url' | 'eventTypes' | 'status' | 'description' | 'headers' | 'metadata' | 'rateLimitPerSecond' | 'ordering' | 'filter'>>;

export interface EndpointFilter {
  mode?: Mode;
  status?: EndpointStatus;
  /** Endpoints that receive this type: those that name it and those subscribed to every type. */
  eventType?: string;
}

/** Why a versioned write did not happen, or what it produced. */
export type VersionedWrite<T> = { kind: 'written'; value: T } | { kind: 'not_found' } | { kind: 'version_conflict'; currentVersion: number };

type GuardedStatement = { andWhere(where: string, params: object): unknown; execute(): Promise<{ affected?: number | null }> };

/**
 * Every query names the organization: there is no way to read or change an endpoint without its tenant.
 * Every write also puts its change notice in the outbox, in the same transaction.
 */
@Injectable()
export class EndpointRepository {
  constructor(
    private readonly db: DataSource,
    private readonly outbox: EndpointChangeOutbox,
  ) {}

  private get repo() {
    return this.db.getRepository(EndpointEntity);
  }

  /** Creates the endpoint on the least loaded of the deliveries topic's `deliveryPartitions` partitions. */
  async create(organizationId: string, fields: NewEndpoint, deliveryPartitions: number): Promise<EndpointEntity> {
    const entity = this.repo.create({
      ...fields,
      id: newId('ep'),
      organizationId,
      status: 'enabled' as EndpointStatus,
      previousSecret: null,
      previousSecretExpiresAt: null,
      disabledReason: null,
      disabledAt: null,
      failingSince: null,
    });
    await insertEndpointWithChange(this.db, this.outbox, entity, deliveryPartitions);
    return (await this.findById(organizationId, entity.id)) as EndpointEntity;
  }

  async findById(organizationId: string, id: string): Promise<EndpointEntity | null> {
    return this.repo.findOne({ where: { organizationId, id } });
  }

  /** The fan-out's routing table for one organization: enabled endpoints only. */
  async findEnabled(organizationId: string): Promise<EndpointEntity[]> {
    return this.repo.find({ where: { organizationId, status: 'enabled' } });
  }

  /** Up to `limit` endpoints in id (creation) order, after or before an id (see KeysetPage). */
  async list(organizationId: string, filter: EndpointFilter, page: KeysetPage<string>): Promise<EndpointEntity[]> {
    const query = this.repo.createQueryBuilder('e').where('e.organization_id = :organizationId', { organizationId });
    if (filter.mode) query.andWhere('e.mode = :mode', { mode: filter.mode });
    if (filter.status) query.andWhere('e.status = :status', { status: filter.status });
    if (filter.eventType && isOperationalEventType(filter.eventType)) {
      // `*` does not include the operational types (see endpointWantsEvent).
      query.andWhere('e.event_types @> ARRAY[:eventType]::text[]', { eventType: filter.eventType });
    } else if (filter.eventType) {
      query.andWhere('(e.event_types @> ARRAY[:eventType]::text[] OR e.event_types @> ARRAY[:all]::text[])', {
        eventType: filter.eventType,
        all: ALL_EVENT_TYPES,
      });
    }
    const back = page.from?.direction === 'prev';
    if (page.from) query.andWhere(`e.id ${back ? '<' : '>'} :from`, { from: page.from.key });
    const rows = await query.orderBy('e.id', back ? 'DESC' : 'ASC').limit(page.limit).getMany();
    return back ? rows.reverse() : rows;
  }

  /** Applies `changes` (and bumps the version) if the endpoint exists and, when given, is still at `expectedVersion`. */
  async update(organizationId: string, id: string, changes: EndpointChanges, expectedVersion?: number): Promise<VersionedWrite<EndpointEntity>> {
    return this.writeVersioned(organizationId, id, expectedVersion, 'updated', updatedRow, (tx) =>
      tx
        .createQueryBuilder()
        .update(EndpointEntity)
        .set({ ...changes, ...statusSideEffects(changes.status), version: () => 'version + 1', updatedAt: () => 'now()' })
        .where('organization_id = :organizationId AND id = :id', { organizationId, id }),
    );
  }

  /**
   * Makes `newSecret` the signing secret; the current one keeps signing until `previousExpiresAt`.
   * Only one previous secret is kept: rotating again during an overlap ends the older secret's.
   */
  async rotateSecret(organizationId: string, id: string, newSecret: string, previousExpiresAt: Date): Promise<VersionedWrite<EndpointEntity>> {
    return this.writeVersioned(organizationId, id, undefined, 'updated', updatedRow, (tx) =>
      tx
        .createQueryBuilder()
        .update(EndpointEntity)
        .set({
          // The right-hand side reads the row as it was, so this is the secret being replaced.
          previousSecret: () => 'secret',
          previousSecretExpiresAt: previousExpiresAt,
          secret: newSecret,
          version: () => 'version + 1',
          updatedAt: () => 'now()',
        })
        .where('organization_id = :organizationId AND id = :id', { organizationId, id }),
    );
  }

  async delete(organizationId: string, id: string, expectedVersion?: number): Promise<VersionedWrite<{ id: string }>> {
    return this.writeVersioned(organizationId, id, expectedVersion, 'deleted', () => ({ id }), (tx) =>
      tx.createQueryBuilder().delete().from(EndpointEntity).where('organization_id = :organizationId AND id = :id', { organizationId, id }),
    );
  }

  /**
   * Runs one guarded statement, then tells "done" from "missing" from "changed meanwhile" in the same
   * transaction. The version guard is part of the WHERE clause, so of two writers that read the same
   * version only one matches the row; the other gets a conflict, never a lost update.
   */
  private async writeVersioned<T>(
    organizationId: string,
    id: string,
    expectedVersion: number | undefined,
    change: EndpointChange['change'],
    written: (after: EndpointEntity | null) => T,
    statement: (tx: EntityManager) => GuardedStatement,
  ): Promise<VersionedWrite<T>> {
    return this.db.transaction(async (tx) => {
      const write = statement(tx);
      if (expectedVersion !== undefined) write.andWhere('version = :expectedVersion', { expectedVersion });
      const { affected } = await write.execute();
      const current = await tx.findOne(EndpointEntity, { where: { organizationId, id } });
      if ((affected ?? 0) > 0) {
        await this.outbox.append(tx, [{ organizationId, endpointId: id, change }]);
        return { kind: 'written', value: written(current) };
      }
      return current ? { kind: 'version_conflict', currentVersion: current.version } : { kind: 'not_found' };
    });
  }
}

/**
 * Enabling clears why and since when the platform had disabled it and its failure history (a fresh
 * start: it is not disabled again by failures from before); disabling by hand gives no reason.
 * The right-hand sides read the row as it was, so a PATCH that changes nothing keeps them.
 */
function statusSideEffects(status: EndpointStatus | undefined) {
  if (status === 'enabled') {
    return { disabledReason: null, disabledAt: null, failingSince: () => "CASE WHEN status = 'disabled' THEN NULL ELSE failing_since END" };
  }
  if (status === 'disabled') {
    return { disabledReason: () => "CASE WHEN status = 'disabled' THEN disabled_reason ELSE NULL END", disabledAt: () => "CASE WHEN status = 'disabled' THEN disabled_at ELSE now() END" };
  }
  return {};
}

// This transaction holds the row's lock from its UPDATE on, so the row is there to read back.
function updatedRow(after: EndpointEntity | null): EndpointEntity {
  if (!after) throw new Error('an endpoint updated in this transaction was not found in it');
  return after;
}
