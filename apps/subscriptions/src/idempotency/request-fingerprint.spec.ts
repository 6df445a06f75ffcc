import { canonicalJson, IDEMPOTENCY_KEY_PATTERN, keyDigest, openAnswer, requestFingerprint, sealAnswer } from './request-fingerprint';

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

describe('sealed answers', () => {
  const answer = '{"id":"ep_1","secret":"whsec_abc"}';

  it('should open what was sealed under the same key and scope, and store neither the key nor the secret', () => {
    const sealed = sealAnswer('key-1', 'org:a', answer);
    expect(openAnswer('key-1', 'org:a', sealed)).toBe(answer);
    expect(sealed).not.toContain('whsec_');
    expect(keyDigest('key-1')).toMatch(/^[0-9a-f]{64}$/);
    expect(keyDigest('key-1')).not.toBe(keyDigest('key-2'));
  });

  it.each([
    ['another key', 'key-2', 'org:a'],
    ['another scope', 'key-1', 'org:b'],
  ])('should refuse to open it with %s', (_what, key, scope) => {
    const sealed = sealAnswer('key-1', 'org:a', answer);
    expect(() => openAnswer(key, scope, sealed)).toThrow();
  });

  it('should refuse a changed seal', () => {
    const sealed = Buffer.from(sealAnswer('key-1', 'org:a', answer), 'base64');
    sealed[sealed.length - 1] ^= 1;
    expect(() => openAnswer('key-1', 'org:a', sealed.toString('base64'))).toThrow();
  });
});
