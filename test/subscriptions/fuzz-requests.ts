// The admin API fuzz's generated requests (fast-check arbitraries): values valid at the edges or hostile,
// bodies shaped like the operation's schema or not JSON at all, paths, query strings and headers.
import fc from 'fast-check';
import { gzipSync } from 'node:zlib';
import { PLATFORM_ADMIN_TOKEN } from '../support/stack';
import { Org } from './admin-api';
import { collectionOf, describeOperation, fillPath, Operation, Overrides, Schema, validValue } from './openapi';

export const RECEIVER = 'http://127.0.0.1:9/fuzz';
const CATALOG = ['order.new', 'order.updated', 'customer.created', 'customer.updated', 'product.created', 'product.updated', 'product.deleted'];

const HOSTILE_STRINGS = [
  '', ' ', '\u0000', 'a\u0000b', '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf',
  '../../etc/passwd', "' OR '1'='1", '"; DROP TABLE endpoints; --', '<script>alert(1)</script>', '${7*7}', '{{7*7}}',
  'null', 'undefined', 'NaN', 'Infinity', '-1', '0', '1e309', '0x10', '9007199254740993', '\uD800', '\uDFFF', '\uFEFF',
  '\u202E', '🙂', 'Ω≈ç√∫', 'ǅ', '\r\nX-Injected: 1', '%00', '%', '*', 'order.new', 'whsec_', 'shk_', 'ep_', 'del_',
];
const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }) },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 300_000 }).map((n) => 'x'.repeat(n)) },
);

/** An object that really owns `key`, `__proto__` included (an object literal would set the prototype instead). */
function owning(target: Record<string, unknown>, entries: Array<[string, unknown]>): Record<string, unknown> {
  for (const [key, value] of entries) Object.defineProperty(target, key, { value, enumerable: true, configurable: true, writable: true });
  return target;
}

const nested = (depth: number, leaf: unknown, wrap: (inner: unknown) => unknown): unknown => {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = wrap(value);
  return value;
};

const pollutingKey = fc.constantFrom('__proto__', 'constructor', 'prototype');
const pollutingObject = fc
  .tuple(pollutingKey, fc.jsonValue({ maxDepth: 1 }))
  .map(([key, value]) => owning({}, [[key, key === 'constructor' ? { prototype: { polluted: value } } : { polluted: value }]]));

const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 3, arbitrary: hostileString },
  { weight: 2, arbitrary: fc.constantFrom(null, true, false, 0, -1, 1.5, -0, 1e308, 2 ** 53 + 2, [], {}, [null], ['*'], [[]], [{}], { '': '' }) },
  { weight: 1, arbitrary: fc.integer({ min: 10, max: 3_000 }).map((d) => nested(d, 1, (inner) => ({ a: inner }))) },
  { weight: 1, arbitrary: fc.integer({ min: 10, max: 3_000 }).map((d) => nested(d, 1, (inner) => [inner])) },
  { weight: 1, arbitrary: pollutingObject },
);

const extraKey = fc.oneof(pollutingKey, fc.constantFrom('id', 'organizationId', 'secret', 'version', 'apiKey', 'a.b', '', ' ', '\u0000', '🙂'), fc.string({ maxLength: 12 }));

const HEADER_NAME_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789-_';
const isoBetween = (min: number, max: number) => fc.integer({ min, max }).map((t) => new Date(t).toISOString());
// Spellings ISO 8601 allows that JavaScript's Date may not read, and the ends of the ranges.
const EDGE_DATE_TIMES = [
  '2026-W48-6', '2026-332', '20261128T100000Z', '2026-11-28T10', '2026', '2026-11-28', '2026-11-28T24:00:00Z', '2026-02-30T00:00:00Z',
  '0000-01-01T00:00:00Z', '0001-01-01T00:00:00Z', '9999-12-31T23:59:59.999Z', '+275760-09-13T00:00:00.000Z', '-000001-01-01T00:00:00Z',
  '2026-11-28T10:00:00+14:00', '2026-11-28T10:00:00.123456789Z', '1969-12-31T23:59:59.999Z',
];

