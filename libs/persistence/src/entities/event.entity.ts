import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { Mode } from '@app/contracts';

/** The event log. The producer's id is unique per organization; the source position tells a
 *  re-read of the same Kafka record (fan out again) from a second publish of the same id (skip). */
@Entity('events')
export class EventEntity {
  @PrimaryColumn('text', { name: 'organization_id' })
  organizationId: string;

  @PrimaryColumn('text')
  id: string;

  @Column('text')
  type: string;

  @Column('text')
  mode: Mode;

  @Column('jsonb')
  data: Record<string, unknown>;

  @Column('timestamptz', { name: 'occurred_at' })
  occurredAt: Date;

  @Column('timestamptz', { name: 'received_at' })
  receivedAt: Date;

  @Column('text', { name: 'source_topic' })
  sourceTopic: string;

  @Column('int', { name: 'source_partition' })
  sourcePartition: number;

  @Column('bigint', { name: 'source_offset' })
  sourceOffset: string;
}
