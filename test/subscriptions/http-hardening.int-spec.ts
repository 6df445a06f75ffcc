import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { request } from 'undici';
import { resetWorld, startStack, testEnv } from '../support/stack';
import { createEndpoint, createOrg, EndpointBody, Org } from './admin-api';
import { describeOperation, fetchOpenApi, fillPath, Operation, operationsOf } from './openapi';
import { missingSecurityHeaders } from './security-headers';
import { changedParts, StoredWorld } from './stored-world';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

async function send(url: string, init: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<Answer> {
  const res = await request(url, { method: (init.method ?? 'GET') as 'GET', headers: init.headers, body: init.body });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

/** Sends bytes as they are (no client would), and returns the raw answer. */
function sendRaw(apiUrl: string, bytes: string): Promise<string> {
  const { hostname, port } = new URL(apiUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.end(bytes));
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.on('error', reject);
  });
}

// Every error answer carries a machine-readable code (SPEC §13); `param` where a field is at fault.
const errorShape = (status: number) => expect.objectContaining({ statusCode: status, error: expect.any(String), message: expect.arrayContaining([expect.any(String)]), code: expect.any(String) });
const STACK_FRAME = /\bat .+:\d+:\d+|node_modules|\.ts:\d+/;

// Security headers, body limits and the refusals that happen below the controllers (parser, router,
// Node's HTTP parser), each answered in the API's JSON error shape without internals.
describe('the admin API at the HTTP level', () => {
  let stack: Awaited<ReturnType<typeof startStack>>;
  let org: Org;
  let endpoint: EndpointBody;
  let operations: Operation[];
  let stored: StoredWorld;
  const auth = () => ({ authorization: `Bearer ${org.apiKey}` });
  const json = () => ({ ...auth(), 'content-type': 'application/json' });

  beforeAll(async () => {
    await resetWorld();
    stack = await startStack(testEnv(), ['subscriptions']);
    org = await createOrg(stack.apiUrl, 'Headers');
    endpoint = await createEndpoint(stack.apiUrl, org);
    operations = operationsOf(await fetchOpenApi(stack.apiUrl));
    stored = await StoredWorld.open();
  });

  afterAll(async () => {
    await stored?.close();
    await stack?.stop();
  });

  it.each<[string, () => Parameters<typeof send>, number]>([
    ['a list', () => [`${stack.apiUrl}/v1/endpoints`, { headers: auth() }], 200],
    ['an unknown route', () => [`${stack.apiUrl}/v1/nothing-here`, {}], 404],
    ['an unknown route outside /v1', () => [`${stack.apiUrl}/wp-admin.php`, {}], 404],
    ['a request without a key', () => [`${stack.apiUrl}/v1/endpoints`, {}], 401],
    ['malformed JSON', () => [`${stack.apiUrl}/v1/endpoints`, { method: 'POST', headers: json(), body: '{"url": ' }], 400],
    ['an invalid field', () => [`${stack.apiUrl}/v1/endpoints`, { method: 'POST', headers: json(), body: '{"url": 5}' }], 400],
    ['a body over the limit', () => [`${stack.apiUrl}/v1/endpoints`, { method: 'POST', headers: json(), body: JSON.stringify({ description: 'd'.repeat(300_000) }) }], 413],
    ['a body that is not JSON', () => [`${stack.apiUrl}/v1/endpoints`, { method: 'POST', headers: { ...auth(), 'content-type': 'text/plain' }, body: 'url=x' }], 415],
    ['the liveness probe', () => [`${stack.apiUrl}/health/live`, {}], 200],
    ['the metrics', () => [`${stack.apiUrl}/metrics`, {}], 200],
    ['the OpenAPI document', () => [`${stack.apiUrl}/openapi.json`, {}], 200],
  ])('should send the security headers and no X-Powered-By when answering %s', async (_what, args, status) => {
    const res = await send(...args());

    expect(res.status).toBe(status);
    expect(missingSecurityHeaders(res.headers)).toEqual([]);
    expect(res.headers['content-security-policy']).toBe("default-src 'none';base-uri 'none';form-action 'none';frame-ancestors 'none'");
    if (status >= 400) {
      expect(JSON.parse(res.text)).toEqual(errorShape(status));
      expect(res.text).not.toMatch(STACK_FRAME);
    }
  });

  it('should let Swagger UI load its own scripts and styles at /docs and nothing else', async () => {
    const res = await send(`${stack.apiUrl}/docs`);

    expect(res.status).toBe(200);
    expect(missingSecurityHeaders(res.headers, ['cache-control'])).toEqual([]);
    const policy = String(res.headers['content-security-policy']);
    expect(policy).toContain("script-src 'self'");
    expect(policy).not.toContain('unsafe-eval');
    expect(policy).not.toMatch(/script-src[^;]*unsafe-inline/);
  });

  it('should keep the dashboard its own stricter policy', async () => {
    const res = await send(`${stack.apiUrl}/dashboard/`);

    expect(res.status).toBe(200);
    expect(missingSecurityHeaders(res.headers, ['cache-control', 'content-security-policy'])).toEqual([]);
    expect(res.headers['content-security-policy']).toMatch(/^default-src 'none'; script-src 'self'; .*frame-ancestors 'none'$/);
  });

  it('should send Strict-Transport-Security only when HSTS_MAX_AGE_SECONDS is set', async () => {
    const https = await startStack(testEnv({ HSTS_MAX_AGE_SECONDS: '31536000' }), ['subscriptions']);
    try {
      const res = await send(`${https.apiUrl}/v1/nothing`);

      expect(res.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    } finally {
      await https.stop();
    }
  });

  it('should answer 413 in the error shape and change nothing on every operation of the document when the JSON body is over 256 KiB', async () => {
    const ids = { id: endpoint.id, type: 'product.updated' };
    const big = JSON.stringify({ description: 'd'.repeat(300_000) });
    const before = await stored.fingerprint();
    const answers: string[] = [];
    for (const op of operations) {
      const res = await send(`${stack.apiUrl}${fillPath(op.path, ids)}`, { method: op.method, headers: json(), body: big });
      answers.push(`${describeOperation(op)} → ${res.status} ${res.text}`);
    }

    expect(answers).toEqual(operations.map((op) => `${describeOperation(op)} → 413 {"statusCode":413,"error":"PAYLOAD_TOO_LARGE","message":["body is too large: 256kb at most"],"code":"body_too_large","param":"body"}`));
    expect(changedParts(before, await stored.fingerprint())).toEqual([]);
  });

  it('should answer 413 when a small gzip body inflates past the limit', async () => {
    const bomb = gzipSync(JSON.stringify({ url: 'http://127.0.0.1:9/x', mode: 'test', description: ' '.repeat(5_000_000) }));
    expect(bomb.length).toBeLessThan(20_000);

    const res = await send(`${stack.apiUrl}/v1/endpoints`, { method: 'POST', headers: { ...json(), 'content-encoding': 'gzip' }, body: bomb });

    expect(res.status).toBe(413);
  });

  it.each<[string, Record<string, string>, string | Buffer, number, string]>([
    ['an unsupported Content-Encoding', { 'content-encoding': 'compress' }, '{}', 415, 'Content-Encoding compress is not supported; send the body as identity, gzip, deflate or br'],
    ['a gzip Content-Encoding over plain bytes', { 'content-encoding': 'gzip' }, '{"url": "x"}', 400, 'body could not be read: check that it is encoded as its Content-Encoding says'],
    ['a charset other than UTF-8', { 'content-type': 'application/json; charset=latin1' }, '{}', 415, 'Content-Type charset latin1 is not supported; send JSON in UTF-8'],
    ['a form body', { 'content-type': 'application/x-www-form-urlencoded' }, 'url=x&mode=test', 415, 'Content-Type application/x-www-form-urlencoded is not accepted; send the body as application/json'],
    ['a top-level __proto__', {}, '{"__proto__": {"polluted": true}, "url": "http://127.0.0.1:9/x", "mode": "test"}', 400, '__proto__: a field named __proto__ is not accepted'],
    ['a nested __proto__', {}, '{"url": "http://127.0.0.1:9/x", "mode": "test", "metadata": {"__proto__": "x"}}', 400, 'metadata.__proto__: a field named __proto__ is not accepted'],
    ['a body nested 10,000 deep', {}, `{"metadata": ${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}`, 400, `metadata${'.a'.repeat(31)}: nested deeper than 32 levels`],
    ['an array nested 10,000 deep', {}, `{"eventTypes": ${'['.repeat(10_000)}${']'.repeat(10_000)}}`, 400, `eventTypes${'[0]'.repeat(31)}: nested deeper than 32 levels`],
  ])('should refuse %s in the error shape, naming what is wrong, and change nothing', async (_what, headers, body, status, message) => {
    const before = await stored.fingerprint();

    const res = await send(`${stack.apiUrl}/v1/endpoints`, { method: 'POST', headers: { ...json(), ...headers }, body });

    expect({ status: res.status, body: JSON.parse(res.text) }).toEqual({
      status,
      body: { statusCode: status, error: expect.any(String), message: [message], code: expect.stringMatching(/^(invalid_field|invalid_json|unsupported_media_type)$/), param: expect.any(String) },
    });
    expect(missingSecurityHeaders(res.headers)).toEqual([]);
    expect(changedParts(before, await stored.fingerprint())).toEqual([]);
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it.each<[string, string, number]>([
    ['headers over 16 KiB', `GET /v1/endpoints HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`, 431],
    ['a URL over 16 KiB', `GET /v1/endpoints?cursor=${'c'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`, 431],
    ['a request line that is not HTTP', 'HELLO THERE\r\n\r\n', 400],
    ['a header with a NUL byte', 'GET /v1/endpoints HTTP/1.1\r\nHost: x\r\nX-A: a\u0000b\r\n\r\n', 400],
    ['a broken chunked body', 'POST /v1/endpoints HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n{}\r\n0\r\n\r\n', 400],
  ])('should answer %s that Node cannot parse in the JSON error shape', async (_what, bytes, status) => {
    const raw = await sendRaw(stack.apiUrl, bytes);

    const [head, body] = raw.split('\r\n\r\n');
    expect(head.split('\r\n')[0]).toBe(`HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : 'Bad Request'}`);
    expect(head).toMatch(/\r\nContent-Type: application\/json; charset=utf-8\r\n/);
    expect(head).toMatch(/\r\nX-Content-Type-Options: nosniff\r\n/);
    expect(JSON.parse(body)).toEqual(errorShape(status));
  });
});
