import { createHash, randomBytes } from 'node:crypto';
import { ApiKeyMaterial } from '@app/persistence';

const KEY_PREFIX = 'shk_';

/** A new organization API key: the value is returned to the caller once, only its hash is stored. */
export function generateApiKey(name: string): { value: string; material: ApiKeyMaterial } {
  const value = `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
  return { value, material: { name, prefix: value.slice(0, KEY_PREFIX.length + 6), hash: hashApiKey(value) } };
}

/** Keys are 256 random bits, so a fast hash is enough (no password stretching needed). */
export function hashApiKey(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}
