import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { EventTypeEntity } from '../entities';

@Injectable()
export class EventTypeRepository {
  constructor(private readonly db: DataSource) {}

  async list(): Promise<EventTypeEntity[]> {
    return this.db.getRepository(EventTypeEntity).find({ order: { name: 'ASC' } });
  }

  /** The names among `names` that are not in the catalog. */
  async unknown(names: readonly string[]): Promise<string[]> {
    if (names.length === 0) return [];
    const rows: Array<{ name: string }> = await this.db.query('SELECT name FROM event_types WHERE name = ANY($1)', [names]);
    const known = new Set(rows.map((r) => r.name));
    return names.filter((n) => !known.has(n));
  }
}
