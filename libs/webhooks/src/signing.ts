import { createHmac, randomBytes } from 'node:crypto';

// Standard Webhooks scheme: receivers verify with the public `standardwebhooks` / `svix` libraries, so the
// prefix, key encoding and signed-content layout must not drift from that spec.
export const SECRET_PREFIX = 'whsec_';
const SIGNATURE_VERSION = 'v1';
const SECRET_BYTES = 32;

export function generateSecret(): string {
  return SECRET_PREFIX + randomBytes(SECRET_BYTES).toString('base64');
}

function secretKey(secret: string): Buffer {
  // The reference libraries accept a bare base64 key too; mirroring them keeps both spellings equivalent.
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  const key = Buffer.from(encoded, 'base64');
  if (key.length === 0) {
    throw new Error('webhook secret has an empty key');
  }
  return key;
}

export function sign(secret: string, msgId: string, timestampSeconds: number, body: string | Buffer): string {
  // A fractional or negative timestamp would be signed but never match the header receivers parse.
  if (!Number.isSafeInteger(timestampSeconds) || timestampSeconds < 0) {
    throw new Error(`webhook timestamp must be whole unix seconds, got ${timestampSeconds}`);
  }
  const digest = createHmac('sha256', secretKey(secret))
    .update(`${msgId}.${timestampSeconds}.`)
    .update(body)
    .digest('base64');
  return `${SIGNATURE_VERSION},${digest}`;
}

export function signatureHeader(
  secrets: readonly string[],
  msgId: string,
  timestampSeconds: number,
  body: string | Buffer,
): string {
  // An unsigned delivery would be indistinguishable from a forgery to the receiver.
  if (secrets.length === 0) {
    throw new Error('at least one webhook secret is needed to sign a delivery');
  }
  return secrets.map((secret) => sign(secret, msgId, timestampSeconds, body)).join(' ');
}

export function webhookHeaders(
  secrets: readonly string[],
  msgId: string,
  timestampSeconds: number,
  body: string | Buffer,
): { 'webhook-id': string; 'webhook-timestamp': string; 'webhook-signature': string } {
  return {
    'webhook-id': msgId,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': signatureHeader(secrets, msgId, timestampSeconds, body),
  };
}
