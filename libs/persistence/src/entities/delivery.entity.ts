import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { DeliveryStatus } from '@app/contracts';

@Entity('deliveries')
export class DeliveryEntity {
  /** Derived from (organization, event, endpoint): see deliveryIdFor. */
  @PrimaryColumn('text')
  id: string;

  @Column('text', { name: 'organization_id' })
  organizationId: string;

  @Column('text', { name: 'event_id' })
  eventId: string;

  @Column('text', { name: 'endpoint_id' })
  endpointId: string;

  @Column('text')
  status: DeliveryStatus;

  @Column('int', { name: 'attempt_count' })
  attemptCount: number;

  @Column('timestamptz', { name: 'last_attempt_at', nullable: true })
  lastAttemptAt: Date | null;

  @Column('timestamptz', { name: 'next_attempt_at', nullable: true })
  nextAttemptAt: Date | null;

  @Column('text', { name: 'status_reason', nullable: true })
  statusReason: string | null;

  @Column('timestamptz', { name: 'created_at' })
  createdAt: Date;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt: Date;
}
