import { api, PLATFORM_ADMIN_TOKEN, query, resetWorld, startStack, testEnv } from '../support/stack';
import { createEndpoint, createOrg, EndpointBody, ErrorBody, Org, storedState } from './admin-api';

interface Call {
  method: string;
  path: string;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
}

const VALID = { url: 'http://127.0.0.1:9/hook', mode: 'test' };
const many = (n: number, value = 'v') => Object.fromEntries(Array.from({ length: n }, (_, i) => [`x-h${i}`, value]));
const b64 = (s: string) => Buffer.from(s).toString('base64url');

// [what is wrong, the call, what the 400 message must say (it names the field)]
const CREATE_CASES: Array<[string, Call, RegExp]> = [
  ['bad JSON', { method: 'POST', path: '/v1/endpoints', rawBody: '{"url": "http://127.0.0.1:9/", "mode":' }, /^body is not valid JSON/],
  ['a JSON array body', { method: 'POST', path: '/v1/endpoints', body: [VALID] }, /^body must be a JSON object, not an array/],
  ['an unknown field', { method: 'POST', path: '/v1/endpoints', body: { ...VALID, colour: 'red' } }, /^colour: property colour should not exist/],
  ['a nested unknown field', { method: 'POST', path: '/v1/endpoints', body: { ...VALID, secret: 'whsec_AAAA' } }, /^secret: /],
  ['no url', { method: 'POST', path: '/v1/endpoints', body: { mode: 'test' } }, /^url must be a string/],
  ['no mode', { method: 'POST', path: '/v1/endpoints', body: { url: VALID.url } }, /^mode must be one of/],
  ['a numeric url', { method: 'POST', path: '/v1/endpoints', body: { ...VALID, url: 42 } }, /^url must be a string/],
  ['a null url', { method: 'POST', path: '/v1/endpoints', body: { ...VALID, url: null } }, /^url must be a string/],
  ['a bad mode', { method: 'POST', path: '/v1/endpoints', body: { ...VALID, mode: 'prod' } }, /^mode must be one of the following values: live, test/],
  ['a numeric mode', { method: 'POST', path: '/v1/endpoints', body: { ...VALID, mode: 1 } }, /^mode must be one of/],
  ['eventTypes as a string', { method: 'POST', path: '/v1/endpoints', body: { ...VALID, eventTypes: 'order.new' } }, /^eventTypes must be an array/],
  ['eventTypes with a number', { method: 'POST', path: '/v1/endpoints', body: { ...VALID, eventTypes: [1] } }, /^eventTypes/],
  ['empty eventTypes', { method: 'POST', path: '/v1/endpoints', body: { ...VALID, eventTypes: [] } }, /^eventTypes should not be empty/],
  ['a malformed event type', { method: 'POST', path: '/v1/endpoints', body: { ...VALID, eventTypes: ['Order New'] } }, /^eventTypes must contain event type names/],
  ['an unknown event type', { method: 'POST', path: '/v1/endpoints', body: { ...VALID, eventTypes: ['order.new', 'order.teleported'] } }, /^eventTypes contains unknown event types: order\.teleported$/],
  ['too many event types', { method: 'POST', path: '/v1/endpoints', body: { ...VALID, eventTypes: Array.from({ length: 101 }, () => 'order.new') } }, /^eventTypes must contain no more than 100/],
  ['a numeric description', { method: 'POST', path: '/v1/endpoints', body: { ...VALID, description: 5 } }, /^description must be a string/],
  ['a null description', { method: 'POST', path: '/v1/endpoints', body: { ...VALID, description: null } }, /^description must be a string/],
  ['an over-long description', { method: 'POST', path: '/v1/endpoints', body: { ...VALID, description: 'd'.repeat(501) } }, /^description must be shorter than or equal to 500/],
  ['a NUL in the description', { method: 'POST', path: '/v1/endpoints', body: { ...VALID, description: 'a\u0000b' } }, /^description must not contain NUL/],
  ['an over-long url', { method: 'POST', path: '/v1/endpoints', body: { ...VALID, url: `http://127.0.0.1:9/${'p'.repeat(2048)}` } }, /^url must be shorter than or equal to 2048/],
  ['a NUL in the url', { method: 'POST', path: '/v1/endpoints', body: { ...VALID, url: 'http://127.0.0.1:9/a\u0000b' } }, /^url must not contain NUL/],
  ['headers as a string', { method: 'POST', path: '/v1/endpoints', body: { ...VALID, headers: 'x-a: b' } }, /^headers must be an object/],
  ['headers as an array', { method: 'POST', path: '/v1/endpoints', body: { ...VALID, headers: [['x-a', 'b']] } }, /^headers must be an object/],
  ['a numeric header value', { method: 'POST', path: '/v1/endpoints', body: { ...VALID, headers: { 'x-a': 1 } } }, /^headers must be an object/],
  ['too many headers', { method: 'POST', path: '/v1/endpoints', body: { ...VALID, headers: many(21) } }, /^headers must be an object of at most 20/],
  ['an over-long header value', { method: 'POST', path: '/v1/endpoints', body: { ...VALID, headers: { 'x-a': 'v'.repeat(1001) } } }, /^headers/],
  ['an over-long header name', { method: 'POST', path: '/v1/endpoints', body: { ...VALID, headers: { [`x-${'n'.repeat(100)}`]: 'v' } } }, /^headers/],
  ['a header name with a space', { method: 'POST', path: '/v1/endpoints', body: { ...VALID, headers: { 'x a': 'v' } } }, /^headers/],
  ['a header value with a line break', { method: 'POST', path: '/v1/endpoints', body: { ...VALID, headers: { 'x-a': 'v\r\nx-injected: 1' } } }, /^headers/],
  ['a reserved header', { method: 'POST', path: '/v1/endpoints', body: { ...VALID, headers: { 'Webhook-Signature': 'v1,forged' } } }, /^headers.*webhook-signature/],
  ['nested metadata', { method: 'POST', path: '/v1/endpoints', body: { ...VALID, metadata: { team: { name: 'a' } } } }, /^metadata must be an object/],
  ['too much metadata', { method: 'POST', path: '/v1/endpoints', body: { ...VALID, metadata: many(51) } }, /^metadata must be an object of at most 50/],
  ['a NUL in a metadata value', { method: 'POST', path: '/v1/endpoints', body: { ...VALID, metadata: { k: 'a\u0000' } } }, /^metadata/],
  ['a url that is not a URL', { method: 'POST', path: '/v1/endpoints', body: { ...VALID, url: 'not a url' } }, /^url: not a valid absolute URL/],
  ['a url without a host', { method: 'POST', path: '/v1/endpoints', body: { ...VALID, url: 'https://' } }, /^url: /],
];

