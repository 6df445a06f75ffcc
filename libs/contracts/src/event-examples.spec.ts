import { ExampleSource, exampleEventData, testEventExample } from './event-examples';

const catalog: ExampleSource[] = [
  { name: 'order.new', example: null },
  { name: 'product.updated', example: { productId: 'prod_u' } },
  { name: 'customer.created', example: { customerId: 'cus_1' } },
  { name: 'webhook.endpoint.disabled', example: { endpointId: 'ep_1' } },
];

describe('testEventExample', () => {
  const cases: Array<[string, string[], string | undefined, string | null]> = [
    ['the first named type with an example', ['order.new', 'product.updated', 'customer.created'], undefined, 'product.updated'],
    ['none when no named type has one', ['order.new'], undefined, null],
    ['for "*", the first type of the catalog by name with one', ['*'], undefined, 'customer.created'],
    ['never an operational type unasked', ['webhook.endpoint.disabled'], undefined, null],
    ['not an operational type beside "*" either', ['*', 'webhook.endpoint.disabled'], undefined, 'customer.created'],
    ['the type asked for', ['order.new'], 'product.updated', 'product.updated'],
    ['none for a type asked for without an example', ['*'], 'order.new', null],
  ];
  it.each(cases)('should choose %s', (_name, endpointTypes, requested, expected) => {
    expect(testEventExample(endpointTypes, catalog, requested)?.name ?? null).toBe(expected);
  });
});

describe('exampleEventData', () => {
  it('should give a fresh copy of a seeded type and {} for any other', () => {
    const a = exampleEventData('order.new');
    a.orderId = 'changed';
    expect(exampleEventData('order.new').orderId).toBe('ord_example');
    expect(exampleEventData('invoice.paid')).toEqual({});
  });
});
