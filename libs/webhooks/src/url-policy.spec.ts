import { type UrlPolicy, checkUrl, checkUrlSyntax, isAddressAllowed, parseAllowedNetworks } from './url-policy';

const STRICT: UrlPolicy = { allowedPrivateNetworks: [], allowHttpInLive: false };
const LOOPBACK_ALLOWED: UrlPolicy = { allowedPrivateNetworks: ['127.0.0.0/8'], allowHttpInLive: false };

describe('parseAllowedNetworks', () => {
  it.each<[string, string | undefined, string[]]>([
    ['unset', undefined, []],
    ['empty', '', []],
    ['one IPv4 network', '127.0.0.0/8', ['127.0.0.0/8']],
    ['mixed families with spaces', ' 10.0.0.0/8 , fc00::/7 ', ['10.0.0.0/8', 'fc00::/7']],
  ])('should parse %s', (_label, raw, expected) => {
    expect(parseAllowedNetworks(raw)).toEqual(expected);
  });

  it.each([
    ['a bare address', '10.0.0.1'],
    ['garbage', 'nope'],
    ['a prefix too long', '10.0.0.0/33'],
    ['an empty item', '10.0.0.0/8,,'],
  ])('should throw naming the setting when given %s', (_label, raw) => {
    expect(() => parseAllowedNetworks(raw)).toThrow('WEBHOOK_ALLOWED_PRIVATE_NETWORKS');
  });

  it('should name the bad entry when one of several is wrong', () => {
    expect(() => parseAllowedNetworks('10.0.0.0/8,192.168.1.300/24')).toThrow('"192.168.1.300/24"');
  });
});

describe('isAddressAllowed', () => {
  it.each<[string, UrlPolicy, boolean]>([
    ['93.184.216.34', STRICT, true],
    ['2606:2800:220:1:248:1893:25c8:1946', STRICT, true],
    ['127.0.0.1', STRICT, false],
    ['::1', STRICT, false],
    ['::ffff:127.0.0.1', STRICT, false],
    ['::ffff:10.0.0.1', STRICT, false],
    ['10.1.2.3', STRICT, false],
    ['169.254.169.254', STRICT, false],
    ['100.64.0.1', STRICT, false],
    ['0.0.0.0', STRICT, false],
    ['255.255.255.255', STRICT, false],
    ['224.0.0.1', STRICT, false],
    ['240.0.0.1', STRICT, false],
    ['fd00::1', STRICT, false],
    ['fe80::1', STRICT, false],
    ['2002:7f00:1::', STRICT, false],
    ['2001::1', STRICT, false],
    ['64:ff9b::7f00:1', STRICT, false],
    ['not-an-ip', STRICT, false],
    ['127.0.0.1', LOOPBACK_ALLOWED, true],
    ['::ffff:127.0.0.1', LOOPBACK_ALLOWED, true],
    ['::1', LOOPBACK_ALLOWED, false],
    ['10.1.2.3', LOOPBACK_ALLOWED, false],
    ['127.0.0.1', { allowedPrivateNetworks: ['::ffff:127.0.0.0/104'], allowHttpInLive: false }, true],
    ['fd00::1', { allowedPrivateNetworks: ['10.0.0.0/8', 'fd00::/8'], allowHttpInLive: false }, true],
  ])('should judge %s under %p as allowed=%p', (ip, policy, expected) => {
    expect(isAddressAllowed(ip, policy)).toBe(expected);
  });
});