const PATCH_CASES: Array<[string, Call, RegExp]> = [
  ['bad JSON', { method: 'PATCH', path: '/v1/endpoints/:id', rawBody: '{"status": enabled}' }, /^body is not valid JSON/],
  ['an empty body', { method: 'PATCH', path: '/v1/endpoints/:id', body: {} }, /^body must name at least one of url/],
  ['a change of mode', { method: 'PATCH', path: '/v1/endpoints/:id', body: { mode: 'live' } }, /^mode: property mode should not exist/],
  ['a change of secret', { method: 'PATCH', path: '/v1/endpoints/:id', body: { secret: 'whsec_AAAA' } }, /^secret: /],
  ['an unknown field', { method: 'PATCH', path: '/v1/endpoints/:id', body: { enabled: false } }, /^enabled: /],
  ['a bad status', { method: 'PATCH', path: '/v1/endpoints/:id', body: { status: 'paused' } }, /^status must be one of the following values: enabled, disabled/],
  ['a boolean status', { method: 'PATCH', path: '/v1/endpoints/:id', body: { status: false } }, /^status must be one of/],
  ['a null url', { method: 'PATCH', path: '/v1/endpoints/:id', body: { url: null } }, /^url must be a string/],
  ['a null description', { method: 'PATCH', path: '/v1/endpoints/:id', body: { description: null } }, /^description must be a string/],
  ['null headers', { method: 'PATCH', path: '/v1/endpoints/:id', body: { headers: null } }, /^headers must be an object/],
  ['an unknown event type', { method: 'PATCH', path: '/v1/endpoints/:id', body: { eventTypes: ['invoice.paid'] } }, /^eventTypes contains unknown event types: invoice\.paid$/],
  ['empty eventTypes', { method: 'PATCH', path: '/v1/endpoints/:id', body: { eventTypes: [] } }, /^eventTypes should not be empty/],
  ['too many headers', { method: 'PATCH', path: '/v1/endpoints/:id', body: { headers: many(21) } }, /^headers must be an object of at most 20/],
  ['an over-long description', { method: 'PATCH', path: '/v1/endpoints/:id', body: { description: 'd'.repeat(501) } }, /^description must be shorter/],
  ['a valid change with one bad field', { method: 'PATCH', path: '/v1/endpoints/:id', body: { description: 'ok', status: 'paused' } }, /^status must be one of/],
  ['a malformed If-Match', { method: 'PATCH', path: '/v1/endpoints/:id', body: { description: 'x' }, headers: { 'if-match': 'W/"abc"' } }, /^If-Match must be/],
  ['a malformed If-Match on delete', { method: 'DELETE', path: '/v1/endpoints/:id', headers: { 'if-match': 'yesterday' } }, /^If-Match must be/],
];

