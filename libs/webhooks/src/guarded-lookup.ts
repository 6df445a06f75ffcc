import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { isAddressAllowed, type UrlPolicy } from './url-policy';

export class ForbiddenAddressError extends Error {
  readonly code = 'ERR_WEBHOOK_FORBIDDEN_ADDRESS';

  constructor(
    readonly host: string,
    readonly address: string,
  ) {
    super(
      host === address
        ? `address ${address} is not a public address`
        : `host ${host} resolves to ${address}, which is not a public address`,
    );
    this.name = 'ForbiddenAddressError';
  }
}

// Installed as the Agent's `lookup`, so the check runs on the very answer the socket connects to: a name that
// passed at registration and later re-resolves to a private address (DNS rebinding) is still refused.
export function createGuardedLookup(policy: UrlPolicy): LookupFunction {
  return (hostname, options, callback) => {
    // Always ask for every address: refusing when any is private does not depend on which one the caller would pick.
    dnsLookup(hostname, { ...options, all: true }, (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => {
      if (err) {
        callback(err, '');
        return;
      }
      const forbidden = addresses.find((entry) => !isAddressAllowed(entry.address, policy));
      if (forbidden) {
        callback(new ForbiddenAddressError(hostname, forbidden.address), '');
        return;
      }
      if (addresses.length === 0) {
        const notFound: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname}`);
        notFound.code = 'ENOTFOUND';
        callback(notFound, '');
        return;
      }
      // Node 20's autoSelectFamily asks with {all: true}; older callers (or family pinning) expect one address.
      if (options.all) {
        callback(null, addresses);
      } else {
        callback(null, addresses[0].address, addresses[0].family);
      }
    });
  };
}
