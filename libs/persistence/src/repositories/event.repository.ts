import { Injectable } from '@nestjs/common';
import { DataSource, QueryFailedError } from 'typeorm';
import { DomainEvent } from '@app/contracts';
import { preparedQuery } from './prepared-query';

export interface IncomingEvent {
  event: DomainEvent;
  topic: string;
  partition: number;
  offset: string;
}

/** An event PostgreSQL would not store (a NUL character, a year 0 date, ...), with its error. */
export interface RefusedEvent {
  item: IncomingEvent;
  reason: string;
}

export interface RecordedBatch {
  /** Inserted now, or already stored from this very Kafka record: fan these out. */
  toFanOut: IncomingEvent[];
  refused: RefusedEvent[];
}

/**
 * The event log's insert (one statement: insert what is new, read back who owns each id). `LIMIT $2`, the batch's
 * size, changes no result: it tells the planner how many rows `json_to_recordset` yields (it assumes 100 whatever
 * the batch), so the ids are looked up by primary key instead of in a hash join over a scan of the whole table,
 * which it chose for a small event log (decision 0036). Exported for the test of its plan.
 */
export const RECORD_EVENTS_SQL = `
WITH incoming AS (
  SELECT * FROM json_to_recordset($1::json)
    AS t(organization_id text, id text, type text, mode text, data jsonb, occurred_at timestamptz, source_topic text, source_partition int, source_offset bigint)
    LIMIT $2
), inserted AS (
  INSERT INTO events (organization_id, id, type, mode, data, occurred_at, source_topic, source_partition, source_offset)
  SELECT organization_id, id, type, mode, data, occurred_at, source_topic, source_partition, source_offset FROM incoming
  ON CONFLICT (organization_id, id) DO NOTHING
  RETURNING organization_id, id, source_topic, source_partition, source_offset
)
SELECT organization_id, id, source_topic, source_partition, source_offset::text FROM inserted
UNION ALL
SELECT e.organization_id, e.id, e.source_topic, e.source_partition, e.source_offset::text
  FROM events e JOIN incoming i ON e.organization_id = i.organization_id AND e.id = i.id`;

@Injectable()
export class EventRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * Writes a batch to the event log and returns the events to fan out: those inserted now, plus
   * those already stored from this very Kafka record (a re-read after a crash whose Kafka
   * transaction was aborted). A second publish of the same id from another record is a duplicate
   * and is not returned.
   *
   * A value that passed validation can still be refused by PostgreSQL (`\u0000` in JSON, a year
   * the timestamp type lacks). Failing the whole batch would re-read and fail it forever, so the
   * batch is split until the refused events are isolated; the caller quarantines them.
   */
  async recordBatch(batch: readonly IncomingEvent[]): Promise<RecordedBatch> {
    // Within one batch a repeated id keeps its first record only.
    const unique = new Map<string, IncomingEvent>();
    for (const item of batch) {
      const key = eventKey(item.event.organizationId, item.event.id);
      if (!unique.has(key)) unique.set(key, item);
    }
    const result: RecordedBatch = { toFanOut: [], refused: [] };
    await this.recordIsolatingRefusals([...unique.values()], result);
    return result;
  }

  private async recordIsolatingRefusals(items: IncomingEvent[], into: RecordedBatch): Promise<void> {
    if (items.length === 0) return;
    try {
      into.toFanOut.push(...(await this.insert(items)));
    } catch (err) {
      if (!isDataException(err)) throw err;
      if (items.length === 1) {
        into.refused.push({ item: items[0], reason: (err as Error).message });
        return;
      }
      const half = Math.ceil(items.length / 2);
      await this.recordIsolatingRefusals(items.slice(0, half), into);
      await this.recordIsolatingRefusals(items.slice(half), into);
    }
  }

  /**
   * One statement: insert what is new, and read back who owns each id. The batch travels as one
   * JSON document: pg's escaping of nine array parameters cost several times the client CPU
   * (decision 0006).
   */
  private async insert(items: readonly IncomingEvent[]): Promise<IncomingEvent[]> {
    const batch = JSON.stringify(
      items.map((i) => ({
        organization_id: i.event.organizationId,
        id: i.event.id,
        type: i.event.type,
        mode: i.event.mode,
        data: i.event.data,
        occurred_at: i.event.occurredAt,
        source_topic: i.topic,
        source_partition: i.partition,
        source_offset: i.offset,
      })),
    );
    const rows = await preparedQuery<{ organization_id: string; id: string; source_topic: string; source_partition: number; source_offset: string }>(
      this.db,
      'events.record-batch',
      RECORD_EVENTS_SQL,
      [batch, items.length],
    );
    // A row inserted by this statement is invisible to the JOIN branch (same snapshot), so each
    // event appears once: from `inserted` when new, from `events` when it was already there. A row
    // a concurrent statement inserted after this one's snapshot appears in neither (the insert waited
    // for it, then did nothing). That row may come from another record with the same id (a duplicate)
    // or from this very record, read at the same moment by a stale instance that lost the partition:
    // taking it for a duplicate would log the event and fan it out nowhere. So those ids are read again
    // in a new statement, which sees the committed row and its source.
    const owner = new Map(rows.map((r) => [eventKey(r.organization_id, r.id), sourceKey(r.source_topic, r.source_partition, r.source_offset)]));
    const unseen = items.filter((i) => !owner.has(eventKey(i.event.organizationId, i.event.id)));
    if (unseen.length > 0) {
      const keys = JSON.stringify(unseen.map((i) => ({ organization_id: i.event.organizationId, id: i.event.id })));
      const again: typeof rows = await this.db.query(
        `SELECT e.organization_id, e.id, e.source_topic, e.source_partition, e.source_offset::text
           FROM events e JOIN json_to_recordset($1::json) AS k(organization_id text, id text)
             ON e.organization_id = k.organization_id AND e.id = k.id`,
        [keys],
      );
      for (const r of again) owner.set(eventKey(r.organization_id, r.id), sourceKey(r.source_topic, r.source_partition, r.source_offset));
    }
    return items.filter((i) => owner.get(eventKey(i.event.organizationId, i.event.id)) === sourceKey(i.topic, i.partition, i.offset));
  }
}

function eventKey(organizationId: string, id: string): string {
  return `${organizationId}\u0000${id}`;
}

function sourceKey(topic: string, partition: number, offset: string): string {
  return `${topic}/${partition}/${offset}`;
}

/** SQLSTATE class 22: the statement failed because of a value, not because of the database. */
function isDataException(err: unknown): boolean {
  const code = err instanceof QueryFailedError ? (err.driverError as { code?: unknown }).code : undefined;
  return typeof code === 'string' && code.startsWith('22');
}