// Valid values where the schema alone cannot tell (a URL the test policy accepts, a past range, catalog names).
const OVERRIDES: Overrides = { url: () => RECEIVER };
function validArbitrary(schema: Schema, name: string): fc.Arbitrary<unknown> {
  const now = Date.now();
  if (name === 'url') return fc.constantFrom(RECEIVER, 'http://127.0.0.1:9/a?b=c', 'http://127.0.0.2:9/', 'http://127.0.0.1:9/' + 'p'.repeat(2000));
  if (name === 'eventTypes') return fc.oneof(fc.constant(['*']), fc.uniqueArray(fc.constantFrom(...CATALOG), { minLength: 1 }));
  if (name === 'from') return fc.oneof({ weight: 4, arbitrary: isoBetween(now - 7 * 86_400_000, now - 1_000) }, { weight: 1, arbitrary: fc.constantFrom(...EDGE_DATE_TIMES) });
  if (name === 'to') return fc.oneof({ weight: 4, arbitrary: isoBetween(now - 1_000, now + 86_400_000) }, { weight: 1, arbitrary: fc.constantFrom(...EDGE_DATE_TIMES) });
  if (schema.enum) return fc.constantFrom(...schema.enum);
  if (schema.format === 'date-time') return fc.oneof(isoBetween(0, now + 86_400_000), fc.constantFrom(...EDGE_DATE_TIMES));
  if (schema.type === 'string') return fc.string({ maxLength: Math.min(schema.maxLength ?? 50, 50) });
  if (schema.type === 'integer') return fc.integer({ min: schema.minimum ?? 0, max: schema.maximum ?? 1000 });
  if (schema.type === 'object' && typeof schema.additionalProperties === 'object') {
    const key = fc.string({ unit: fc.constantFrom(...HEADER_NAME_CHARS), minLength: 1, maxLength: 20 }).map((k) => `x-${k}`);
    return fc.dictionary(key, fc.string({ maxLength: 50 }), { maxKeys: 5 });
  }
  return fc.constant(validValue(schema, name, OVERRIDES));
}

export interface Body {
  /** The bytes sent. */
  raw: Buffer;
  /** The parsed value when the bytes are JSON, to find the field names a message may name. */
  value?: unknown;
  encoding?: string;
}

const asJson = (value: unknown): Body => ({ raw: Buffer.from(JSON.stringify(value) ?? 'null'), value });

const RAW_BODIES = [
  '{', '{"a":', '[', 'nul', '{"url": "http://127.0.0.1:9/", "mode":', '{"a":1}garbage', '{"a":"\u0000"}', '\u0000', '{"a":"\\u0000"}',
  '\uFEFF{}', '{}{}', '{"__proto__":{"polluted":true}}', '{"constructor":{"prototype":{"polluted":true}}}', '{"mode":"test","mode":"live"}',
  '1', '"text"', 'true', 'null', '[]', '{}', '{"a":1e999}', '{"a":-0}', '{"\\ud800":"\\udfff"}',
];
const rawBody: fc.Arbitrary<Body> = fc.oneof(
  fc.constantFrom(...RAW_BODIES).map((s) => ({ raw: Buffer.from(s) })),
  fc.string({ unit: 'binary', maxLength: 60 }).map((s) => ({ raw: Buffer.from(s) })),
  fc.integer({ min: 100, max: 40_000 }).map((n) => ({ raw: Buffer.from('['.repeat(n) + ']'.repeat(n)) })),
  fc.integer({ min: 100, max: 40_000 }).map((n) => ({ raw: Buffer.from('{"a":'.repeat(n) + '1' + '}'.repeat(n)) })),
  fc.integer({ min: 100, max: 20_000 }).map((n) => ({ raw: Buffer.from(`{"url":"${RECEIVER}","mode":"test","metadata":${'{"a":'.repeat(n)}1${'}'.repeat(n)}}`) })),
);

/** A body shaped like the schema: each field valid, hostile or absent, and maybe fields it does not have. */
function shapedBody(schema: Schema | undefined): fc.Arbitrary<Body> {
  const properties = Object.entries(schema?.properties ?? {});
  const fields = fc.tuple(
    ...properties.map(([name, prop]) =>
      fc.option(fc.oneof({ weight: 3, arbitrary: validArbitrary(prop, name) }, { weight: 2, arbitrary: hostileValue }), { nil: undefined, freq: 4 }).map((v) => [name, v] as [string, unknown]),
    ),
  );
  const extras = fc.array(fc.tuple(extraKey, hostileValue), { maxLength: 3 });
  return fc
    .tuple(fields, fc.oneof({ weight: 3, arbitrary: fc.constant([]) }, { weight: 2, arbitrary: extras }))
    .map(([own, extra]) => asJson(owning({}, [...own.filter(([, v]) => v !== undefined), ...extra])));
}