const LIST_CASES: Array<[string, Call, RegExp]> = [
  ['limit 0', { method: 'GET', path: '/v1/endpoints?limit=0' }, /^limit must not be less than 1/],
  ['limit 101', { method: 'GET', path: '/v1/endpoints?limit=101' }, /^limit must not be greater than 100/],
  ['a negative limit', { method: 'GET', path: '/v1/endpoints?limit=-5' }, /^limit must not be less than 1/],
  ['a fractional limit', { method: 'GET', path: '/v1/endpoints?limit=2.5' }, /^limit must be an integer/],
  ['a word as limit', { method: 'GET', path: '/v1/endpoints?limit=ten' }, /^limit must be an integer/],
  ['an empty limit', { method: 'GET', path: '/v1/endpoints?limit=' }, /^limit must not be less than 1/],
  ['two limits', { method: 'GET', path: '/v1/endpoints?limit=5&limit=6' }, /^limit/],
  ['a cursor with symbols', { method: 'GET', path: '/v1/endpoints?cursor=%24%24%24' }, /^cursor must be the nextCursor/],
  ['a cursor that decodes to garbage', { method: 'GET', path: `/v1/endpoints?cursor=${b64('garbage')}` }, /^cursor must be the nextCursor/],
  ['a cursor of another list', { method: 'GET', path: `/v1/endpoints?cursor=${b64('key_01jdzzzzzzzzzzzzzzzzzzzzzz')}` }, /^cursor must be the nextCursor/],
  ['a bad mode filter', { method: 'GET', path: '/v1/endpoints?mode=prod' }, /^mode must be one of/],
  ['a bad status filter', { method: 'GET', path: '/v1/endpoints?status=paused' }, /^status must be one of/],
  ['a bad eventType filter', { method: 'GET', path: '/v1/endpoints?eventType=Order%20New' }, /^eventType must be an event type name/],
  ['an unknown query parameter', { method: 'GET', path: '/v1/endpoints?sort=url' }, /^sort: property sort should not exist/],
  // ISO 8601 spellings that JavaScript's Date cannot read (they once reached the database as invalid dates: 500).
  ['an ISO week date as from', { method: 'GET', path: '/v1/events?from=2026-W48-6' }, /^from must be an ISO 8601 date-time/],
  ['an ordinal date as to', { method: 'GET', path: '/v1/events?to=2026-332' }, /^to must be an ISO 8601 date-time/],
  ['a basic-format date-time as from', { method: 'GET', path: '/v1/events?from=20261128T100000Z' }, /^from must be an ISO 8601 date-time/],
  ['an ISO week date in a replay', { method: 'POST', path: '/v1/endpoints/:id/replay', body: { from: '2026-W48-6', to: '2026-11-28T00:00:00Z' } }, /^from must be an ISO 8601 date-time/],
  ['api keys with limit 0', { method: 'GET', path: '/v1/api-keys?limit=0' }, /^limit must not be less than 1/],
  ['api keys with an endpoint cursor', { method: 'GET', path: `/v1/api-keys?cursor=${b64('ep_01jdzzzzzzzzzzzzzzzzzzzzzz')}` }, /^cursor must be the nextCursor/],
];

