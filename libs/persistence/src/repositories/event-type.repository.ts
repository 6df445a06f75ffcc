import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { EventTypeEntity } from '../entities';

/** What `PUT /v1/event-types/{type}` sets: the whole entry (absent parts are cleared). */
export interface EventTypeDefinition {
  description: string;
  schema: Record<string, unknown> | null;
  example: Record<string, unknown> | null;
}

/** A type's schema as the fan-out needs it: compiled once per version. */
export interface EventTypeSchemaRow {
  name: string;
  version: number;
  schema: Record<string, unknown>;
}

@Injectable()
export class EventTypeRepository {
  constructor(private readonly db: DataSource) {}

  async list(): Promise<EventTypeEntity[]> {
    return this.db.getRepository(EventTypeEntity).find({ order: { name: 'ASC' } });
  }

  async findByName(name: string): Promise<EventTypeEntity | null> {
    return this.db.getRepository(EventTypeEntity).findOne({ where: { name } });
  }

  /** Creates the type or replaces its definition; returns it and whether it is new. */
  async put(name: string, definition: EventTypeDefinition): Promise<{ entity: EventTypeEntity; created: boolean }> {
    const rows: Array<{ created: boolean }> = await this.db.query(
      `INSERT INTO event_types (name, description, schema, example) VALUES ($1, $2, $3, $4)
       ON CONFLICT (name) DO UPDATE SET description = EXCLUDED.description, schema = EXCLUDED.schema, example = EXCLUDED.example,
         version = event_types.version + 1, updated_at = now()
       RETURNING (xmax = 0) AS created`,
      [name, definition.description, json(definition.schema), json(definition.example)],
    );
    return { entity: (await this.findByName(name)) as EventTypeEntity, created: rows[0].created };
  }

  /** Every type that has a schema (the catalog is a short reference list, read whole). */
  async schemas(): Promise<EventTypeSchemaRow[]> {
    return this.db.query('SELECT name, version, schema FROM event_types WHERE schema IS NOT NULL');
  }

  /** The names among `names` that are not in the catalog. */
  async unknown(names: readonly string[]): Promise<string[]> {
    if (names.length === 0) return [];
    const rows: Array<{ name: string }> = await this.db.query('SELECT name FROM event_types WHERE name = ANY($1)', [names]);
    const known = new Set(rows.map((r) => r.name));
    return names.filter((n) => !known.has(n));
  }
}

function json(value: Record<string, unknown> | null): string | null {
  return value === null ? null : JSON.stringify(value);
}
