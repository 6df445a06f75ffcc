// The admin API's own OpenAPI document, read as a list of operations: the fuzz and the tenant matrix
// derive their routes from it, so a route added to the service is covered without touching them.

export interface Schema {
  $ref?: string;
  type?: string;
  format?: string;
  enum?: unknown[];
  example?: unknown;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  maxLength?: number;
  maxItems?: number;
  maxProperties?: number;
  minimum?: number;
  maximum?: number;
  nullable?: boolean;
}

interface RawParameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: Schema;
}

interface RawOperation {
  parameters?: RawParameter[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
  security?: Array<Record<string, string[]>>;
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, RawOperation>>;
  components?: { schemas?: Record<string, Schema>; securitySchemes?: Record<string, unknown> };
}

export interface Parameter {
  name: string;
  required: boolean;
  schema: Schema;
}

export interface Operation {
  method: string;
  /** As in the document: `/v1/endpoints/{id}`. */
  path: string;
  pathParams: Parameter[];
  query: Parameter[];
  headers: Parameter[];
  /** The JSON body's schema with every `$ref` resolved, when the operation takes a body. */
  body?: Schema;
  /** The security scheme that authorizes it (`apiKey` for organization routes, `platformAdmin` for the platform's). */
  auth: string;
}

export const describeOperation = (op: Pick<Operation, 'method' | 'path'>): string => `${op.method} ${op.path}`;

export async function fetchOpenApi(apiUrl: string): Promise<OpenApiDocument> {
  const res = await fetch(`${apiUrl}/openapi.json`);
  if (!res.ok) throw new Error(`GET /openapi.json answered ${res.status}`);
  return (await res.json()) as OpenApiDocument;
}

/** Every operation of the document, with `$ref`s resolved. */
export function operationsOf(doc: OpenApiDocument): Operation[] {
  const resolve = (schema: Schema | undefined, depth = 0): Schema => {
    if (!schema) return {};
    if (depth > 20) throw new Error('the OpenAPI document has a $ref cycle deeper than 20');
    if (schema.$ref) {
      const name = schema.$ref.replace('#/components/schemas/', '');
      const target = doc.components?.schemas?.[name];
      if (!target) throw new Error(`the OpenAPI document refers to a missing schema ${schema.$ref}`);
      return resolve(target, depth + 1);
    }
    return {
      ...schema,
      ...(schema.items ? { items: resolve(schema.items, depth + 1) } : {}),
      ...(schema.properties ? { properties: Object.fromEntries(Object.entries(schema.properties).map(([k, v]) => [k, resolve(v, depth + 1)])) } : {}),
      ...(typeof schema.additionalProperties === 'object' ? { additionalProperties: resolve(schema.additionalProperties, depth + 1) } : {}),
    };
  };
  return Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, raw]) => {
      const params = (where: RawParameter['in']) =>
        (raw.parameters ?? []).filter((p) => p.in === where).map((p) => ({ name: p.name, required: p.required ?? false, schema: resolve(p.schema) }));
      const schemes = (raw.security ?? []).flatMap((s) => Object.keys(s));
      if (schemes.length !== 1) throw new Error(`${method.toUpperCase()} ${path} names ${schemes.length} security schemes; the tests expect exactly one`);
      const json = raw.requestBody?.content?.['application/json']?.schema;
      return {
        method: method.toUpperCase(),
        path,
        pathParams: params('path'),
        query: params('query'),
        headers: params('header'),
        body: json ? resolve(json) : undefined,
        auth: schemes[0],
      };
    }),
  );
}

/** `/v1/endpoints/{id}/test` with `{id: 'ep_1'}` → `/v1/endpoints/ep_1/test`; values are sent as given (encode them first). */
export function fillPath(path: string, values: Record<string, string>): string {
  return path.replace(/\{(\w+)\}/g, (_all, name: string) => {
    if (!(name in values)) throw new Error(`no value for path parameter {${name}} of ${path}`);
    return values[name];
  });
}

/** The collection a path parameter names a member of: `/v1/endpoints/{id}/test` → `endpoints`. */
export function collectionOf(path: string, param: string): string {
  const segments = path.split('/');
  const at = segments.indexOf(`{${param}}`);
  if (at < 1) throw new Error(`${path} has no {${param}}`);
  return segments[at - 1];
}

// Values the schema cannot express (a URL the test policy accepts, a range in the past).
export type Overrides = Record<string, () => unknown>;

/** A value the schema describes as valid, built from its examples, enums and formats. */
export function validValue(schema: Schema, name: string, overrides: Overrides): unknown {
  if (overrides[name]) return overrides[name]();
  if (schema.enum && schema.enum.length > 0) return schema.enum[0];
  if (schema.example !== undefined) return schema.example;
  switch (schema.type) {
    case 'string':
      return schema.format === 'date-time' ? new Date().toISOString() : 'x';
    case 'integer':
    case 'number':
      return schema.minimum ?? 1;
    case 'boolean':
      return true;
    case 'array':
      return [validValue(schema.items ?? { type: 'string' }, name, overrides)];
    case 'object':
    default:
      if (schema.properties) {
        return Object.fromEntries(Object.entries(schema.properties).map(([k, v]) => [k, validValue(v, k, overrides)]));
      }
      if (typeof schema.additionalProperties === 'object') return { 'x-example': validValue(schema.additionalProperties, 'x-example', overrides) };
      return {};
  }
}
