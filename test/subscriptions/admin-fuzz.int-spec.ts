import fc from 'fast-check';
import { gunzipSync, gzipSync } from 'node:zlib';
import { request } from 'undici';
import { newId } from '@app/contracts';
import { PLATFORM_ADMIN_TOKEN, resetWorld, startStack, testEnv } from '../support/stack';
import { createOrg, Org } from './admin-api';
import { collectionOf, describeOperation, fetchOpenApi, fillPath, Operation, operationsOf, Overrides, Schema, validValue } from './openapi';
import { missingSecurityHeaders } from './security-headers';
import { changedParts, OrgResources, populate, StoredWorld } from './stored-world';

// Property-based fuzzing of every operation of the admin API's own OpenAPI document: generated path
// ids, query strings, headers and bodies, valid-shaped and hostile. Whatever is sent, the service must
// answer below 500, shape every 4xx as {statusCode, error, message[], code, param?} naming the field at
// fault (in the message and in `param`), with a code from the document's list, leak
// no internals, change nothing (tables and published topics) when it refuses, and pollute no prototype.
//
// Seeded and bounded: a new seed each run (printed with the outcome; FUZZ_SEED=<n> replays one),
// FUZZ_RUNS=<n> cases per operation (default 60: 1,200 requests, ~30 s on a quiet 2-core machine),
// and FUZZ_BUDGET_SECONDS (default 35) caps the whole run on a loaded machine by ending each
// operation's cases early, never below MIN_RUNS_PER_OPERATION.

const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Math.floor(Math.random() * 2 ** 31);
const RUNS_PER_OPERATION = Number(process.env.FUZZ_RUNS ?? 60);
const BUDGET_MS = Number(process.env.FUZZ_BUDGET_SECONDS ?? 35) * 1000;
const MIN_RUNS_PER_OPERATION = 5;
const RECEIVER = 'http://127.0.0.1:9/fuzz';
const CATALOG = ['order.new', 'order.updated', 'customer.created', 'customer.updated', 'product.created', 'product.updated', 'product.deleted'];

// What a stack trace, a driver message or a path on this machine looks like in a response.
const LEAKS = [
  /\bat .+ \(?[^\s()]+:\d+:\d+\)?/,
  /node_modules|dist\/apps|\/work\/|\.ts:\d+/,
  /QueryFailedError|TypeError|RangeError|ReferenceError|EntityNotFound|Maximum call stack/,
  /typeorm|kafkajs|ECONNREFUSED|duplicate key|violates|relation "|column "|syntax error at or near|invalid input syntax/i,
  /Cannot read propert|is not a function|undefined is not/,
];

// ---- generated values -------------------------------------------------------------------------

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

