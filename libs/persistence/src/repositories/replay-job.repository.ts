import { Injectable } from '@nestjs/common';
import { DataSource, QueryFailedError } from 'typeorm';
import { Mode } from '@app/contracts';
import { TimeKey } from './history-key';
import { updatedRows } from './updated-rows';

export type ReplayJobStatus = 'running' | 'completed' | 'failed';

export interface ReplayJob {
  id: string;
  organizationId: string;
  endpointId: string;
  mode: Mode;
  eventTypes: string[];
  from: Date;
  to: Date;
  status: ReplayJobStatus;
  total: number;
  published: number;
  /** The last event published: a job taken over after a crash goes on from there. */
  cursor: TimeKey | null;
  error: string | null;
  createdAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
}

export interface NewReplayJob {
  id: string;
  endpointId: string;
  mode: Mode;
  eventTypes: readonly string[];
  from: Date;
  to: Date;
  total: number;
}

interface JobRowSql {
  id: string;
  organization_id: string;
  endpoint_id: string;
  mode: Mode;
  event_types: string[];
  range_from: Date;
  range_to: Date;
  status: ReplayJobStatus;
  total: number;
  published: number;
  cursor_received_at: string | null;
  cursor_event_id: string | null;
  error: string | null;
  created_at: Date;
  updated_at: Date;
  finished_at: Date | null;
}

const UNIQUE_VIOLATION = '23505';

/**
 * Replay jobs with a lease: the instance running a job renews it with every batch, and any instance
 * takes over a running job whose lease ran out (its runner died), going on from the job's cursor.
 */
@Injectable()
export class ReplayJobRepository {
  constructor(private readonly db: DataSource) {}

  /** Creates a running job leased to `owner`; null when the endpoint already has a running replay. */
  async create(organizationId: string, job: NewReplayJob, owner: string, leaseMs: number): Promise<ReplayJob | null> {
    try {
      const rows: JobRowSql[] = await this.db.query(
        `INSERT INTO replay_jobs (id, organization_id, endpoint_id, mode, event_types, range_from, range_to, status, total, lease_owner, lease_until)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'running', $8, $9, now() + $10 * interval '1 millisecond')
         RETURNING *`,
        [job.id, organizationId, job.endpointId, job.mode, [...job.eventTypes], job.from.toISOString(), job.to.toISOString(), job.total, owner, leaseMs],
      );
      return toJob(rows[0]);
    } catch (err) {
      if (err instanceof QueryFailedError && (err.driverError as { code?: string }).code === UNIQUE_VIOLATION) return null;
      throw err;
    }
  }

  async findById(organizationId: string, id: string): Promise<ReplayJob | null> {
    const rows: JobRowSql[] = await this.db.query('SELECT * FROM replay_jobs WHERE organization_id = $1 AND id = $2', [organizationId, id]);
    return rows[0] ? toJob(rows[0]) : null;
  }

  async countRunning(organizationId: string): Promise<number> {
    const rows: Array<{ n: number }> = await this.db.query(`SELECT count(*)::int AS n FROM replay_jobs WHERE organization_id = $1 AND status = 'running'`, [
      organizationId,
    ]);
    return rows[0].n;
  }

  /**
   * Takes over one running job whose lease has expired, of any organization (this is the operator's
   * machinery, not a tenant's read; the job names its organization for everything it then does).
   */
  async claimExpired(owner: string, leaseMs: number): Promise<ReplayJob | null> {
    const claim = `UPDATE replay_jobs SET lease_owner = $1, lease_until = now() + $2 * interval '1 millisecond', updated_at = now()
        WHERE id = (SELECT id FROM replay_jobs WHERE status = 'running' AND lease_until < now() ORDER BY lease_until LIMIT 1 FOR UPDATE SKIP LOCKED)
        RETURNING *`;
    const rows = updatedRows<JobRowSql>(await this.db.query(claim, [owner, leaseMs]));
    return rows[0] ? toJob(rows[0]) : null;
  }

  /** Records a published batch and renews the lease; false when this runner lost the job (lease taken over). */
  async advance(job: Pick<ReplayJob, 'id' | 'organizationId'>, owner: string, published: number, cursor: TimeKey, leaseMs: number): Promise<boolean> {
    const advance = `UPDATE replay_jobs SET published = published + $4, cursor_received_at = $5, cursor_event_id = $6,
              lease_until = now() + $7 * interval '1 millisecond', updated_at = now()
        WHERE organization_id = $1 AND id = $2 AND lease_owner = $3 AND status = 'running'
        RETURNING id`;
    const rows = updatedRows<{ id: string }>(await this.db.query(advance, [job.organizationId, job.id, owner, published, cursor.at, cursor.id, leaseMs]));
    return rows.length > 0;
  }

  async finish(job: Pick<ReplayJob, 'id' | 'organizationId'>, owner: string, status: Exclude<ReplayJobStatus, 'running'>, error: string | null): Promise<void> {
    await this.db.query(
      `UPDATE replay_jobs SET status = $4, error = $5, lease_owner = NULL, lease_until = NULL, finished_at = now(), updated_at = now(),
              total = CASE WHEN $4 = 'completed' THEN published ELSE total END
        WHERE organization_id = $1 AND id = $2 AND lease_owner = $3 AND status = 'running'`,
      [job.organizationId, job.id, owner, status, error],
    );
  }

  /** Hands a job back on shutdown so another instance takes it over at once instead of after the lease. */
  async release(job: Pick<ReplayJob, 'id' | 'organizationId'>, owner: string): Promise<void> {
    await this.db.query(
      `UPDATE replay_jobs SET lease_until = now() - interval '1 second', updated_at = now()
        WHERE organization_id = $1 AND id = $2 AND lease_owner = $3 AND status = 'running'`,
      [job.organizationId, job.id, owner],
    );
  }
}

function toJob(r: JobRowSql): ReplayJob {
  return {
    id: r.id,
    organizationId: r.organization_id,
    endpointId: r.endpoint_id,
    mode: r.mode,
    eventTypes: r.event_types,
    from: r.range_from,
    to: r.range_to,
    status: r.status,
    total: r.total,
    published: r.published,
    cursor: r.cursor_received_at && r.cursor_event_id ? { at: r.cursor_received_at, id: r.cursor_event_id } : null,
    error: r.error,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    finishedAt: r.finished_at,
  };
}
