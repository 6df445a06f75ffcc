import { canonicalJson, IDEMPOTENCY_KEY_PATTERN, requestFingerprint } from './request-fingerprint';

describe('canonicalJson', () => {
  it.each<[unknown, string]>([
    [{ b: 1, a: 2 }, '{"a":2,"b":1}'],
    [{ a: { d: [3, { z: 1, y: 2 }], c: null } }, '{"a":{"c":null,"d":[3,{"y":2,"z":1}]}}'],
    [[2, 1], '[2,1]'],
    ['x', '"x"'],
    [null, 'null'],
    [undefined, 'null'],
  ])('should write %j as %s', (value, expected) => {
    expect(canonicalJson(value)).toBe(expected);
  });
});

describe('requestFingerprint', () => {
  const base = requestFingerprint('POST', '/v1/endpoints', { url: 'https://a.example', mode: 'test' });

  it.each<[string, string, string, unknown, boolean]>([
    ['the same body in another key order', 'POST', '/v1/endpoints', { mode: 'test', url: 'https://a.example' }, true],
    ['another value', 'POST', '/v1/endpoints', { url: 'https://b.example', mode: 'test' }, false],
    ['another path', 'POST', '/v1/api-keys', { url: 'https://a.example', mode: 'test' }, false],
    ['another query', 'POST', '/v1/endpoints?x=1', { url: 'https://a.example', mode: 'test' }, false],
    ['no body', 'POST', '/v1/endpoints', undefined, false],
  ])('should tell whether %s is the same request', (_what, method, url, body, same) => {
    expect(requestFingerprint(method, url, body) === base).toBe(same);
  });
});

describe('IDEMPOTENCY_KEY_PATTERN', () => {
  it.each<[string, boolean]>([
    ['8c1b5a6e-2f0d-4c1e-9d1e-3f2a1b0c9d8e', true],
    ['a', true],
    ['k'.repeat(255), true],
    ['k'.repeat(256), false],
    ['', false],
    ['has space', false],
    ['ünïcode', false],
  ])('should judge %j as %s', (key, ok) => {
    expect(IDEMPOTENCY_KEY_PATTERN.test(key)).toBe(ok);
  });
});
