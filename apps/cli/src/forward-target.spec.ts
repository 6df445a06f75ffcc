import { parseApiUrl, parseEventData, parseEventList, parseForwardTo } from './forward-target';

describe('parseForwardTo', () => {
  it.each([
    ['http://localhost:4000/webhooks', 'http://localhost:4000/webhooks'],
    ['http://LOCALHOST:4000/x?y=1', 'http://localhost:4000/x?y=1'],
    ['https://app.localhost/hooks', 'https://app.localhost/hooks'],
    ['http://127.0.0.1:8080/', 'http://127.0.0.1:8080/'],
    ['http://127.1.2.3/', 'http://127.1.2.3/'],
    ['http://2130706433/', 'http://127.0.0.1/'], // decimal spelling of 127.0.0.1
    ['http://0x7f.1/', 'http://127.0.0.1/'],
    ['http://[::1]:4000/', 'http://[::1]:4000/'],
    ['http://[::ffff:127.0.0.1]/', 'http://[::ffff:7f00:1]/'],
  ])('should accept %s as a local URL', (raw, normalised) => {
    const result = parseForwardTo(raw);
    expect(result).toEqual({ ok: true, value: new URL(normalised) });
  });

  it.each([
    ['https://example.com/webhooks', /local URL.*example\.com/],
    ['http://10.0.0.5/', /local URL.*10\.0\.0\.5/],
    ['http://192.168.1.1/', /local URL/],
    ['http://0.0.0.0:4000/', /local URL/],
    ['http://[::]/', /local URL/],
    ['http://localhost.example.com/', /local URL/],
    ['http://[::ffff:10.0.0.1]/', /local URL/],
    ['ftp://localhost/', /http:\/\/ or https:\/\//],
    ['localhost:4000', /http:\/\/ or https:\/\//],
    ['/webhooks', /absolute URL/],
    ['http://user:pw@localhost/', /credentials/],
  ])('should refuse %s', (raw, message) => {
    const result = parseForwardTo(raw);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(message);
  });
});

describe('parseEventList', () => {
  it.each([
    ['order.new', ['order.new']],
    ['order.new, customer.created', ['order.new', 'customer.created']],
    ['order.new,order.new', ['order.new']],
    ['*', ['*']],
  ])('should read %s', (raw, names) => {
    expect(parseEventList(raw)).toEqual({ ok: true, value: names });
  });

  it.each([[''], [' , '], ['order'], ['Order.New'], ['order.new,drop table']])('should refuse %j', (raw) => {
    expect(parseEventList(raw).ok).toBe(false);
  });
});

describe('parseEventData', () => {
  it('should read a JSON object', () => {
    expect(parseEventData('{"orderId":"ord_1","total":3}')).toEqual({ ok: true, value: { orderId: 'ord_1', total: 3 } });
  });

  it.each([['[1]', /JSON object/], ['null', /JSON object/], ['"x"', /JSON object/], ['{bad', /must be JSON/]])('should refuse %s', (raw, message) => {
    const result = parseEventData(raw);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(message);
  });
});

describe('parseApiUrl', () => {
  it.each([
    ['http://127.0.0.1:3000', 'http://127.0.0.1:3000'],
    ['https://webhooks.example.com/', 'https://webhooks.example.com'],
  ])('should read %s', (raw, base) => {
    expect(parseApiUrl(raw)).toEqual({ ok: true, value: base });
  });

  it.each([['127.0.0.1:3000'], ['ws://x'], ['']])('should refuse %j', (raw) => {
    expect(parseApiUrl(raw).ok).toBe(false);
  });
});
