import type { LookupOptions } from 'node:dns';
import { DnsStub } from '../../../test/support/dns-stub';
import { ForbiddenAddressError, createGuardedLookup } from './guarded-lookup';
import { createHostResolver, dnsServersResolver, parseDnsServers, systemResolver } from './host-resolver';

// A real UDP DNS server on 127.0.0.1 answering from a table: no network, no /etc/hosts.
describe('dnsServersResolver', () => {
  const stub = new DnsStub();

  beforeAll(async () => {
    await stub.start();
  });

  afterAll(async () => {
    await stub.stop();
  });

  it('should return every A and AAAA answer of the configured server', async () => {
    stub.answer('both.test', ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946']);

    const answers = await dnsServersResolver([stub.server])('both.test');

    expect(answers).toEqual(
      expect.arrayContaining([
        { address: '93.184.216.34', family: 4 },
        { address: '2606:2800:220:1:248:1893:25c8:1946', family: 6 },
      ]),
    );
  });

  it('should see a changed answer at once when the server changes it (no cache)', async () => {
    const resolve = dnsServersResolver([stub.server]);
    stub.answer('rebind.test', ['93.184.216.34']);
    expect(await resolve('rebind.test')).toEqual([{ address: '93.184.216.34', family: 4 }]);

    stub.answer('rebind.test', ['127.0.0.1']);

    expect(await resolve('rebind.test')).toEqual([{ address: '127.0.0.1', family: 4 }]);
  });

  it('should fail with ENOTFOUND when the server does not know the name', async () => {
    await expect(dnsServersResolver([stub.server])('nowhere.test')).rejects.toMatchObject({ code: 'ENOTFOUND' });
  });

  it('should not read /etc/hosts when servers are configured', async () => {
    await expect(dnsServersResolver([stub.server])('localhost')).rejects.toMatchObject({ code: 'ENOTFOUND' });
  });

  it.each<[string, LookupOptions]>([
    ['all addresses', { all: true }],
    ['one IPv4 address', { family: 4 }],
  ])('should make the guarded lookup refuse a name the server resolves to loopback when asked for %s', async (_label, options) => {
    stub.answer('inside.test', ['127.0.0.1']);
    const lookup = createGuardedLookup({ allowedPrivateNetworks: [], allowHttpInLive: false }, dnsServersResolver([stub.server]));

    const err = await new Promise<NodeJS.ErrnoException | null>((resolve) => lookup('inside.test', options, (e) => resolve(e)));

    expect(err).toBeInstanceOf(ForbiddenAddressError);
    expect(err?.message).toBe('host inside.test resolves to 127.0.0.1, which is not a public address');
  });

  it('should answer the family asked for when the guarded lookup allows the addresses', async () => {
    stub.answer('dual.test', ['127.0.0.2', '::1']);
    const lookup = createGuardedLookup({ allowedPrivateNetworks: ['127.0.0.0/8', '::1/128'], allowHttpInLive: false }, dnsServersResolver([stub.server]));

    const answer = await new Promise<[string, number | undefined]>((resolve) => lookup('dual.test', { family: 4 }, (_e, address, family) => resolve([address as string, family])));

    expect(answer).toEqual(['127.0.0.2', 4]);
  });
});

describe('parseDnsServers and createHostResolver', () => {
  it.each<[string | undefined, string[]]>([
    [undefined, []],
    ['', []],
    [' 10.0.0.2 ', ['10.0.0.2']],
    ['10.0.0.2,127.0.0.1:5353,[::1]:53', ['10.0.0.2', '127.0.0.1:5353', '[::1]:53']],
  ])('should accept %j', (raw, servers) => {
    expect(parseDnsServers(raw)).toEqual(servers);
  });

  it.each(['dns.example.com', '10.0.0.2:dns', '300.1.1.1'])('should refuse %j and name the setting', (raw) => {
    expect(() => parseDnsServers(raw)).toThrow(/^DNS_SERVERS: /);
  });

  it('should use the system resolver when no server is configured', () => {
    expect(createHostResolver('')).toBe(systemResolver);
  });
});
