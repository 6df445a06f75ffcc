import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn, VersionColumn } from 'typeorm';
import type { DisabledReason, EndpointKind, EndpointOrdering, EndpointStatus, Mode } from '@app/contracts';

@Entity('endpoints')
@Index(['organizationId', 'id'])
export class EndpointEntity {
  @PrimaryColumn('text')
  id: string;

  @Column('text', { name: 'organization_id' })
  organizationId: string;

  @Column('text')
  mode: Mode;

  @Column('text')
  url: string;

  /** `['*']` means every event type. */
  @Column('text', { name: 'event_types', array: true })
  eventTypes: string[];

  @Column('text')
  status: EndpointStatus;

  @Column('text', { default: '' })
  description: string;

  @Column('jsonb', { default: {} })
  headers: Record<string, string>;

  @Column('jsonb', { default: {} })
  metadata: Record<string, string>;

  @Column('text')
  secret: string;

  /** After a rotation the previous secret keeps signing until `previousSecretExpiresAt`. */
  @Column('text', { name: 'previous_secret', nullable: true })
  previousSecret: string | null;

  @Column('timestamptz', { name: 'previous_secret_expires_at', nullable: true })
  previousSecretExpiresAt: Date | null;

  /** Why the platform disabled it (410 Gone, or failing too long); null when enabled or disabled through the API. */
  @Column('text', { name: 'disabled_reason', nullable: true })
  disabledReason: DisabledReason | null;

  @Column('timestamptz', { name: 'disabled_at', nullable: true })
  disabledAt: Date | null;

  /** The first failed call since the last success (or since it was enabled); null while it succeeds. */
  @Column('timestamptz', { name: 'failing_since', nullable: true })
  failingSince: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @VersionColumn()
  version: number;

  /** `cli`: a `sourcehub-webhooks listen` session, relayed to the CLI's connection instead of POSTed. */
  @Column('text', { default: 'webhook' })
  kind: EndpointKind;

  /** A MongoDB-style query over the event body; null receives every event of its types (SPEC §10). */
  @Column('jsonb', { nullable: true })
  filter: object | null;

  /** Sessions only: renewed while the CLI is connected; past it the session is removed. */
  @Column('timestamptz', { name: 'session_expires_at', nullable: true })
  sessionExpiresAt: Date | null;

  /** SPEC §10: at most this many requests in any 1-second window; null: no limit. */
  @Column('integer', { name: 'rate_limit_per_second', nullable: true })
  rateLimitPerSecond: number | null;

  /** SPEC §10: `strict` delivers one at a time, in order, through the strict queue. */
  @Column('text', { default: 'none' })
  ordering: EndpointOrdering;
  /**
   * Its partition of the deliveries topic (and the same number of every retry tier and the dead letters),
   * chosen at creation as the least loaded one. Null only until the admin API pins an endpoint created
   * before partitions were stored (to the partition its key hashes to, where its messages already are).
   */
  @Column('int', { name: 'delivery_partition', nullable: true })
  deliveryPartition: number | null;
}

/** The `partition` field of a delivery message for this endpoint (none while it is not pinned yet). */
export function deliveryPartitionOf(endpoint: Pick<EndpointEntity, 'deliveryPartition'>): { partition?: number } {
  return endpoint.deliveryPartition === null ? {} : { partition: endpoint.deliveryPartition };
}
