import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** What the retention job removes, each with the column that ages it. */
export type RetainedTable = 'events' | 'attempts' | 'deliveries' | 'replay_jobs';

// Each statement picks at most `limit` old rows by their physical address (ctid) and deletes just
// those: short statements holding row locks only, never a long scan-and-delete that the hot path's
// writes would queue behind. The age condition is repeated on the outer DELETE so a row that changed
// meanwhile (a delivery attempted again) is kept.
const BATCH_DELETES: Record<RetainedTable, string> = {
  events: `DELETE FROM events WHERE ctid = ANY(ARRAY(SELECT ctid FROM events WHERE received_at < $1 LIMIT $2)) AND received_at < $1`,
  attempts: `DELETE FROM attempts WHERE ctid = ANY(ARRAY(SELECT ctid FROM attempts WHERE started_at < $1 LIMIT $2)) AND started_at < $1`,
  deliveries: `DELETE FROM deliveries WHERE ctid = ANY(ARRAY(
                 SELECT ctid FROM deliveries WHERE created_at < $1 AND updated_at < $1 LIMIT $2)) AND updated_at < $1`,
  replay_jobs: `DELETE FROM replay_jobs WHERE ctid = ANY(ARRAY(
                  SELECT ctid FROM replay_jobs WHERE status <> 'running' AND created_at < $1 LIMIT $2)) AND status <> 'running'`,
};

/**
 * Removes history past its retention age, for every organization at once: an operator's job, the one
 * place that deletes tenant data without naming the tenant.
 */
@Injectable()
export class RetentionRepository {
  constructor(private readonly db: DataSource) {}

  /** Deletes up to `limit` rows of `table` older than `cutoff`; returns how many went. */
  async deleteBatch(table: RetainedTable, cutoff: Date, limit: number): Promise<number> {
    const result: [unknown[], number] = await this.db.query(BATCH_DELETES[table], [cutoff.toISOString(), limit]);
    return result[1];
  }
}
