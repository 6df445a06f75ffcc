import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DomainEvent } from '@app/contracts';

export interface IncomingEvent {
  event: DomainEvent;
  topic: string;
  partition: number;
  offset: string;
}

@Injectable()
export class EventRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * Writes a batch to the event log in one statement and returns the events to fan out:
   * those inserted now, plus those already stored from this very Kafka record (a re-read after a
   * crash whose Kafka transaction was aborted). A second publish of the same id from another record
   * is a duplicate and is not returned.
   */
  async recordBatch(batch: readonly IncomingEvent[]): Promise<IncomingEvent[]> {
    if (batch.length === 0) return [];
    // Within one batch a repeated id keeps its first record only.
    const unique = new Map<string, IncomingEvent>();
    for (const item of batch) {
      const key = `${item.event.organizationId}\u0000${item.event.id}`;
      if (!unique.has(key)) unique.set(key, item);
    }
    const items = [...unique.values()];
    const rows: Array<{ organization_id: string; id: string; source_topic: string; source_partition: number; source_offset: string }> =
      await this.db.query(
        `WITH incoming AS (
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::jsonb[], $6::timestamptz[], $7::text[], $8::int[], $9::bigint[])
             AS t(organization_id, id, type, mode, data, occurred_at, source_topic, source_partition, source_offset)
         ), inserted AS (
           INSERT INTO events (organization_id, id, type, mode, data, occurred_at, source_topic, source_partition, source_offset)
           SELECT * FROM incoming
           ON CONFLICT (organization_id, id) DO NOTHING
           RETURNING organization_id, id, source_topic, source_partition, source_offset
         )
         SELECT organization_id, id, source_topic, source_partition, source_offset::text FROM inserted
         UNION ALL
         SELECT e.organization_id, e.id, e.source_topic, e.source_partition, e.source_offset::text
           FROM events e JOIN incoming i ON e.organization_id = i.organization_id AND e.id = i.id`,
        [
          items.map((i) => i.event.organizationId),
          items.map((i) => i.event.id),
          items.map((i) => i.event.type),
          items.map((i) => i.event.mode),
          items.map((i) => JSON.stringify(i.event.data)),
          items.map((i) => i.event.occurredAt),
          items.map((i) => i.topic),
          items.map((i) => i.partition),
          items.map((i) => i.offset),
        ],
      );
    // A row inserted by this statement is invisible to the JOIN branch (same snapshot), so each
    // event appears once: from `inserted` when new, from `events` when it was already there.
    const owner = new Map(rows.map((r) => [`${r.organization_id}\u0000${r.id}`, `${r.source_topic}/${r.source_partition}/${r.source_offset}`]));
    return items.filter((i) => owner.get(`${i.event.organizationId}\u0000${i.event.id}`) === `${i.topic}/${i.partition}/${i.offset}`);
  }
}
