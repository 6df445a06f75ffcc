import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** A strict endpoint's delivery handed to its durable queue. */
export interface ParkedDelivery {
  organizationId: string;
  endpointId: string;
  deliveryId: string;
  /** The Kafka message it came from ("topic/partition/offset"): parking it again is a no-op. */
  source: string;
  /** The encoded delivery message. */
  message: string;
  /** Not attempted before (epoch ms); the fetch time for a new delivery. */
  dueAt: number;
}

export interface QueuedDelivery {
  seq: string;
  organizationId: string;
  endpointId: string;
  deliveryId: string;
  message: string;
  dueAt: Date;
}

export interface StrictEndpointRef {
  organizationId: string;
  endpointId: string;
}

/**
 * The durable queue of strict endpoints (SPEC §10 `ordering: "strict"`) and the leases that let one
 * delivery instance at a time drain an endpoint's queue. Leases are judged by the database clock, so
 * the instances' clocks do not matter.
 */
@Injectable()
export class StrictQueueRepository {
  constructor(private readonly db: DataSource) {}

  /** Appends in the given order (`seq` grows with it); rows parked before are left as they are. */
  async park(rows: readonly ParkedDelivery[]): Promise<void> {
    if (rows.length === 0) return;
    await this.db.query(
      `INSERT INTO strict_queue (organization_id, endpoint_id, delivery_id, source, message, due_at)
       SELECT o, e, d, s, m, to_timestamp(t / 1000.0)
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::float8[]) WITH ORDINALITY AS u(o, e, d, s, m, t, n)
       ORDER BY n
       ON CONFLICT (source) DO NOTHING`,
      [rows.map((r) => r.organizationId), rows.map((r) => r.endpointId), rows.map((r) => r.deliveryId), rows.map((r) => r.source), rows.map((r) => r.message), rows.map((r) => r.dueAt)],
    );
  }

  /** The endpoint's first delivery in order, due or not. */
  async head(organizationId: string, endpointId: string): Promise<QueuedDelivery | null> {
    const rows: Array<{ seq: string; organization_id: string; endpoint_id: string; delivery_id: string; message: string; due_at: Date }> = await this.db.query(
      'SELECT seq, organization_id, endpoint_id, delivery_id, message, due_at FROM strict_queue WHERE organization_id = $1 AND endpoint_id = $2 AND done_at IS NULL ORDER BY seq LIMIT 1',
      [organizationId, endpointId],
    );
    const r = rows[0];
    return r ? { seq: String(r.seq), organizationId: r.organization_id, endpointId: r.endpoint_id, deliveryId: r.delivery_id, message: r.message, dueAt: r.due_at } : null;
  }

  /** It leaves the queue; the row stays until `prune`, so parking the same Kafka message again is still a no-op. */
  async remove(organizationId: string, seq: string): Promise<void> {
    await this.db.query('UPDATE strict_queue SET done_at = now() WHERE organization_id = $1 AND seq = $2', [organizationId, seq]);
  }

  /** Forgets deliveries done longer ago than `olderThanMs` (by then their Kafka offsets are long committed). */
  async prune(olderThanMs: number, limit = 10_000): Promise<number> {
    const rows: unknown[] = await this.db.query(
      `DELETE FROM strict_queue WHERE seq IN (SELECT seq FROM strict_queue WHERE done_at < now() - $1 * interval '1 millisecond' LIMIT $2) RETURNING 1`,
      [olderThanMs, limit],
    );
    return rows.length;
  }

  /** The head failed and is retried later: it stays the head, with its next attempt's message. */
  async reschedule(organizationId: string, seq: string, message: string, dueAt: number): Promise<void> {
    await this.db.query('UPDATE strict_queue SET message = $3, due_at = to_timestamp($4 / 1000.0) WHERE organization_id = $1 AND seq = $2', [organizationId, seq, message, dueAt]);
  }

  /** Takes or renews the endpoint's lease; false when another holder's lease has not expired. */
  async takeLease(endpointId: string, holder: string, ms: number): Promise<boolean> {
    const rows: unknown[] = await this.db.query(
      `INSERT INTO strict_leases AS l (endpoint_id, holder, expires_at) VALUES ($1, $2, now() + $3 * interval '1 millisecond')
       ON CONFLICT (endpoint_id) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
       WHERE l.holder = EXCLUDED.holder OR l.expires_at < now()
       RETURNING 1`,
      [endpointId, holder, ms],
    );
    return rows.length > 0;
  }

  /** Endpoints with a due delivery whose lease is free, expired or this holder's (orphans of a stopped instance among them). */
  async waiting(holder: string, limit: number): Promise<StrictEndpointRef[]> {
    const rows: Array<{ organization_id: string; endpoint_id: string }> = await this.db.query(
      `SELECT DISTINCT q.organization_id, q.endpoint_id FROM strict_queue q
       LEFT JOIN strict_leases l ON l.endpoint_id = q.endpoint_id
       WHERE q.done_at IS NULL AND q.due_at <= now() AND (l.endpoint_id IS NULL OR l.holder = $1 OR l.expires_at < now())
       LIMIT $2`,
      [holder, limit],
    );
    return rows.map((r) => ({ organizationId: r.organization_id, endpointId: r.endpoint_id }));
  }

  /** For the metrics: deliveries waiting in strict queues, all endpoints. */
  async size(): Promise<number> {
    const rows: Array<{ n: string }> = await this.db.query('SELECT count(*) AS n FROM strict_queue WHERE done_at IS NULL');
    return Number(rows[0].n);
  }
}
