import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ALL_EVENT_TYPES, DomainEvent, Mode } from '@app/contracts';
import { KeysetPage, TimeKey, timeKeySql } from './history-key';

export interface StoredEvent {
  organizationId: string;
  id: string;
  type: string;
  mode: Mode;
  data: Record<string, unknown>;
  occurredAt: Date;
  receivedAt: Date;
  /** The position of this event in the log, for the next page. */
  key: TimeKey;
}

export interface EventFilter {
  type?: string;
  mode?: Mode;
  /** Received at or after. */
  from?: Date;
  /** Received before. */
  to?: Date;
}

/** What a replay re-delivers: the endpoint's mode and types, one range of the log. */
export interface ReplaySelection {
  endpointId: string;
  mode: Mode;
  eventTypes: readonly string[];
  from: Date;
  to: Date;
}

export interface ReplayCandidate {
  event: StoredEvent;
  /** Attempts already made for this event at this endpoint (0 when it was never attempted). */
  attemptCount: number;
}

/** Where an event that did not come from a domain topic (a test event) says it came from. */
export const API_EVENT_SOURCE = { topic: 'api:test-event', partition: -1, offset: '-1' } as const;

interface EventRowSql {
  organization_id: string;
  id: string;
  type: string;
  mode: Mode;
  data: Record<string, unknown>;
  occurred_at: Date;
  received_at: Date;
  received_key: string;
  attempt_count?: number;
}

const EVENT_COLUMNS = `e.organization_id, e.id, e.type, e.mode, e.data, e.occurred_at, e.received_at, ${timeKeySql('e.received_at')} AS received_key`;

/** Reads of the event log for the history API and replays. Every query names the organization. */
@Injectable()
export class EventHistoryRepository {
  constructor(private readonly db: DataSource) {}

  /** Up to `limit` events, newest first (by time received), after or before a position (see KeysetPage). */
  async list(organizationId: string, filter: EventFilter, page: KeysetPage<TimeKey>): Promise<StoredEvent[]> {
    const where = ['e.organization_id = $1'];
    const params: unknown[] = [organizationId];
    const add = (sql: (n: string) => string, value: unknown) => {
      params.push(value);
      where.push(sql(`$${params.length}`));
    };
    if (filter.type) add((n) => `e.type = ${n}`, filter.type);
    if (filter.mode) add((n) => `e.mode = ${n}`, filter.mode);
    if (filter.from) add((n) => `e.received_at >= ${n}`, filter.from.toISOString());
    if (filter.to) add((n) => `e.received_at < ${n}`, filter.to.toISOString());
    // Newest first: the next page is older, going back reads newer rows upwards.
    const back = page.from?.direction === 'prev';
    if (page.from) {
      params.push(page.from.key.at, page.from.key.id);
      where.push(`(e.received_at, e.id) ${back ? '>' : '<'} ($${params.length - 1}::timestamptz, $${params.length})`);
    }
    params.push(page.limit);
    const order = back ? 'ASC' : 'DESC';
    const rows: EventRowSql[] = await this.db.query(
      `SELECT ${EVENT_COLUMNS} FROM events e WHERE ${where.join(' AND ')}
       ORDER BY e.received_at ${order}, e.id ${order} LIMIT $${params.length}`,
      params,
    );
    const events = rows.map(toStoredEvent);
    return back ? events.reverse() : events;
  }

  async findById(organizationId: string, id: string): Promise<StoredEvent | null> {
    const rows: EventRowSql[] = await this.db.query(`SELECT ${EVENT_COLUMNS} FROM events e WHERE e.organization_id = $1 AND e.id = $2`, [organizationId, id]);
    return rows[0] ? toStoredEvent(rows[0]) : null;
  }

  /** Stores an event made by the API (a test event), so it is listed and can be resent like any other. */
  async insertApiEvent(event: DomainEvent): Promise<StoredEvent> {
    const rows: EventRowSql[] = await this.db.query(
      `INSERT INTO events AS e (organization_id, id, type, mode, data, occurred_at, source_topic, source_partition, source_offset)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       RETURNING ${EVENT_COLUMNS}`,
      [event.organizationId, event.id, event.type, event.mode, JSON.stringify(event.data), event.occurredAt, API_EVENT_SOURCE.topic, API_EVENT_SOURCE.partition, API_EVENT_SOURCE.offset],
    );
    return toStoredEvent(rows[0]);
  }

  /** How many events a replay would re-deliver, counting no further than `cap` (the caller refuses more). */
  async countForReplay(organizationId: string, selection: ReplaySelection, cap: number): Promise<number> {
    const { sql, params } = replayWhere(organizationId, selection);
    const rows: Array<{ n: number }> = await this.db.query(
      `SELECT count(*)::int AS n FROM (SELECT 1 FROM events e WHERE ${sql} LIMIT $${params.length + 1}) capped`,
      [...params, cap],
    );
    return rows[0].n;
  }

  /**
   * The next `limit` events of a replay, oldest first (so receivers see them in their original order),
   * after `after`, each with the attempts its delivery to the endpoint already had.
   */
  async replayBatch(organizationId: string, selection: ReplaySelection, after: TimeKey | null, limit: number): Promise<ReplayCandidate[]> {
    const { sql, params } = replayWhere(organizationId, selection);
    const all = [...params, selection.endpointId];
    const endpointParam = `$${all.length}`;
    let keyset = '';
    if (after) {
      all.push(after.at, after.id);
      keyset = ` AND (e.received_at, e.id) > ($${all.length - 1}::timestamptz, $${all.length})`;
    }
    all.push(limit);
    const rows: EventRowSql[] = await this.db.query(
      `SELECT ${EVENT_COLUMNS}, COALESCE(d.attempt_count, 0) AS attempt_count
         FROM events e
         LEFT JOIN deliveries d ON d.organization_id = e.organization_id AND d.event_id = e.id AND d.endpoint_id = ${endpointParam}
        WHERE ${sql}${keyset}
        ORDER BY e.received_at, e.id
        LIMIT $${all.length}`,
      all,
    );
    return rows.map((r) => ({ event: toStoredEvent(r), attemptCount: Number(r.attempt_count ?? 0) }));
  }
}

function replayWhere(organizationId: string, s: ReplaySelection): { sql: string; params: unknown[] } {
  const params: unknown[] = [organizationId, s.mode, s.from.toISOString(), s.to.toISOString()];
  // Test events were meant for one endpoint each: a replay re-delivers domain events only.
  params.push(API_EVENT_SOURCE.topic);
  let sql = `e.organization_id = $1 AND e.mode = $2 AND e.received_at >= $3 AND e.received_at < $4 AND e.source_topic <> $${params.length}`;
  if (!s.eventTypes.includes(ALL_EVENT_TYPES)) {
    params.push([...s.eventTypes]);
    sql += ` AND e.type = ANY($${params.length}::text[])`;
  }
  return { sql, params };
}

function toStoredEvent(r: EventRowSql): StoredEvent {
  return {
    organizationId: r.organization_id,
    id: r.id,
    type: r.type,
    mode: r.mode,
    data: r.data,
    occurredAt: r.occurred_at,
    receivedAt: r.received_at,
    key: { at: r.received_key, id: r.id },
  };
}
