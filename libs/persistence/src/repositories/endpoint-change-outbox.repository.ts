import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { EndpointChange } from '@app/contracts';
import { currentRequestId } from '@app/observability';

interface Row {
  id: string;
  organization_id: string;
  endpoint_id: string;
  change: EndpointChange['change'];
  request_id: string | null;
}

/**
 * The transactional outbox of endpoint changes: a change notice is written in the transaction that
 * changes the endpoint, and relayed to the change topic afterwards (EndpointChangeRelay). A notice is
 * deleted only after Kafka has it, so a change committed while the broker is away is not lost.
 */
@Injectable()
export class EndpointChangeOutbox {
  constructor(private readonly db: DataSource) {}

  /** Inside the caller's transaction. */
  async append(tx: EntityManager, changes: readonly EndpointChange[]): Promise<void> {
    if (changes.length === 0) return;
    // The admin API request behind the change travels with its notice (SPEC 13's request ids in logs).
    const requestId = currentRequestId() ?? null;
    await tx.query(
      `INSERT INTO endpoint_change_outbox (organization_id, endpoint_id, change, request_id)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])`,
      [changes.map((c) => c.organizationId), changes.map((c) => c.endpointId), changes.map((c) => c.change), changes.map((c) => c.requestId ?? requestId)],
    );
  }

  /**
   * Takes up to `limit` notices, oldest first, hands them to `publish` and deletes them once it
   * resolves; if it throws they stay for the next round. Rows another instance is relaying are skipped
   * (SKIP LOCKED), so instances share the work without waiting on each other. Returns how many went.
   */
  async relay(limit: number, publish: (changes: EndpointChange[]) => Promise<void>): Promise<number> {
    return this.db.transaction(async (tx) => {
      const rows: Row[] = await tx.query(
        'SELECT id, organization_id, endpoint_id, change, request_id FROM endpoint_change_outbox ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED',
        [limit],
      );
      if (rows.length === 0) return 0;
      await publish(rows.map((r) => ({ organizationId: r.organization_id, endpointId: r.endpoint_id, change: r.change, ...(r.request_id ? { requestId: r.request_id } : {}) })));
      await tx.query('DELETE FROM endpoint_change_outbox WHERE id = ANY($1::bigint[])', [rows.map((r) => r.id)]);
      return rows.length;
    });
  }

}