function bodyArbitrary(op: Operation): fc.Arbitrary<Body | undefined> {
  const takesBody = op.body !== undefined;
  return fc
    .tuple(
      fc.oneof(
        { weight: takesBody ? 8 : 2, arbitrary: shapedBody(op.body) },
        { weight: 2, arbitrary: hostileValue.map(asJson) },
        { weight: 2, arbitrary: rawBody },
        { weight: takesBody ? 1 : 6, arbitrary: fc.constant(undefined) },
      ),
      fc.oneof({ weight: 12, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'x-unknown') }),
    )
    .map(([body, encoding]) => (body && encoding ? { ...body, raw: encoding === 'gzip' ? gzipSync(body.raw) : body.raw, encoding } : body));
}

// Percent-encodes UTF-8; a lone surrogate (which encodeURIComponent refuses) travels as the bytes Node would send.
const encode = (s: string) => {
  try {
    return encodeURIComponent(s);
  } catch {
    return [...Buffer.from(s, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
  }
};

const RAW_SEGMENTS = ['%', '%E0%A4%A', '%FF', '%C0%AF', '..', '%2e%2e', '%2F', 'a%00b', '%25', '.', '~'];

const headerText = fc
  .string({ unit: fc.integer({ min: 0x21, max: 0xff }).filter((c) => c < 0x7f || c > 0x9f).map((c) => String.fromCharCode(c)), maxLength: 40 })
  .map((s) => s.trim());

export interface FuzzRequest {
  method: string;
  path: string;
  query: string;
  headers: Record<string, string>;
  body?: Body;
}

export interface World {
  a: Org;
  b: Org;
  ids: Record<string, string[]>;
}

/**
 * Two families of cases: requests valid in every part but with values at the edges of what is valid
 * (so they reach the services and the database), and requests hostile in any part.
 */
export function requestArbitrary(op: Operation, world: World): fc.Arbitrary<FuzzRequest> {
  return fc.oneof({ weight: 1, arbitrary: validRequest(op, world) }, { weight: 2, arbitrary: hostileRequest(op, world) });
}

function knownIds(op: Operation, world: World, param: string): string[] {
  const collection = collectionOf(op.path, param);
  const known = world.ids[collection];
  if (!known) throw new Error(`${describeOperation(op)}: no ids known for "${collection}"; add the collection to the fuzz world`);
  return known;
}

const pathOf = (op: Operation, value: (param: string) => fc.Arbitrary<string>) =>
  fc.tuple(...op.pathParams.map((p) => value(p.name).map((v) => [p.name, v] as const))).map((pairs) => fillPath(op.path, Object.fromEntries(pairs)));

const queryText = (pairs: ReadonlyArray<readonly [string, string | undefined]>) =>
  pairs
    .filter((p): p is readonly [string, string] => p[1] !== undefined)
    .map(([k, v]) => `${encode(k)}=${encode(v)}`)
    .join('&');

function validRequest(op: Operation, world: World): fc.Arbitrary<FuzzRequest> {
  const path = pathOf(op, (param) => fc.constantFrom(...knownIds(op, world, param)));
  // Cursors as the API makes them, over every id known (any list's, either organization's).
  const at = new Date().toISOString();
  const ids = Object.values(world.ids).flat();
  const cursors = [...ids.map((id) => Buffer.from(id).toString('base64url')), ...ids.flatMap((id) => ['events', 'deliveries'].map((list) => Buffer.from(JSON.stringify([list, at, id])).toString('base64url')))];
  const paramValue = (name: string, schema: Schema) => (name === 'cursor' ? fc.constantFrom(...cursors) : validArbitrary(schema, name).map(String));
  const query = fc.tuple(...op.query.map((p) => fc.option(paramValue(p.name, p.schema), { nil: undefined, freq: 2 }).map((v) => [p.name, v] as const))).map(queryText);
  const required = new Set(op.body?.required ?? []);
  const body = op.body
    ? fc
        .tuple(
          ...Object.entries(op.body.properties ?? {}).map(([name, prop]) =>
            (required.has(name) ? validArbitrary(prop, name) : fc.option(validArbitrary(prop, name), { nil: undefined, freq: 3 })).map((v) => [name, v] as [string, unknown]),
          ),
        )
        .map((fields) => asJson(Object.fromEntries(fields.filter(([, v]) => v !== undefined))))
    : fc.constant(undefined);
  const ifMatch = fc.option(fc.constantFrom('"1"', '"2"', '*', '1'), { freq: 3 });
  const token = op.auth === 'platformAdmin' ? PLATFORM_ADMIN_TOKEN : world.a.apiKey;
  return fc.record({ path, query, ifMatch, body }).map(({ path, query, ifMatch, body }) => ({
    method: op.method,
    path,
    query,
    headers: { authorization: `Bearer ${token}`, ...(ifMatch !== null ? { 'if-match': ifMatch } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    body,
  }));
}

function hostileRequest(op: Operation, world: World): fc.Arbitrary<FuzzRequest> {
  const path = pathOf(op, (param) =>
    fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(...knownIds(op, world, param)) },
      { weight: 2, arbitrary: hostileString.map(encode) },
      { weight: 1, arbitrary: fc.constantFrom(...RAW_SEGMENTS) },
    ),
  );

  const declared = op.query.map((p) =>
    fc.option(fc.oneof({ weight: 3, arbitrary: validArbitrary(p.schema, p.name).map(String) }, { weight: 2, arbitrary: hostileString }), { nil: undefined, freq: 2 }).map(
      (v) => [p.name, v] as const,
    ),
  );
  const extraParams = fc.array(
    fc.tuple(fc.oneof(fc.constantFrom('limit[]', 'cursor[a]', '__proto__[polluted]', 'constructor[prototype][polluted]', 'limit', 'sort', '__proto__'), fc.string({ maxLength: 8 })), hostileString),
    { maxLength: 2 },
  );
  const query = fc
    .tuple(fc.tuple(...declared), fc.oneof({ weight: 3, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: extraParams }), fc.option(fc.constantFrom('limit=%', 'limit=%E0%A4%A', '&&&', '=', 'a=b=c', '%00=%00', 'limit=1&limit=2'), { freq: 6 }))
    .map(([own, extra, raw]) => [queryText([...own, ...extra]), raw].filter(Boolean).join('&'));

  const ownToken = op.auth === 'platformAdmin' ? PLATFORM_ADMIN_TOKEN : world.a.apiKey;
  const authorization = fc.oneof(
    { weight: 12, arbitrary: fc.constant(`Bearer ${ownToken}`) },
    { weight: 1, arbitrary: fc.constant(`Bearer ${op.auth === 'platformAdmin' ? world.a.apiKey : world.b.apiKey}`) },
    { weight: 1, arbitrary: fc.constantFrom('Bearer', 'Bearer ', 'Basic abc', `bearer ${ownToken}`, `Bearer ${ownToken} x`, 'Bearer shk_', `Bearer ${'x'.repeat(20_000)}`) },
    { weight: 1, arbitrary: headerText.map((t) => `Bearer ${t}`) },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
  const ifMatch = fc.option(fc.oneof(fc.constantFrom('"1"', '1', '*', 'W/"1"', '"0"', '"999999999"', '"1", "2"', '"-1"'), headerText), { freq: 3 });
  const contentType = fc.oneof(
    { weight: 8, arbitrary: fc.constant('application/json') },
    {
      weight: 2,
      arbitrary: fc.constantFrom('application/json; charset=utf-8', 'APPLICATION/JSON', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=latin1', 'application/json; charset=utf-16', 'application/merge-patch+json', '*/*'),
    },
    { weight: 1, arbitrary: headerText },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );

  return fc.record({ path, query, authorization, ifMatch, contentType, body: bodyArbitrary(op) }).map(({ path, query, authorization, ifMatch, contentType, body }) => {
    const headers: Record<string, string> = {};
    if (authorization !== undefined) headers.authorization = authorization;
    if (ifMatch !== null) headers['if-match'] = ifMatch;
    if (body && contentType !== undefined) headers['content-type'] = contentType;
    if (body?.encoding) headers['content-encoding'] = body.encoding;
    return { method: op.method, path, query, headers, body };
  });
}
