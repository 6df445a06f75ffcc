import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One HTTP POST of a delivery. Every real POST is recorded, duplicates included. */
@Entity('attempts')
export class AttemptEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id: string;

  @Column('text', { name: 'delivery_id' })
  deliveryId: string;

  @Column('text', { name: 'organization_id' })
  organizationId: string;

  @Column('int', { name: 'attempt_number' })
  attemptNumber: number;

  @Column('timestamptz', { name: 'started_at' })
  startedAt: Date;

  @Column('int', { name: 'duration_ms' })
  durationMs: number;

  /** success | http_error | timeout | connection_error | forbidden_address | invalid_url | circuit_open */
  @Column('text')
  outcome: string;

  @Column('int', { name: 'status_code', nullable: true })
  statusCode: number | null;

  @Column('text', { nullable: true })
  error: string | null;

  @Column('text', { name: 'response_excerpt', nullable: true })
  responseExcerpt: string | null;

  /** The wait a 429 or 503 answer asked for in `Retry-After`, in seconds (an HTTP date converted). */
  @Column('int', { name: 'retry_after_seconds', nullable: true })
  retryAfterSeconds: number | null;
}