const KEY_CASES: Array<[string, Call, RegExp]> = [
  ['no name', { method: 'POST', path: '/v1/api-keys', body: {} }, /^name must be a string/],
  ['an empty name', { method: 'POST', path: '/v1/api-keys', body: { name: '' } }, /^name should not be empty/],
  ['an over-long name', { method: 'POST', path: '/v1/api-keys', body: { name: 'n'.repeat(101) } }, /^name must be shorter than or equal to 100/],
  ['a numeric name', { method: 'POST', path: '/v1/api-keys', body: { name: 7 } }, /^name must be a string/],
  ['a chosen key value', { method: 'POST', path: '/v1/api-keys', body: { name: 'mine', apiKey: 'shk_chosen' } }, /^apiKey: property apiKey should not exist/],
  ['bad JSON', { method: 'POST', path: '/v1/api-keys', rawBody: 'name=ci' }, /^body is not valid JSON/],
];

// Every spelling of a non-public target named by the issue, and a few more of the same kinds.
const FORBIDDEN_URLS: Array<[string, RegExp]> = [
  ['http://localhost/hook', /local name/],
  ['http://LOCALHOST:8080/hook', /local name/],
  ['http://api.localhost/hook', /local name/],
  ['http://127.0.0.1/hook', /loopback/],
  ['http://127.1.2.3:8080/hook', /loopback/],
  ['http://[::1]/hook', /loopback/],
  ['http://10.0.0.1/hook', /private/],
  ['http://192.168.1.10/hook', /private/],
  ['http://172.16.0.1/hook', /private/],
  ['http://169.254.169.254/latest/meta-data', /link-local/],
  ['http://2130706433/', /loopback/],
  ['http://0x7f.1/', /loopback/],
  ['http://0177.0.0.1/', /loopback/],
  ['http://[::ffff:127.0.0.1]/', /loopback/],
  ['http://[::ffff:a00:1]/', /private/],
  // SPEC §5 names IPv4-mapped IPv6, decimal, octal and bracketed spellings: each of them, and their mixes.
  ['http://localhost./hook', /local name/],
  ['http://127.0.0.1./hook', /loopback/],
  ['http://127.1/', /loopback/],
  ['http://127.000.000.001/', /loopback/],
  ['http://0x7f000001/', /loopback/],
  ['http://0x7f.0.0.1/', /loopback/],
  ['http://017700000001/', /loopback/],
  ['http://0177.0000.0000.0001/', /loopback/],
  ['http://167772161/', /host 10\.0\.0\.1 is a private/],
  ['http://0xa9.0xfe.0xa9.0xfe/', /host 169\.254\.169\.254 is a link-local/],
  ['http://%31%32%37.0.0.1/', /host 127\.0\.0\.1 is a loopback/],
  ['http://\uff11\uff12\uff17.\uff10.\uff10.\uff11/', /host 127\.0\.0\.1 is a loopback/],
  ['http://[::ffff:7f00:1]/', /loopback/],
  ['http://[::ffff:169.254.169.254]/', /link-local/],
  ['http://[0:0:0:0:0:0:0:1]/', /loopback/],
  ['http://[::127.0.0.1]/', /IPv4-compatible/],
  ['http://[::]/', /unspecified/],
  ['http://0/', /unspecified/],
  ['http://[64:ff9b::7f00:1]/', /non-public/],
  ['http://[2002:7f00:1::]/', /non-public/],
  ['http://224.0.0.1/', /multicast/],
  ['http://255.255.255.255/', /broadcast/],
  ['http://240.0.0.1/', /reserved/],
  ['http://example.com@127.0.0.1/', /user name or password/],
  ['http://0.0.0.0/', /unspecified/],
  ['http://100.64.0.1/', /carrier-grade NAT/],
  ['http://[fe80::1]/', /link-local/],
  ['http://[fd00::1]/', /unique-local/],
  ['http://user:pass@example.com/hook', /user name or password/],
  ['https://token@example.com/hook', /user name or password/],
  ['ftp://example.com/hook', /scheme ftp is not allowed/],
  ['file:///etc/passwd', /scheme file is not allowed/],
  ['javascript:alert(1)', /scheme javascript is not allowed/],
];

