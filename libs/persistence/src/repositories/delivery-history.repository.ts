import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DeliveryStatus } from '@app/contracts';
import { KeysetPage, TimeKey, timeKeySql } from './history-key';

export interface StoredDelivery {
  id: string;
  organizationId: string;
  eventId: string;
  /** Null once the event is past retention. */
  eventType: string | null;
  endpointId: string;
  status: DeliveryStatus;
  attemptCount: number;
  lastAttemptAt: Date | null;
  nextAttemptAt: Date | null;
  statusReason: string | null;
  createdAt: Date;
  updatedAt: Date;
  key: TimeKey;
}

export interface StoredAttempt {
  attemptNumber: number;
  startedAt: Date;
  durationMs: number;
  outcome: string;
  statusCode: number | null;
  error: string | null;
  responseExcerpt: string | null;
  retryAfterSeconds: number | null;
}

/** A delivery that is about to be published, made visible before its first attempt records it. */
export interface PendingDelivery {
  id: string;
  organizationId: string;
  eventId: string;
  endpointId: string;
}

interface DeliveryRowSql {
  id: string;
  organization_id: string;
  event_id: string;
  event_type: string | null;
  endpoint_id: string;
  status: DeliveryStatus;
  attempt_count: number;
  last_attempt_at: Date | null;
  next_attempt_at: Date | null;
  status_reason: string | null;
  created_at: Date;
  updated_at: Date;
  created_key: string;
}

const DELIVERY_COLUMNS = `d.id, d.organization_id, d.event_id, e.type AS event_type, d.endpoint_id, d.status, d.attempt_count,
  d.last_attempt_at, d.next_attempt_at, d.status_reason, d.created_at, d.updated_at, ${timeKeySql('d.created_at')} AS created_key`;
// LEFT: a delivery outlives neither its event nor retention by much, but may briefly do so.
const DELIVERY_FROM = 'deliveries d LEFT JOIN events e ON e.organization_id = d.organization_id AND e.id = d.event_id';

/** Reads of deliveries and attempts for the history API. Every query names the organization. */
@Injectable()
export class DeliveryHistoryRepository {
  constructor(private readonly db: DataSource) {}

  async findById(organizationId: string, id: string): Promise<StoredDelivery | null> {
    const rows: DeliveryRowSql[] = await this.db.query(`SELECT ${DELIVERY_COLUMNS} FROM ${DELIVERY_FROM} WHERE d.organization_id = $1 AND d.id = $2`, [
      organizationId,
      id,
    ]);
    return rows[0] ? toStoredDelivery(rows[0]) : null;
  }

  /** Every attempt of a delivery, oldest first. */
  async attempts(organizationId: string, deliveryId: string): Promise<StoredAttempt[]> {
    const rows: Array<{
      attempt_number: number;
      started_at: Date;
      duration_ms: number;
      outcome: string;
      status_code: number | null;
      error: string | null;
      response_excerpt: string | null;
      retry_after_seconds: number | null;
    }> = await this.db.query(
      `SELECT attempt_number, started_at, duration_ms, outcome, status_code, error, response_excerpt, retry_after_seconds
         FROM attempts WHERE organization_id = $1 AND delivery_id = $2
        ORDER BY started_at, attempt_number, id`,
      [organizationId, deliveryId],
    );
    return rows.map((r) => ({
      attemptNumber: r.attempt_number,
      startedAt: r.started_at,
      durationMs: r.duration_ms,
      outcome: r.outcome,
      statusCode: r.status_code,
      error: r.error,
      responseExcerpt: r.response_excerpt,
      retryAfterSeconds: r.retry_after_seconds,
    }));
  }

  /** Up to `limit` deliveries of one endpoint, newest first, after or before a position (see KeysetPage). */
  async listForEndpoint(
    organizationId: string,
    endpointId: string,
    filter: { status?: DeliveryStatus },
    page: KeysetPage<TimeKey>,
  ): Promise<StoredDelivery[]> {
    const params: unknown[] = [organizationId, endpointId];
    const where = ['d.organization_id = $1', 'd.endpoint_id = $2'];
    if (filter.status) {
      params.push(filter.status);
      where.push(`d.status = $${params.length}`);
    }
    const back = page.from?.direction === 'prev';
    if (page.from) {
      params.push(page.from.key.at, page.from.key.id);
      where.push(`(d.created_at, d.id) ${back ? '>' : '<'} ($${params.length - 1}::timestamptz, $${params.length})`);
    }
    params.push(page.limit);
    const order = back ? 'ASC' : 'DESC';
    const rows: DeliveryRowSql[] = await this.db.query(
      `SELECT ${DELIVERY_COLUMNS} FROM ${DELIVERY_FROM} WHERE ${where.join(' AND ')}
       ORDER BY d.created_at ${order}, d.id ${order} LIMIT $${params.length}`,
      params,
    );
    const deliveries = rows.map(toStoredDelivery);
    return back ? deliveries.reverse() : deliveries;
  }

  /** The deliveries of one event (one per endpoint it went to), at most `limit`. */
  async listForEvent(organizationId: string, eventId: string, limit: number): Promise<StoredDelivery[]> {
    const rows: DeliveryRowSql[] = await this.db.query(
      `SELECT ${DELIVERY_COLUMNS} FROM ${DELIVERY_FROM} WHERE d.organization_id = $1 AND d.event_id = $2
       ORDER BY d.created_at, d.id LIMIT $3`,
      [organizationId, eventId, limit],
    );
    return rows.map(toStoredDelivery);
  }

  /**
   * Creates `pending` rows for deliveries just published, so a test event or a replay shows at once.
   * A row that exists (the delivery was attempted before, or already now) is left as it is; the
   * delivery service's record of the attempt moves it on, since it only moves attempt counts forward.
   */
  async insertPending(deliveries: readonly PendingDelivery[]): Promise<void> {
    if (deliveries.length === 0) return;
    await this.db.query(
      `INSERT INTO deliveries (id, organization_id, event_id, endpoint_id, status, attempt_count)
       SELECT id, organization_id, event_id, endpoint_id, 'pending', 0
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS t(id, organization_id, event_id, endpoint_id)
       ON CONFLICT DO NOTHING`,
      [deliveries.map((d) => d.id), deliveries.map((d) => d.organizationId), deliveries.map((d) => d.eventId), deliveries.map((d) => d.endpointId)],
    );
  }
}

function toStoredDelivery(r: DeliveryRowSql): StoredDelivery {
  return {
    id: r.id,
    organizationId: r.organization_id,
    eventId: r.event_id,
    eventType: r.event_type,
    endpointId: r.endpoint_id,
    status: r.status,
    attemptCount: r.attempt_count,
    lastAttemptAt: r.last_attempt_at,
    nextAttemptAt: r.next_attempt_at,
    statusReason: r.status_reason,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    key: { at: r.created_key, id: r.id },
  };
}
