import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

export interface UrlPolicy {
  allowedPrivateNetworks: readonly string[];
  allowHttpInLive: boolean;
}

export type UrlCheck = { ok: true; url: URL } | { ok: false; reason: string };

const NETWORKS_ENV_NAME = 'WEBHOOK_ALLOWED_PRIVATE_NETWORKS';
const MAX_URL_LENGTH = 2048;
const PUBLIC_RANGE = 'unicast';
const NEED_PUBLIC = 'webhooks need a public address';
/** IANA's global unicast IPv6 space; ipaddr.js calls everything outside its special ranges "unicast", this is narrower. */
const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR('2000::/3');
/** `::a.b.c.d`, the deprecated IPv4-compatible spelling (RFC 4291 §2.5.5.1). */
const IPV4_COMPATIBLE_V6 = ipaddr.parseCIDR('::/96');

// Wording for the 400 only; which addresses fall in which range is ipaddr.js's job, not a table kept here.
const RANGE_WORDING: Readonly<Record<string, string>> = {
  loopback: 'a loopback address',
  private: 'a private address',
  linkLocal: 'a link-local address',
  uniqueLocal: 'a unique-local (private IPv6) address',
  unspecified: 'an unspecified address',
  broadcast: 'a broadcast address',
  carrierGradeNat: 'a carrier-grade NAT address',
  multicast: 'a multicast address',
  reserved: 'a reserved address',
  invalid: 'not a valid IP address',
  ipv4Compatible: 'an IPv4-compatible IPv6 address',
};

export function parseAllowedNetworks(raw: string | undefined): string[] {
  if (raw === undefined || raw.trim() === '') {
    return [];
  }
  return raw.split(',').map((part) => {
    const cidr = part.trim();
    try {
      ipaddr.parseCIDR(cidr);
    } catch {
      throw new Error(`${NETWORKS_ENV_NAME}: "${cidr}" is not a CIDR network (expected e.g. "10.0.0.0/8,127.0.0.1/32")`);
    }
    return cidr;
  });
}

function inNetwork(address: ipaddr.IPv4 | ipaddr.IPv6, cidr: string): boolean {
  const [network, bits] = ipaddr.parseCIDR(cidr);
  if (address.kind() === network.kind()) {
    return address.match(network, bits);
  }
  // An IPv4 address also counts as inside an IPv6 network written in its mapped form (::ffff:a.b.c.d/n).
  return address.kind() === 'ipv4' && (address as ipaddr.IPv4).toIPv4MappedAddress().match(network, bits);
}

// ipaddr.js says "unicast" for ::7f00:1 (::127.0.0.1) and unallocated IPv6 space alike: neither is a public address.
function publicRangeOrWhy(address: ipaddr.IPv4 | ipaddr.IPv6): string {
  const range = address.range();
  if (range !== PUBLIC_RANGE || address.kind() === 'ipv4') return range;
  const v6 = address as ipaddr.IPv6;
  if (v6.match(IPV4_COMPATIBLE_V6)) return 'ipv4Compatible';
  return v6.match(GLOBAL_UNICAST_V6) ? PUBLIC_RANGE : 'reserved';
}

// The range that makes an address unacceptable, or null when it may be connected to.
function refusedRange(ip: string, policy: UrlPolicy): string | null {
  if (!ipaddr.isValid(ip)) {
    return 'invalid';
  }
  // process() unwraps IPv4-mapped IPv6 so ::ffff:127.0.0.1 is judged as the IPv4 address it reaches.
  const address = ipaddr.process(ip);
  const range = publicRangeOrWhy(address);
  if (range === PUBLIC_RANGE || policy.allowedPrivateNetworks.some((cidr) => inNetwork(address, cidr))) {
    return null;
  }
  return range;
}

export function isAddressAllowed(ip: string, policy: UrlPolicy): boolean {
  return refusedRange(ip, policy) === null;
}

function describeRange(range: string): string {
  return RANGE_WORDING[range] ?? `a non-public (${range}) address`;
}

function refuse(reason: string): UrlCheck {
  return { ok: false, reason: `url: ${reason}` };
}

function isLocalhostName(host: string): boolean {
  const name = host.endsWith('.') ? host.slice(0, -1) : host;
  return name === 'localhost' || name.endsWith('.localhost');
}

// WHATWG keeps the brackets of an IPv6 literal in `hostname`; ipaddr.js and dns want them off.
function bareHost(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

export function checkUrlSyntax(raw: string, mode: 'live' | 'test', policy: UrlPolicy): UrlCheck {
  if (raw.length > MAX_URL_LENGTH) {
    return refuse(`longer than ${MAX_URL_LENGTH} characters`);
  }
  let url: URL;
  try {
    // WHATWG parsing also folds decimal, hex and octal IPv4 spellings into dotted quads, so the checks below see 127.0.0.1.
    url = new URL(raw);
  } catch {
    return refuse('not a valid absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return refuse(`scheme ${url.protocol.slice(0, -1)} is not allowed; use https`);
  }
  if (url.username !== '' || url.password !== '') {
    return refuse('must not contain a user name or password; put credentials in the endpoint headers instead');
  }
  if (url.protocol === 'http:' && mode === 'live' && !policy.allowHttpInLive) {
    return refuse('live endpoints need https');
  }
  const host = bareHost(url);
  if (host === '') {
    return refuse('host is empty');
  }
  if (isLocalhostName(host) && !isAddressAllowed('127.0.0.1', policy)) {
    return refuse(`host ${host} is a local name; ${NEED_PUBLIC}`);
  }
  if (isIP(host) !== 0) {
    const range = refusedRange(host, policy);
    if (range !== null) {
      return refuse(`host ${host} is ${describeRange(range)}; ${NEED_PUBLIC}`);
    }
  }
  return { ok: true, url };
}

export async function checkUrl(
  raw: string,
  mode: 'live' | 'test',
  policy: UrlPolicy,
  resolve: (host: string) => Promise<string[]>,
): Promise<UrlCheck> {
  const syntax = checkUrlSyntax(raw, mode, policy);
  if (!syntax.ok) {
    return syntax;
  }
  const host = bareHost(syntax.url);
  if (isIP(host) !== 0) {
    return syntax;
  }
  let addresses: string[];
  try {
    addresses = await resolve(host);
  } catch {
    return refuse(`host ${host} does not resolve`);
  }
  if (addresses.length === 0) {
    return refuse(`host ${host} does not resolve`);
  }
  // Every answer counts: a client may connect to any of them, so one private record is enough to refuse.
  for (const address of addresses) {
    const range = refusedRange(address, policy);
    if (range !== null) {
      return refuse(`host ${host} resolves to ${address}, ${describeRange(range)}; ${NEED_PUBLIC}`);
    }
  }
  return syntax;
}
