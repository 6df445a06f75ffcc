import { DomainEvent } from '@app/contracts';
import { compileEventSchema, describeViolations, SchemaTest } from '@app/event-rules';
import { EventCheck } from './prepare-event';

/** A type's entry in the event-type catalog, as far as the check needs it. */
export interface CatalogSchema {
  schema: unknown;
  version: number;
}

/** Where the check reads a type's schema (null: the type has none, or is not in the catalog). */
export type SchemaSource = (type: string) => Promise<CatalogSchema | null>;

/**
 * The event type's JSON Schema as an EventCheck (SPEC §10): an event whose `data` breaks it is refused
 * before it is sent, naming `data` and the violations, instead of being quarantined by the fan-out.
 * A schema is compiled once per type and version, with the same compiler the fan-out uses.
 */
export function catalogSchemaCheck(source: SchemaSource): EventCheck {
  const compiled = new Map<string, { version: number; test: SchemaTest | null }>();
  return async (event: DomainEvent) => {
    const entry = await source(event.type);
    if (!entry || entry.schema === null || entry.schema === undefined) return null;
    let cached = compiled.get(event.type);
    if (!cached || cached.version !== entry.version) {
      const result = compileEventSchema(entry.schema);
      // A schema the catalog accepted always compiles; one that does not is not this event's fault.
      cached = { version: entry.version, test: result.ok ? result.value : null };
      compiled.set(event.type, cached);
    }
    const violations = cached.test?.(event.data);
    if (!violations) return null;
    return { field: 'data', reason: `data does not match the schema of ${event.type} (version ${entry.version}): ${describeViolations(violations)}` };
  };
}

/**
 * Reads the catalog from the admin API (`GET /v1/event-types`), at most once per `refreshMs`, so a
 * service checks against the schemas its operator published. A read that fails keeps the last catalog.
 */
export function adminApiSchemaSource(apiUrl: string, apiKey: string, refreshMs = 60_000): SchemaSource {
  let catalog = new Map<string, CatalogSchema>();
  let readAt = -Infinity;
  const refresh = async (): Promise<void> => {
    const res = await fetch(new URL('/v1/event-types', apiUrl), { headers: { authorization: `Bearer ${apiKey}` } });
    if (!res.ok) throw new Error(`GET /v1/event-types answered ${res.status}`);
    const body = (await res.json()) as { data: Array<{ name: string; schema?: unknown; version?: number }> };
    catalog = new Map(body.data.map((t) => [t.name, { schema: t.schema ?? null, version: t.version ?? 0 }]));
    readAt = Date.now();
  };
  return async (type) => {
    if (Date.now() - readAt >= refreshMs) {
      try {
        await refresh();
      } catch (err) {
        if (readAt === -Infinity) throw err;
        readAt = Date.now(); // the last catalog serves until the next try, a refresh period later
      }
    }
    return catalog.get(type) ?? null;
  };
}