function expectNamedRefusal(res: { status: number; body: ErrorBody }, message: RegExp): void {
  expect(res.status).toBe(400);
  expect(res.body.statusCode).toBe(400);
  expect(JSON.stringify(res.body)).not.toMatch(/ at .*\.(ts|js):\d+/);
  expect(res.body.message).toEqual(expect.arrayContaining([expect.stringMatching(message)]));
}

describe('the admin API given bad input', () => {
  // Loopback allowed (as in every test stack) for the valid endpoints; a second instance over the same
  // database applies the production URL policy (no private networks, https in live mode).
  let lenient: Awaited<ReturnType<typeof startStack>>;
  let strict: Awaited<ReturnType<typeof startStack>>;
  let org: Org;
  let endpoint: EndpointBody;

  const call = (apiUrl: string, c: Call) =>
    fetch(`${apiUrl}${c.path.replace(':id', endpoint.id)}`, {
      method: c.method,
      headers: { authorization: `Bearer ${org.apiKey}`, 'content-type': 'application/json', ...c.headers },
      body: c.rawBody ?? (c.body === undefined ? undefined : JSON.stringify(c.body)),
    }).then(async (res) => ({ status: res.status, body: (await res.json()) as ErrorBody }));

  beforeAll(async () => {
    await resetWorld();
    lenient = await startStack(testEnv(), ['subscriptions']);
    strict = await startStack(testEnv({ WEBHOOK_ALLOWED_PRIVATE_NETWORKS: '', WEBHOOK_ALLOW_HTTP_IN_LIVE: 'false' }), ['subscriptions']);
    org = await createOrg(lenient.apiUrl, 'Validation');
    endpoint = await createEndpoint(lenient.apiUrl, org, { eventTypes: ['order.new'], headers: { 'x-a': 'b' }, metadata: { team: 'x' } });
  });

  afterAll(async () => {
    await Promise.all([lenient?.stop(), strict?.stop()]);
  });

  it.each([...CREATE_CASES, ...PATCH_CASES, ...LIST_CASES, ...KEY_CASES])('should answer 400 naming the field and change nothing when given %s', async (_name, c, message) => {
    const before = await storedState(org.id);

    expectNamedRefusal(await call(lenient.apiUrl, c), message);
    expect(await storedState(org.id)).toEqual(before);
  });

  it.each(FORBIDDEN_URLS)('should refuse to register %s with a 400 naming url and store nothing', async (url, reason) => {
    const before = await storedState(org.id);

    expectNamedRefusal(await call(strict.apiUrl, { method: 'POST', path: '/v1/endpoints', body: { url, mode: 'test' } }), new RegExp(`^url: .*${reason.source}`));
    expectNamedRefusal(await call(strict.apiUrl, { method: 'PATCH', path: '/v1/endpoints/:id', body: { url } }), new RegExp(`^url: .*${reason.source}`));
    expect(await storedState(org.id)).toEqual(before);
  });

  it('should refuse http for a live endpoint and accept it for a test endpoint when http is not allowed in live mode', async () => {
    const before = await storedState(org.id);
    // A public address literal: registering it needs no DNS, and nothing in this suite delivers to it.
    const url = 'http://93.184.215.14/hook';

    expectNamedRefusal(await call(strict.apiUrl, { method: 'POST', path: '/v1/endpoints', body: { url, mode: 'live' } }), /^url: live endpoints need https/);
    expect(await storedState(org.id)).toEqual(before);

    const accepted = await call(strict.apiUrl, { method: 'POST', path: '/v1/endpoints', body: { url, mode: 'test' } });
    expect(accepted.status).toBe(201);
    const https = await call(strict.apiUrl, { method: 'POST', path: '/v1/endpoints', body: { url: 'https://93.184.215.14/hook', mode: 'live' } });
    expect(https.status).toBe(201);
  });

  it('should refuse a loopback url only where the operator did not allow it when the two instances differ in policy', async () => {
    const body = { url: 'http://127.0.0.1:9/allowed', mode: 'test' };

    expect((await call(strict.apiUrl, { method: 'POST', path: '/v1/endpoints', body })).status).toBe(400);
    expect((await call(lenient.apiUrl, { method: 'POST', path: '/v1/endpoints', body })).status).toBe(201);
  });

  it.each<[string, Call, RegExp]>([
    ['no name', { method: 'POST', path: '/v1/organizations', body: {} }, /^name must be a string/],
    ['an over-long name', { method: 'POST', path: '/v1/organizations', body: { name: 'n'.repeat(201) } }, /^name must be shorter than or equal to 200/],
    ['an unknown field', { method: 'POST', path: '/v1/organizations', body: { name: 'X', plan: 'gold' } }, /^plan: property plan should not exist/],
    ['bad JSON', { method: 'POST', path: '/v1/organizations', rawBody: '{name: "X"}' }, /^body is not valid JSON/],
  ])('should answer 400 and create no organization when the operator sends %s', async (_name, c, message) => {
    const before = await query('SELECT * FROM organizations ORDER BY id');
    const res = await api<ErrorBody>(lenient.apiUrl, c.method, c.path, { token: PLATFORM_ADMIN_TOKEN, body: c.body, rawBody: c.rawBody });

    expectNamedRefusal(res, message);
    expect(await query('SELECT * FROM organizations ORDER BY id')).toEqual(before);
  });

  it('should answer 413, not 500, and store nothing when the body is larger than the API accepts', async () => {
    const before = await storedState(org.id);
    const res = await call(lenient.apiUrl, { method: 'POST', path: '/v1/endpoints', body: { ...VALID, description: 'd'.repeat(300 * 1024) } });

    expect(res.status).toBe(413);
    expect(await storedState(org.id)).toEqual(before);
  });

  it.each<[string, string]>([
    ['GET', '/v1/endpoints/ep_%00'],
    ['PATCH', '/v1/endpoints/%00'],
    ['DELETE', '/v1/endpoints/%00'],
    ['POST', '/v1/endpoints/%00/rotate-secret'],
    ['GET', '/v1/endpoints/%00/secret'],
    ['DELETE', '/v1/api-keys/%00'],
    ['DELETE', `/v1/api-keys/key_${'z'.repeat(40)}`],
  ])('should answer 404, not 500, when %s %s names an id PostgreSQL could not even compare', async (method, path) => {
    const before = await storedState(org.id);
    const res = await call(lenient.apiUrl, { method, path, body: method === 'PATCH' ? { description: 'x' } : undefined });

    expect(res.status).toBe(404);
    expect(await storedState(org.id)).toEqual(before);
  });

  it('should answer 400, not 500, when a path parameter is not valid percent-encoding', async () => {
    const res = await call(lenient.apiUrl, { method: 'GET', path: '/v1/endpoints/%FF' });

    expect(res.status).toBe(400);
    expect(res.body).toEqual({ statusCode: 400, error: 'BAD_REQUEST', message: ['path /v1/endpoints/%FF is not valid percent-encoded UTF-8'], code: 'invalid_request', param: 'path' });
  });
});
