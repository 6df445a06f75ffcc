import type { LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { systemResolver, type HostResolver } from './host-resolver';
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

function wantedFamily(family: number | string | undefined): 4 | 6 | null {
  if (family === 4 || family === 'IPv4') return 4;
  if (family === 6 || family === 'IPv6') return 6;
  return null;
}

// Installed as the Agent's `lookup`, so the check runs on the very answer the socket connects to: a name that
// passed at registration and later re-resolves to a private address (DNS rebinding) is still refused.
export function createGuardedLookup(policy: UrlPolicy, resolve: HostResolver = systemResolver): LookupFunction {
  return (hostname, options, callback) => {
    // Every address is judged, whatever family the caller wants: refusing when any is private does not
    // depend on which one the caller would pick.
    resolve(hostname).then(
      (all: LookupAddress[]) => {
        const forbidden = all.find((entry) => !isAddressAllowed(entry.address, policy));
        if (forbidden) {
          callback(new ForbiddenAddressError(hostname, forbidden.address), '');
          return;
        }
        const family = wantedFamily(options.family);
        const addresses = family === null ? all : all.filter((entry) => entry.family === family);
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
      },
      (err: NodeJS.ErrnoException) => callback(err, ''),
    );
  };
}
