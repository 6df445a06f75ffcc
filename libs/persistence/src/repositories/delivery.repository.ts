import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DeliveryStatus } from '@app/contracts';

/** One finished attempt (or a discard) with the delivery state it leads to. */
export interface AttemptRecord {
  deliveryId: string;
  organizationId: string;
  eventId: string;
  endpointId: string;
  attemptNumber: number;
  /** Null for a discard that made no HTTP call. */
  attempt: {
    startedAt: Date;
    durationMs: number;
    outcome: string;
    statusCode: number | null;
    error: string | null;
    responseExcerpt: string | null;
  } | null;
  status: DeliveryStatus;
  statusReason: string | null;
  nextAttemptAt: Date | null;
}

@Injectable()
export class DeliveryRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * Records a batch of attempts and the resulting delivery states in one transaction of two
   * statements (not one transaction per POST). A later attempt never rolls a delivery back to an
   * older state: the update only moves forward in attempt number.
   */
  async recordBatch(records: readonly AttemptRecord[]): Promise<void> {
    if (records.length === 0) return;
    const attempts = records.filter((r) => r.attempt !== null);
    // The latest record per delivery decides its state.
    const latest = new Map<string, AttemptRecord>();
    for (const r of records) {
      const seen = latest.get(r.deliveryId);
      if (!seen || r.attemptNumber >= seen.attemptNumber) latest.set(r.deliveryId, r);
    }
    const states = [...latest.values()];
    await this.db.transaction(async (tx) => {
      if (attempts.length > 0) {
        await tx.query(
          `INSERT INTO attempts (delivery_id, organization_id, attempt_number, started_at, duration_ms, outcome, status_code, error, response_excerpt)
           SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::timestamptz[], $5::int[], $6::text[], $7::int[], $8::text[], $9::text[])`,
          [
            attempts.map((r) => r.deliveryId),
            attempts.map((r) => r.organizationId),
            attempts.map((r) => r.attemptNumber),
            attempts.map((r) => r.attempt!.startedAt.toISOString()),
            attempts.map((r) => r.attempt!.durationMs),
            attempts.map((r) => r.attempt!.outcome),
            attempts.map((r) => r.attempt!.statusCode),
            attempts.map((r) => r.attempt!.error),
            attempts.map((r) => r.attempt!.responseExcerpt),
          ],
        );
      }
      await tx.query(
        `INSERT INTO deliveries AS d (id, organization_id, event_id, endpoint_id, status, attempt_count, last_attempt_at, next_attempt_at, status_reason)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::timestamptz[], $8::timestamptz[], $9::text[])
         ON CONFLICT (id) DO UPDATE SET
           status = EXCLUDED.status,
           attempt_count = GREATEST(d.attempt_count, EXCLUDED.attempt_count),
           last_attempt_at = COALESCE(EXCLUDED.last_attempt_at, d.last_attempt_at),
           next_attempt_at = EXCLUDED.next_attempt_at,
           status_reason = EXCLUDED.status_reason,
           updated_at = now()
         WHERE d.attempt_count <= EXCLUDED.attempt_count`,
        [
          states.map((r) => r.deliveryId),
          states.map((r) => r.organizationId),
          states.map((r) => r.eventId),
          states.map((r) => r.endpointId),
          states.map((r) => r.status),
          states.map((r) => (r.attempt ? r.attemptNumber : r.attemptNumber - 1)),
          states.map((r) => r.attempt?.startedAt.toISOString() ?? null),
          states.map((r) => r.nextAttemptAt?.toISOString() ?? null),
          states.map((r) => r.statusReason),
        ],
      );
    });
  }

  async findById(organizationId: string, id: string) {
    const rows: Array<Record<string, unknown>> = await this.db.query(
      'SELECT * FROM deliveries WHERE organization_id = $1 AND id = $2',
      [organizationId, id],
    );
    return rows[0] ?? null;
  }
}
