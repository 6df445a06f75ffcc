import { decodeDomainEvent } from './domain-event';

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
  ])('should refuse %s with a reason', (_name, value, reason) => {
    const result = decodeDomainEvent('order.new', value);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });
});
