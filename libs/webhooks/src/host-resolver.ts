import { promises as dns, type LookupAddress } from 'node:dns';

/** Every address a host name stands for; the URL policy judges each one. */
export type HostResolver = (hostname: string) => Promise<LookupAddress[]>;

const SERVERS_ENV_NAME = 'DNS_SERVERS';
/** Per query to a configured server; the delivery deadline still bounds the whole attempt. */
const QUERY_TIMEOUT_MS = 2_000;
/** "No such name" and "no record of this family": an empty answer for that family, not a failure. */
const NO_ANSWER_CODES: ReadonlySet<string> = new Set([dns.NODATA, dns.NOTFOUND]);

/** The operating system's resolver (getaddrinfo: /etc/hosts, then the system's DNS servers). */
export const systemResolver: HostResolver = (hostname) => dns.lookup(hostname, { all: true, verbatim: true });

/** Splits and checks DNS_SERVERS (`ip[:port]` or `[ipv6]:port`, comma-separated); empty means the system resolver. */
export function parseDnsServers(raw: string | undefined): string[] {
  const servers = (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (servers.length === 0) return [];
  try {
    new dns.Resolver().setServers(servers);
  } catch {
    throw new Error(`${SERVERS_ENV_NAME}: "${raw}" is not a list of DNS server addresses (expected e.g. "10.0.0.2,10.0.0.3:5353,[fd00::53]:53")`);
  }
  return servers;
}

/**
 * Asks the given DNS servers for A and AAAA records directly, bypassing getaddrinfo (so /etc/hosts is not
 * read). Lets an operator pin the resolver the URL policy trusts, and lets tests put a DNS stub in front.
 */
export function dnsServersResolver(servers: readonly string[]): HostResolver {
  const resolver = new dns.Resolver({ timeout: QUERY_TIMEOUT_MS, tries: 2 });
  resolver.setServers(servers);
  const family = async (query: Promise<string[]>, familyNumber: 4 | 6): Promise<LookupAddress[] | NodeJS.ErrnoException> => {
    try {
      return (await query).map((address) => ({ address, family: familyNumber }));
    } catch (err) {
      return err as NodeJS.ErrnoException;
    }
  };
  return async (hostname) => {
    const answers = await Promise.all([family(resolver.resolve4(hostname), 4), family(resolver.resolve6(hostname), 6)]);
    const failure = answers.find((a): a is NodeJS.ErrnoException => !Array.isArray(a) && !NO_ANSWER_CODES.has(a.code ?? ''));
    // A server that failed (timeout, refused) for one family leaves the answer incomplete: fail rather than guess.
    if (failure) throw failure;
    const addresses = answers.flatMap((a) => (Array.isArray(a) ? a : []));
    if (addresses.length === 0) {
      const notFound: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname}`);
      notFound.code = 'ENOTFOUND';
      throw notFound;
    }
    return addresses;
  };
}

/** The resolver DNS_SERVERS asks for: the listed servers, or the system's when empty. */
export function createHostResolver(dnsServers: string | undefined): HostResolver {
  const servers = parseDnsServers(dnsServers);
  return servers.length === 0 ? systemResolver : dnsServersResolver(servers);
}
