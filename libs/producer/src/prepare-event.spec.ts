import { InvalidEventError, prepareEvent, PublishEventInput } from './prepare-event';

const NOW = new Date('2026-12-02T05:00:00.000Z');
const valid: PublishEventInput = { type: 'order.new', organizationId: 'org_1', mode: 'live', data: { orderId: 'ord_1', total: 12.5 } };

function refusal(input: unknown): { field: string; reason: string } {
  try {
    prepareEvent(input as PublishEventInput, NOW);
  } catch (err) {
    if (err instanceof InvalidEventError) return { field: err.field, reason: err.reason };
    throw err;
  }
  throw new Error('the event was accepted');
}

describe('prepareEvent', () => {
  it('should pick topic = type and key = organization id, and fill id and occurredAt', () => {
    const prepared = prepareEvent(valid, NOW);
    expect(prepared).toMatchObject({ topic: 'order.new', key: 'org_1' });
    expect(JSON.parse(prepared.value)).toEqual({ id: expect.stringMatching(/^evt_[0-9a-z]{26}$/), type: 'order.new', organizationId: 'org_1', mode: 'live', occurredAt: '2026-12-02T05:00:00.000Z', data: valid.data });
  });

  it('should keep a given id and occurredAt, and the contract field order', () => {
    const prepared = prepareEvent({ data: { a: 1 }, occurredAt: '2026-01-01T00:00:00Z', id: 'evt_mine', mode: 'test', organizationId: 'org_2', type: 'customer.created' }, NOW);
    expect(prepared.value).toBe('{"id":"evt_mine","type":"customer.created","organizationId":"org_2","mode":"test","occurredAt":"2026-01-01T00:00:00Z","data":{"a":1}}');
  });

  it.each<[string, unknown, string, RegExp]>([
    ['no type', { ...valid, type: undefined }, 'type', /event type name/],
    ['a type that is not a name', { ...valid, type: 'Order New' }, 'type', /event type name/],
    ['no organization', { ...valid, organizationId: '' }, 'organizationId', /empty/],
    ['an organization id with NUL', { ...valid, organizationId: 'org\u0000x' }, 'organizationId', /NUL/],
    ['an unknown mode', { ...valid, mode: 'prod' }, 'mode', /live, test/],
    ['a date that is not ISO-8601', { ...valid, occurredAt: 'yesterday' }, 'occurredAt', /ISO 8601/],
    ['data that is an array', { ...valid, data: [1] }, 'data', /JSON object/],
    ['no data', { ...valid, data: undefined }, 'data', /JSON object/],
    ['a field outside the contract', { ...valid, total: 3 }, 'total', /not a field of the event contract/],
    ['an empty id', { ...valid, id: '' }, 'id', /empty/],
    ['data nested too deep', { ...valid, data: JSON.parse('{"a":'.repeat(200) + '1' + '}'.repeat(200)) }, 'data', /nested deeper/],
    ['data larger than a Kafka message may be', { ...valid, data: { blob: 'x'.repeat(1024 * 1024) } }, 'data', /larger than/],
  ])('should refuse %s, naming the field', (_what, input, field, reason) => {
    const refused = refusal(input);
    expect(refused.field).toBe(field);
    expect(refused.reason).toMatch(reason);
  });

  it('should say which field in the error message', () => {
    expect(() => prepareEvent({ ...valid, mode: 'prod' as 'live' }, NOW)).toThrow(/^invalid event: mode: /);
  });
});
