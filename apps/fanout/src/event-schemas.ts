import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { compileEventSchema, SchemaTest, SchemaViolation } from '@app/event-rules';
import { APP_LOGGER } from '@app/messaging';
import { EventTypeRepository } from '@app/persistence';

interface Compiled {
  version: number;
  /** Null when the stored schema does not compile (it was checked when stored; logged once). */
  test: SchemaTest | null;
}

export interface SchemaVerdict {
  version: number;
  violations: SchemaViolation[];
}

/**
 * The catalog's schemas, compiled once per (type, version), so validating an event's `data` costs no
 * database round trip and no compile. Which version is current is read from the database as a whole
 * (the catalog is a short list): again after an event-type notice on the change feed, and after the
 * TTL as a safety net. While the database is away the last read is served (stale-if-error).
 */
@Injectable()
export class EventSchemas {
  private current: Promise<Map<string, Compiled>> | null = null;
  private loadedAt = 0;
  private ttlMs = 60_000;
  private readonly compiled = new Map<string, Compiled>();
  private loadedOnce = false;

  constructor(
    private readonly eventTypes: EventTypeRepository,
    @Inject(APP_LOGGER) private readonly logger: Logger,
  ) {}

  setTtl(ms: number): void {
    this.ttlMs = ms;
  }

  invalidate(): void {
    this.current = null;
  }

  /** Null when `data` may go on (no schema, or it matches); otherwise what is wrong. */
  async check(type: string, data: unknown): Promise<SchemaVerdict | null> {
    const schema = (await this.catalog()).get(type);
    const violations = schema?.test?.(data);
    return schema && violations ? { version: schema.version, violations } : null;
  }

  private catalog(): Promise<Map<string, Compiled>> {
    if (this.current && Date.now() - this.loadedAt < this.ttlMs) return this.current;
    const loading = this.load();
    this.current = loading;
    this.loadedAt = Date.now();
    loading.catch(() => {
      if (this.current === loading) this.current = null;
    });
    return loading;
  }

  private async load(): Promise<Map<string, Compiled>> {
    let rows;
    try {
      rows = await this.eventTypes.schemas();
    } catch (err) {
      if (this.loadedOnce) return new Map(this.compiled);
      throw err;
    }
    this.loadedOnce = true;
    const now = new Map<string, Compiled>();
    for (const row of rows) {
      const known = this.compiled.get(row.name);
      if (known && known.version === row.version) {
        now.set(row.name, known);
        continue;
      }
      const result = compileEventSchema(row.schema);
      if (!result.ok) this.logger.error({ eventType: row.name, version: row.version, problem: result.problem }, 'a stored event-type schema does not compile; its events pass unchecked');
      now.set(row.name, { version: row.version, test: result.ok ? result.value : null });
    }
    this.compiled.clear();
    for (const [name, entry] of now) this.compiled.set(name, entry);
    return now;
  }
}