interface Body {
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

interface FuzzRequest {
  method: string;
  path: string;
  query: string;
  headers: Record<string, string>;
  body?: Body;
}

interface World {
  a: Org;
  b: Org;
  ids: Record<string, string[]>;
}

/**
 * Two families of cases: requests valid in every part but with values at the edges of what is valid
 * (so they reach the services and the database), and requests hostile in any part.
 */
function requestArbitrary(op: Operation, world: World): fc.Arbitrary<FuzzRequest> {
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

// ---- the invariants ---------------------------------------------------------------------------

const describeRequest = (r: FuzzRequest) => {
  const body = r.body ? r.body.raw.toString('utf8') : '';
  return `${r.method} ${r.path}${r.query ? `?${r.query}` : ''}`.slice(0, 300) + ` headers=${JSON.stringify(r.headers).slice(0, 300)} body(${r.body?.raw.length ?? 0} bytes)=${JSON.stringify(body.slice(0, 300))}`;
};

/** Every name a 400 may rightly blame: the schema's fields, what the request sent, and the parts of a request. */
function blameableNames(op: Operation, req: FuzzRequest): Set<string> {
  const names = new Set(['body', 'path', 'cursor', 'If-Match', 'Content-Type', 'Content-Encoding', ...op.pathParams.map((p) => p.name), ...op.query.map((p) => p.name)]);
  for (const name of Object.keys(op.body?.properties ?? {})) names.add(name);
  const value = req.body && (req.body.value ?? parseOrUndefined((req.body.encoding === 'gzip' ? gunzipSync(req.body.raw) : req.body.raw).toString('utf8')));
  if (value && typeof value === 'object' && !Array.isArray(value)) for (const key of Object.keys(value)) names.add(key);
  for (const pair of req.query.split('&')) names.add(decodeURIComponentSafe(pair.split('=')[0]));
  return names;
}

function parseOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

// A field is named plainly, or quoted when its name is not an identifier ("", "a.b").
function namesAField(message: string, names: Set<string>): boolean {
  return [...names].some((name) =>
    [name, JSON.stringify(name)].some((spelled) => spelled !== '' && message.startsWith(spelled) && /^[\s:.[]/.test(message.slice(spelled.length))),
  );
}

const prototypeKeys = () => [Object.prototype, Array.prototype, Function.prototype].map((p) => Object.getOwnPropertyNames(p).sort().join(','));

describe('the admin API under generated hostile requests (fast-check)', () => {
  let stack: Awaited<ReturnType<typeof startStack>>;
  let operations: Operation[];
  let errorCodes: Set<string>;
  let world: World;
  let stored: StoredWorld;
  const prototypesBefore = prototypeKeys();
  const counts = { requests: 0, byStatus: new Map<number, number>(), ms: 0 };
  const casesRun: number[] = [];

  beforeAll(async () => {
    await resetWorld();
    // A listen session without a CLI is reaped after the grace period: not while the suite compares stored states.
    stack = await startStack(testEnv({ LISTEN_SESSION_GRACE_SECONDS: '3600' }), ['subscriptions']);
    const document = await fetchOpenApi(stack.apiUrl);
    operations = operationsOf(document);
    errorCodes = new Set((document.components?.schemas?.Error?.properties?.code?.enum ?? []) as string[]);
    // Writes that succeed change what later cases find; deleting and revoking go last so the rest keep targets.
    const destructive = (op: Operation) => (op.method === 'DELETE' ? 1 : 0);
    operations.sort((x, y) => destructive(x) - destructive(y));
    const [a, b] = [await createOrg(stack.apiUrl, 'Fuzzed'), await createOrg(stack.apiUrl, 'Bystander')];
    const [ownA, ownB]: OrgResources[] = [await populate(stack.apiUrl, a.apiKey, RECEIVER), await populate(stack.apiUrl, b.apiKey, RECEIVER)];
    const missing: OrgResources = { endpoints: [newId('ep')], 'api-keys': [newId('key')], events: ['evt_missing'], deliveries: [`del_${'0'.repeat(32)}`], replays: [newId('job')], sessions: [newId('ep')] };
    const ids = Object.fromEntries(Object.keys(ownA).map((k) => [k, [...ownA[k as keyof OrgResources], ...ownB[k as keyof OrgResources], ...missing[k as keyof OrgResources]]]));
    // The catalog is the platform's (PUT /v1/event-types/{type}): a seeded type, and one it does not have yet.
    ids['event-types'] = ['product.updated', 'fuzz.added'];
    world = { a, b, ids };
    stored = await StoredWorld.open();
  });

  afterAll(async () => {
    await stored?.close();
    await stack?.stop();
    const summary = [...counts.byStatus.entries()].sort(([x], [y]) => x - y).map(([s, n]) => `${s}×${n}`).join(' ');
    process.stderr.write(`[fuzz] seed ${SEED}, ${operations?.length ?? 0} operations, ${counts.requests} requests (${Math.min(...casesRun)}-${Math.max(...casesRun)} per operation) in ${(counts.ms / 1000).toFixed(1)} s: ${summary}\n`);
  });

  async function send(req: FuzzRequest): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> {
    const res = await request(`${stack.apiUrl}${req.path}${req.query ? `?${req.query}` : ''}`, {
      method: req.method as 'GET',
      headers: req.headers,
      body: req.body?.raw,
      headersTimeout: 15_000,
      bodyTimeout: 15_000,
    });
    // A listen session's event stream (GET /v1/listen/sessions/{id}/stream) never ends by design: its
    // status and headers are the answer.
    if (String(res.headers['content-type'] ?? '').startsWith('text/event-stream')) {
      res.body.destroy();
      return { status: res.statusCode, headers: res.headers, text: '' };
    }
    const text = await res.body.text();
    return { status: res.statusCode, headers: res.headers, text };
  }

  // After a refusal (checked to have changed nothing) the stored world is as before it: the next case
  // reuses that fingerprint instead of taking a new one.
  let unchangedSince: Record<string, string> | null = null;

  async function check(op: Operation, req: FuzzRequest): Promise<void> {
    if (!unchangedSince) await stored.settleBackgroundWrites();
    const before = unchangedSince ?? (await stored.fingerprint());
    unchangedSince = null;
    const res = await send(req);
    counts.requests++;
    counts.byStatus.set(res.status, (counts.byStatus.get(res.status) ?? 0) + 1);
    const what = `${res.status} for ${describeRequest(req)}\n  answer: ${res.text.slice(0, 400)}`;

    if (res.status >= 500) throw new Error(`server error ${what}`);
    const missing = missingSecurityHeaders(res.headers);
    if (missing.length > 0) throw new Error(`security headers wrong or missing (${missing.join('; ')}): ${what}`);
    for (const leak of LEAKS) if (leak.test(res.text)) throw new Error(`the answer leaks internals (${leak}): ${what}`);
    if (prototypeKeys().join('|') !== prototypesBefore.join('|')) throw new Error(`a built-in prototype was changed by ${what}`);
    if (res.status < 400) return;

    let body: { statusCode?: unknown; error?: unknown; message?: unknown; code?: unknown; param?: unknown };
    try {
      body = JSON.parse(res.text) as typeof body;
    } catch {
      throw new Error(`a ${res.status} without a JSON body: ${what}`);
    }
    const shaped = body.statusCode === res.status && typeof body.error === 'string' && Array.isArray(body.message) && body.message.length > 0 && body.message.every((m) => typeof m === 'string');
    if (!shaped) throw new Error(`a ${res.status} not shaped {statusCode, error, message[]}: ${what}`);
    // SPEC §13: a machine-readable code from the documented list on every error, `param` when it is a string.
    if (typeof body.code !== 'string' || !errorCodes.has(body.code)) throw new Error(`a ${res.status} without a documented code (${JSON.stringify(body.code)}): ${what}`);
    if (body.param !== undefined && typeof body.param !== 'string') throw new Error(`a ${res.status} whose param is not a string: ${what}`);
    if (res.status === 400) {
      const names = blameableNames(op, req);
      const unnamed = (body.message as string[]).filter((m) => !namesAField(m, names));
      if (unnamed.length > 0) throw new Error(`a 400 message that names no field (${JSON.stringify(unnamed)}): ${what}`);
      // The field at fault, spelled as the request has it (a nested one by its dotted path from there).
      const root = typeof body.param === 'string' ? body.param.split(/[.[]/)[0] : undefined;
      if (root === undefined || !(names.has(root) || names.has(body.param as string))) throw new Error(`a 400 whose param ${JSON.stringify(body.param)} names no field of the request: ${what}`);
    }
    const after = await stored.fingerprint();
    const changed = changedParts(before, after);
    if (changed.length > 0) throw new Error(`a refused request changed ${changed.join(', ')}: ${what}`);
    unchangedSince = after;
  }

  it('should answer every generated request to every documented operation without a 5xx, a leak, or a change on refusal', async () => {
    expect(operations.length).toBeGreaterThanOrEqual(20);
    const started = Date.now();
    for (const [index, op] of operations.entries()) {
      counts.ms = Date.now() - started;
      const seed = SEED + index;
      // Past its share of the budget an operation's remaining cases pass without a request (fast-check's
      // own time limits abandon a case mid-request, which would then overlap the next operation's).
      const deadline = Date.now() + (BUDGET_MS - (Date.now() - started)) / (operations.length - index);
      let cases = 0;
      const outcome = await fc.check(
        fc.asyncProperty(requestArbitrary(op, world), async (req) => {
          if (cases >= MIN_RUNS_PER_OPERATION && Date.now() > deadline) return;
          cases++;
          await check(op, req);
        }),
        { seed, numRuns: RUNS_PER_OPERATION, endOnFailure: true },
      );
      casesRun.push(cases);
      if (outcome.failed) {
        // The counterexample can be megabytes (huge strings): the check's own message is the readable part.
        const reason = outcome.errorInstance instanceof Error ? outcome.errorInstance.message : String(outcome.errorInstance);
        throw new Error(
          `fuzzing ${describeOperation(op)} failed after ${cases} cases with seed ${seed}, path ${outcome.counterexamplePath}.\n` +
            `Replay the whole run: FUZZ_SEED=${SEED} npm test -- integration test/subscriptions/admin-fuzz\n${reason}`,
        );
      }
    }
    counts.ms = Date.now() - started;
  }, BUDGET_MS + 90_000);
});