describe('checkUrlSyntax', () => {
  it.each<[string, 'live' | 'test', UrlPolicy, RegExp]>([
    ['http://localhost/', 'test', STRICT, /host localhost is a local name/],
    ['http://LOCALHOST./', 'test', STRICT, /host localhost\. is a local name/],
    ['https://api.localhost/', 'live', STRICT, /local name/],
    ['http://127.0.0.1/', 'test', STRICT, /^url: host 127\.0\.0\.1 is a loopback address; webhooks need a public address$/],
    ['http://[::1]/', 'test', STRICT, /host ::1 is a loopback address/],
    ['http://10.0.0.1/', 'test', STRICT, /private address/],
    ['http://169.254.169.254/', 'test', STRICT, /link-local address/],
    ['http://2130706433/', 'test', STRICT, /127\.0\.0\.1 is a loopback/],
    ['http://0x7f.1/', 'test', STRICT, /127\.0\.0\.1 is a loopback/],
    ['http://0177.0.0.1/', 'test', STRICT, /127\.0\.0\.1 is a loopback/],
    ['http://127.0.0.1./', 'test', STRICT, /127\.0\.0\.1 is a loopback/],
    ['http://[::ffff:127.0.0.1]/', 'test', STRICT, /loopback address/],
    ['http://[::ffff:7f00:1]/', 'test', STRICT, /loopback address/],
    ['http://user:pass@example.com/', 'test', STRICT, /user name or password/],
    ['http://user@example.com/', 'test', STRICT, /user name or password/],
    ['ftp://example.com/', 'test', STRICT, /scheme ftp is not allowed/],
    ['javascript:alert(1)', 'test', STRICT, /scheme javascript is not allowed/],
    ['not a url', 'test', STRICT, /not a valid absolute URL/],
    ['/relative/path', 'test', STRICT, /not a valid absolute URL/],
    ['http://192.168.1.1', 'test', STRICT, /private address/],
    ['http://172.16.0.1', 'test', STRICT, /private address/],
    ['http://100.64.0.1', 'test', STRICT, /carrier-grade NAT address/],
    ['http://0.0.0.0', 'test', STRICT, /unspecified address/],
    ['http://0/', 'test', STRICT, /host 0\.0\.0\.0 is an unspecified address/],
    ['http://[fc00::1]', 'test', STRICT, /unique-local/],
    ['http://[fe80::1]', 'test', STRICT, /link-local address/],
    ['http://[2002:7f00:1::]/', 'test', STRICT, /non-public \(6to4\) address/],
    ['http://[::127.0.0.1]/', 'test', STRICT, /host ::7f00:1 is an IPv4-compatible IPv6 address/],
    ['http://[::a00:1]/', 'test', STRICT, /IPv4-compatible IPv6 address/],
    ['http://[4000::1]/', 'test', STRICT, /host 4000::1 is a reserved address/],
    ['http://example.com/hook', 'live', STRICT, /live endpoints need https/],
    [`https://example.com/${'a'.repeat(2048)}`, 'live', STRICT, /longer than 2048 characters/],
    ['http://localhost/', 'test', { allowedPrivateNetworks: ['10.0.0.0/8'], allowHttpInLive: false }, /local name/],
  ])('should refuse %s in %s mode', (raw, mode, policy, reason) => {
    const check = checkUrlSyntax(raw, mode, policy);
    expect(check).toEqual({ ok: false, reason: expect.stringMatching(reason) });
  });

  it.each<[string, 'live' | 'test', UrlPolicy]>([
    ['https://93.184.216.34/', 'live', STRICT],
    ['https://[2606:2800:220:1:248:1893:25c8:1946]/hook', 'live', STRICT],
    ['https://example.com/hook', 'live', STRICT],
    ['https://example.com./hook?x=1#frag', 'live', STRICT],
    ['http://example.com/hook', 'test', STRICT],
    ['http://example.com/hook', 'live', { allowedPrivateNetworks: [], allowHttpInLive: true }],
    ['http://127.0.0.1:8080/hook', 'test', LOOPBACK_ALLOWED],
    ['http://2130706433/', 'test', LOOPBACK_ALLOWED],
    ['http://localhost:3000/', 'test', LOOPBACK_ALLOWED],
  ])('should accept %s in %s mode', (raw, mode, policy) => {
    const check = checkUrlSyntax(raw, mode, policy);
    expect(check.ok).toBe(true);
  });

  it('should return the normalised URL when accepted', () => {
    const check = checkUrlSyntax('http://2130706433:9000/x', 'test', LOOPBACK_ALLOWED);
    expect(check.ok && check.url.href).toBe('http://127.0.0.1:9000/x');
  });
});

describe('checkUrl', () => {
  const resolverReturning =
    (addresses: string[]) =>
    async (): Promise<string[]> =>
      addresses;
  const failingResolver = async (): Promise<string[]> => {
    throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
  };

  it.each<[string, string, (host: string) => Promise<string[]>, UrlPolicy, RegExp]>([
    ['a private answer', 'https://internal.example.com/', resolverReturning(['10.0.0.5']), STRICT, /resolves to 10\.0\.0\.5, a private address/],
    ['one private answer among public ones', 'https://mixed.example.com/', resolverReturning(['93.184.216.34', '169.254.169.254']), STRICT, /resolves to 169\.254\.169\.254, a link-local/],
    ['a mapped loopback answer', 'https://rebind.example.com/', resolverReturning(['::ffff:127.0.0.1']), STRICT, /loopback/],
    ['a loopback answer outside the allowed network', 'https://v6.example.com/', resolverReturning(['::1']), LOOPBACK_ALLOWED, /resolves to ::1, a loopback/],
    ['a failed resolution', 'https://nowhere.example.com/', failingResolver, STRICT, /^url: host nowhere\.example\.com does not resolve$/],
    ['an empty answer', 'https://empty.example.com/', resolverReturning([]), STRICT, /does not resolve/],
    ['a syntax failure before resolving', 'https://127.0.0.1/', resolverReturning(['93.184.216.34']), STRICT, /loopback/],
  ])('should refuse %s', async (_label, raw, resolve, policy, reason) => {
    await expect(checkUrl(raw, 'live', policy, resolve)).resolves.toEqual({ ok: false, reason: expect.stringMatching(reason) });
  });

  it('should accept a host whose every answer is public', async () => {
    const check = await checkUrl('https://example.com/hook', 'live', STRICT, resolverReturning(['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946']));
    expect(check.ok).toBe(true);
  });

  it('should accept a private answer inside the allowed network', async () => {
    const check = await checkUrl('http://dev.example.com/hook', 'test', LOOPBACK_ALLOWED, resolverReturning(['127.0.0.1']));
    expect(check.ok).toBe(true);
  });

  it('should not resolve a literal IP host', async () => {
    const resolve = jest.fn(resolverReturning(['10.0.0.1']));
    const check = await checkUrl('https://93.184.216.34/', 'live', STRICT, resolve);
    expect(check.ok).toBe(true);
    expect(resolve).not.toHaveBeenCalled();
  });

  it('should resolve the host without brackets or port when checking a name', async () => {
    const resolve = jest.fn(resolverReturning(['93.184.216.34']));
    await checkUrl('https://Example.COM:8443/hook', 'live', STRICT, resolve);
    expect(resolve).toHaveBeenCalledWith('example.com');
  });
});
