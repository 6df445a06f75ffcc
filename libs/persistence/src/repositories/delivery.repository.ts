import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { DeliveryStatus, DisabledReason, Mode } from '@app/contracts';
// Type-only: the health rules are pure functions of @app/webhooks; this file stores their inputs and applies their answers.
import type { EndpointHealthState, EndpointHealthUpdate } from '@app/webhooks';
import { preparedQuery } from './prepared-query';

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
    /** What a 429 or 503 asked for in `Retry-After`, in seconds. */
    retryAfterSeconds: number | null;
  } | null;
  status: DeliveryStatus;
  statusReason: string | null;
  nextAttemptAt: Date | null;
}

/** An endpoint this batch disabled. */
export interface DisabledEndpoint {
  organizationId: string;
  id: string;
  mode: Mode;
  url: string;
  /** The version after the disable: distinct for every disable of one endpoint. */
  version: number;
  reason: DisabledReason;
  /** Whether the disable raises `webhook.endpoint.disabled` (not when only operational deliveries led to it). */
  notify: boolean;
}

/**
 * How a batch keeps its endpoints' health: the decision (pure, from @app/webhooks) and what must be
 * done before the batch commits about the endpoints it disables (publish the operational events; a
 * throw rolls the whole batch back, so the outcome is retried, never committed without its event).
 */
export interface EndpointHealthPolicy {
  updates: readonly EndpointHealthUpdate[];
  decide(state: EndpointHealthState): DisabledReason | null;
  beforeCommit(disabled: readonly DisabledEndpoint[]): Promise<void>;
}

@Injectable()
export class DeliveryRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * Records a batch of attempts and the resulting delivery states in one transaction of two
   * statements (not one transaction per POST), with the endpoints' health when given (two more,
   * the second only when an endpoint is disabled). A later attempt never rolls a delivery back to
   * an older state: the update only moves forward in attempt number. Returns the endpoints disabled.
   */
  async recordBatch(records: readonly AttemptRecord[], health?: EndpointHealthPolicy): Promise<DisabledEndpoint[]> {
    if (records.length === 0) return [];
    const attempts = records.filter((r) => r.attempt !== null);
    // The latest record per delivery decides its state.
    const latest = new Map<string, AttemptRecord>();
    for (const r of records) {
      const seen = latest.get(r.deliveryId);
      if (!seen || r.attemptNumber >= seen.attemptNumber) latest.set(r.deliveryId, r);
    }
    const states = [...latest.values()];
    return this.db.transaction(async (tx) => {
      if (attempts.length > 0) {
        await preparedQuery(
          tx,
          'attempts.record-batch',
          `INSERT INTO attempts (delivery_id, organization_id, attempt_number, started_at, duration_ms, outcome, status_code, error, response_excerpt, retry_after_seconds)
           SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::timestamptz[], $5::int[], $6::text[], $7::int[], $8::text[], $9::text[], $10::int[])`,
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
            attempts.map((r) => r.attempt!.retryAfterSeconds),
          ],
        );
      }
      await preparedQuery(
        tx,
        'deliveries.record-batch',
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
      if (!health || health.updates.length === 0) return [];
      const disabled = await this.keepHealth(tx, health);
      if (disabled.length > 0) await health.beforeCommit(disabled);
      return disabled;
    });
  }

  /**
   * Moves each endpoint's `failing_since` (set by the first failure after a success, cleared by a
   * success), then disables the endpoints the policy judges gone or failing too long. One statement
   * per batch, touching the endpoints of the batch by primary key and writing only the rows whose
   * state changes: no scan of the attempts, no write per call.
   */
  private async keepHealth(tx: EntityManager, health: EndpointHealthPolicy): Promise<DisabledEndpoint[]> {
    const { updates } = health;
    const rows = await preparedQuery<{ id: string; status: 'enabled' | 'disabled'; failing_since: Date | null }>(
      tx,
      'endpoints.keep-health',
      `WITH b AS (
         SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::timestamptz[]) AS b(organization_id, endpoint_id, last_success_at, first_failure_at)
       ), next AS (
         SELECT e.id, CASE WHEN b.last_success_at IS NOT NULL THEN b.first_failure_at ELSE COALESCE(e.failing_since, b.first_failure_at) END AS failing_since
         FROM b JOIN endpoints e ON e.id = b.endpoint_id AND e.organization_id = b.organization_id
       ), changed AS (
         UPDATE endpoints e SET failing_since = next.failing_since
         FROM next WHERE e.id = next.id AND e.failing_since IS DISTINCT FROM next.failing_since
         RETURNING e.id
       )
       SELECT e.id, e.status, next.failing_since FROM next JOIN endpoints e ON e.id = next.id`,
      [updates.map((u) => u.organizationId), updates.map((u) => u.endpointId), updates.map((u) => u.lastSuccessAt), updates.map((u) => u.firstFailureAt)],
    );
    const byId = new Map(updates.map((u) => [u.endpointId, u]));
    const toDisable: Array<{ update: EndpointHealthUpdate; reason: DisabledReason }> = [];
    for (const row of rows) {
      const update = byId.get(row.id)!;
      const reason = health.decide({ status: row.status, failingSince: row.failing_since, gone: update.gone, failedInBatch: update.firstFailureAt !== null });
      if (reason) toDisable.push({ update, reason });
    }
    if (toDisable.length === 0) return [];
    // Guarded by status: of two instances disabling the same endpoint, only one changes the row (and raises the event).
    // TypeORM answers a raw UPDATE with [rows, affected count].
    const [disabled]: [Array<{ id: string; organization_id: string; mode: Mode; url: string; version: number; disabled_reason: DisabledReason }>, number] = await tx.query(
      `UPDATE endpoints e SET status = 'disabled', disabled_reason = d.reason, disabled_at = now(), version = e.version + 1, updated_at = now()
       FROM unnest($1::text[], $2::text[], $3::text[]) AS d(organization_id, id, reason)
       WHERE e.id = d.id AND e.organization_id = d.organization_id AND e.status = 'enabled'
       RETURNING e.id, e.organization_id, e.mode, e.url, e.version, e.disabled_reason`,
      [toDisable.map((d) => d.update.organizationId), toDisable.map((d) => d.update.endpointId), toDisable.map((d) => d.reason)],
    );
    return disabled.map((d) => ({
      organizationId: d.organization_id,
      id: d.id,
      mode: d.mode,
      url: d.url,
      version: d.version,
      reason: d.disabled_reason,
      notify: byId.get(d.id)!.notify,
    }));
  }

  async findById(organizationId: string, id: string) {
    const rows: Array<Record<string, unknown>> = await this.db.query(
      'SELECT * FROM deliveries WHERE organization_id = $1 AND id = $2',
      [organizationId, id],
    );
    return rows[0] ?? null;
  }
}
