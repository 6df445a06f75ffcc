import { Webhook } from 'standardwebhooks';
import { SECRET_PREFIX, generateSecret, sign, signatureHeader, webhookHeaders } from './signing';

// Published Standard Webhooks example, recomputed independently with python3 hmac/hashlib.
const VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  msgId: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

describe('generateSecret', () => {
  it('should return whsec_ plus 32 random bytes in base64 when called', () => {
    const secret = generateSecret();
    expect(secret.startsWith(SECRET_PREFIX)).toBe(true);
    expect(Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64')).toHaveLength(32);
    expect(generateSecret()).not.toBe(secret);
  });
});

describe('sign', () => {
  it.each([
    ['a string body', VECTOR.body],
    ['the same bytes as a Buffer', Buffer.from(VECTOR.body)],
  ])('should match the known vector when given %s', (_label, body) => {
    expect(sign(VECTOR.secret, VECTOR.msgId, VECTOR.timestamp, body)).toBe(VECTOR.signature);
  });

  it.each([
    ['a fractional timestamp', 1.5],
    ['a negative timestamp', -1],
    ['NaN', Number.NaN],
  ])('should throw when given %s', (_label, timestamp) => {
    expect(() => sign(VECTOR.secret, VECTOR.msgId, timestamp, VECTOR.body)).toThrow(/whole unix seconds/);
  });

  it('should throw when the secret has no key', () => {
    expect(() => sign(SECRET_PREFIX, VECTOR.msgId, VECTOR.timestamp, VECTOR.body)).toThrow(/empty key/);
  });
});

describe('signatureHeader', () => {
  it('should sign once per secret, space-separated, when rotating', () => {
    const other = generateSecret();
    expect(signatureHeader([VECTOR.secret, other], VECTOR.msgId, VECTOR.timestamp, VECTOR.body)).toBe(
      `${VECTOR.signature} ${sign(other, VECTOR.msgId, VECTOR.timestamp, VECTOR.body)}`,
    );
  });

  it('should throw when there is no secret', () => {
    expect(() => signatureHeader([], VECTOR.msgId, VECTOR.timestamp, VECTOR.body)).toThrow(/at least one/);
  });
});

describe('webhookHeaders verified by the standardwebhooks package', () => {
  const oldSecret = generateSecret();
  const newSecret = generateSecret();
  const body = '{"id":"evt_1","type":"order.created","data":{"note":"  spaces and ünïcödé  "}}\n';

  it.each([
    ['the only secret', [newSecret], newSecret],
    ['the new secret during rotation', [newSecret, oldSecret], newSecret],
    ['the old secret during rotation', [newSecret, oldSecret], oldSecret],
  ])('should verify with %s', (_label, signing, verifying) => {
    const headers = webhookHeaders(signing, 'msg_1', nowSeconds(), body);
    expect(new Webhook(verifying).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it.each([
    ['the body is tampered with', body.replace('order', 'refund'), [newSecret], newSecret],
    ['the body loses its trailing newline', body.trimEnd(), [newSecret], newSecret],
    ['the secret is not among the signers', body, [oldSecret], newSecret],
  ])('should fail verification when %s', (_label, received, signing, verifying) => {
    const headers = webhookHeaders(signing, 'msg_1', nowSeconds(), body);
    expect(() => new Webhook(verifying).verify(received, headers)).toThrow();
  });

  it('should carry the id and timestamp verbatim when building headers', () => {
    const headers = webhookHeaders([VECTOR.secret], VECTOR.msgId, VECTOR.timestamp, VECTOR.body);
    expect(headers).toEqual({
      'webhook-id': VECTOR.msgId,
      'webhook-timestamp': String(VECTOR.timestamp),
      'webhook-signature': VECTOR.signature,
    });
  });
});
