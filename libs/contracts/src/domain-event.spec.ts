import { validateSync } from 'class-validator';
import { decodeDomainEvent, DomainEvent, meetsDomainEventContract } from './domain-event';

const valid = {
  id: 'evt_1',
  type: 'order.new',
  organizationId: 'org_1',
  mode: 'live',
  occurredAt: '2026-11-28T10:00:00.000Z',
  data: { orderId: 'o1', total: 12.5 },
};
const encode = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));

describe('decodeDomainEvent', () => {
  it('should accept a value that honours the contract and keep only its fields', () => {
    const result = decodeDomainEvent('order.new', encode({ ...valid, extra: 'dropped' }));
    expect(result).toEqual({ ok: true, event: expect.objectContaining(valid) });
    if (result.ok) expect(Object.keys(result.event)).toEqual(['id', 'type', 'organizationId', 'mode', 'occurredAt', 'data']);
  });

  it.each<[string, Buffer | null, RegExp]>([
    ['a null value', null, /empty value/],
    ['an empty value', Buffer.alloc(0), /empty value/],
    ['invalid JSON', encode('{"id":'), /not valid JSON/],
    ['a JSON array', encode([valid]), /JSON object/],
    ['a JSON string', encode('"evt"'), /JSON object/],
    ['a missing id', encode({ ...valid, id: undefined }), /id/],
    ['a numeric organizationId', encode({ ...valid, organizationId: 42 }), /organizationId/],
    ['a bad mode', encode({ ...valid, mode: 'prod' }), /mode/],
    ['a bad occurredAt', encode({ ...valid, occurredAt: 'yesterday' }), /occurredAt/],
    ['data that is not an object', encode({ ...valid, data: 'x' }), /data/],
    ['a type that does not match the topic', encode({ ...valid, type: 'order.updated' }), /does not match topic order\.new/],
    ['a value over 1 MB', Buffer.alloc(1024 * 1024 + 1, 0x20), /larger than/],
    ['invalid UTF-8 inside a string', Buffer.concat([encode('{"id":"evt_'), Buffer.from([0xff, 0xfe]), encode('"}')]), /^not valid JSON: the value is not valid UTF-8$/],
    ['a truncated UTF-8 sequence', Buffer.concat([encode(valid).subarray(0, 20), Buffer.from([0xe2, 0x82])]), /not valid UTF-8/],
    ['data nested 100,000 levels deep', encode(`${JSON.stringify({ ...valid, data: 0 }).slice(0, -2)}${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}`), /^JSON nested deeper than 128 levels$/],
    ['a whole value of 100,000 nested arrays', encode('['.repeat(100_000) + ']'.repeat(100_000)), /nested deeper/],
    ['an id with a NUL', encode({ ...valid, id: 'evt_\u0000' }), /^id must be well-formed Unicode text without NUL/],
    ['an organizationId with a lone surrogate', encode({ ...valid, organizationId: 'org_\ud800' }), /^organizationId must be well-formed/],
    ['data as an array', encode({ ...valid, data: [1] }), /data must be an object/],
    ['data as null', encode({ ...valid, data: null }), /data must be an object/],
    ['every field of the wrong type', encode({ id: [], type: {}, organizationId: true, mode: 1, occurredAt: 5, data: 'x' }), /id.*type.*organizationId.*mode.*occurredAt.*data/],
  ])('should refuse %s with a reason', (_name, value, reason) => {
    const result = decodeDomainEvent('order.new', value);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });

  it.each<[string, Record<string, unknown>]>([
    ['keys named like Object methods', { toString: 1, valueOf: 'v', hasOwnProperty: null, constructor: { prototype: { x: 1 } } }],
    ['a __proto__ key', JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>],
    ['nesting at the limit', JSON.parse(`${'{"a":'.repeat(127)}1${'}'.repeat(127)}`) as Record<string, unknown>],
    ['brackets inside strings', { text: '[[[[{{{{"\\', more: '}]' }],
  ])('should pass data on exactly as sent when it has %s', (_name, data) => {
    const value = Buffer.from(JSON.stringify({ ...valid, data }));
    const result = decodeDomainEvent('order.new', value);

    expect(result.ok).toBe(true);
    if (result.ok) expect(JSON.stringify(result.event.data)).toBe(JSON.stringify(data));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

// The fast check must accept exactly what class-validator's decorators accept: it decides alone for every event
// it passes. Each case changes one field of a valid event to a value JSON can carry.
describe('meetsDomainEventContract', () => {
  const long = (n: number) => 'x'.repeat(n);
  const cases: Array<[keyof typeof valid, unknown]> = [
    ...(['id', 'organizationId'] as const).flatMap((field) => ['', 'a', long(255), long(256), 42, null, undefined, {}, ['a'], true].map((v): [keyof typeof valid, unknown] => [field, v])),
    ...[
      'order.new',
      'order',
      'Order.new',
      'order.new.',
      '.order',
      `a.${long(247)}`,
      `a.${long(248)}`,
      'order new',
      '',
      7,
      null,
      undefined,
      ['order.new'],
    ].map((v): [keyof typeof valid, unknown] => ['type', v]),
    ...['live', 'test', 'prod', 'LIVE', '', null, 1, undefined].map((v): [keyof typeof valid, unknown] => ['mode', v]),
    ...[
      '2026-11-28T10:00:00.000Z',
      '2026-11-28T10:00:00Z',
      '2026-11-28T10:00:00+01:00',
      '2026-11-28T10:00:00',
      '2026-11-28',
      '2026-02-29T10:00:00Z',
      '2028-02-29T10:00:00Z',
      '2026-02-30T10:00:00Z',
      '2026-13-01T10:00:00Z',
      '2026-11-28T25:00:00Z',
      'yesterday',
      '',
      1764324000000,
      null,
      undefined,
    ].map((v): [keyof typeof valid, unknown] => ['occurredAt', v]),
    ...[{}, { a: 1 }, [], [1], 'x', 0, null, undefined, true].map((v): [keyof typeof valid, unknown] => ['data', v]),
  ];

  it.each(cases)('should agree with the decorators when %s is %j', (field, value) => {
    const event = Object.assign(new DomainEvent(), valid, { [field]: value });
    expect(meetsDomainEventContract(event)).toBe(validateSync(event, { forbidUnknownValues: true }).length === 0);
  });

  it('should accept the valid event and refuse at least one case of every field', () => {
    expect(meetsDomainEventContract(Object.assign(new DomainEvent(), valid))).toBe(true);
    const refused = new Set(cases.filter(([field, value]) => !meetsDomainEventContract(Object.assign(new DomainEvent(), valid, { [field]: value }))).map(([field]) => field));
    expect([...refused].sort()).toEqual(['data', 'id', 'mode', 'occurredAt', 'organizationId', 'type']);
  });
});
