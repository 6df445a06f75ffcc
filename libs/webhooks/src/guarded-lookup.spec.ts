import type { LookupAddress, LookupOptions } from 'node:dns';
import { ForbiddenAddressError, createGuardedLookup } from './guarded-lookup';
import type { UrlPolicy } from './url-policy';

const STRICT: UrlPolicy = { allowedPrivateNetworks: [], allowHttpInLive: false };
const LOCAL_ALLOWED: UrlPolicy = { allowedPrivateNetworks: ['127.0.0.0/8', '::1/128'], allowHttpInLive: false };

interface LookupAnswer {
  err: NodeJS.ErrnoException | null;
  address: string | LookupAddress[];
  family?: number;
}

// Real dns.lookup against /etc/hosts: `localhost` needs no network.
function runLookup(policy: UrlPolicy, host: string, options: LookupOptions): Promise<LookupAnswer> {
  return new Promise((resolve) => {
    createGuardedLookup(policy)(host, options, (err, address, family) => resolve({ err, address, family }));
  });
}

describe('createGuardedLookup', () => {
  it.each<[string, LookupOptions]>([
    ['all addresses', { all: true }],
    ['one address', {}],
  ])('should fail with ForbiddenAddressError when localhost is not allowed and asked for %s', async (_label, options) => {
    const { err } = await runLookup(STRICT, 'localhost', options);
    expect(err).toBeInstanceOf(ForbiddenAddressError);
    expect(err).toMatchObject({ code: 'ERR_WEBHOOK_FORBIDDEN_ADDRESS', host: 'localhost' });
    expect(err?.message).toMatch(/host localhost resolves to (127\.0\.0\.1|::1), which is not a public address/);
  });

  it('should answer a list when asked for all addresses and they are allowed', async () => {
    const { err, address } = await runLookup(LOCAL_ALLOWED, 'localhost', { all: true });
    expect(err).toBeNull();
    expect(address).toEqual(expect.arrayContaining([expect.objectContaining({ address: expect.stringMatching(/^(127\.0\.0\.1|::1)$/) })]));
  });

  it('should answer one address and its family when asked for one and it is allowed', async () => {
    const { err, address, family } = await runLookup(LOCAL_ALLOWED, 'localhost', { family: 4 });
    expect(err).toBeNull();
    expect(address).toBe('127.0.0.1');
    expect(family).toBe(4);
  });

  it('should pass a resolution failure through when the name does not exist', async () => {
    const { err } = await runLookup(STRICT, 'no-such-host.invalid', { all: true });
    expect(err).not.toBeInstanceOf(ForbiddenAddressError);
    expect(err?.code).toMatch(/^(ENOTFOUND|EAI_AGAIN)$/);
  });
});
