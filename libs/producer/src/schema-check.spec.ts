import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { DomainEvent } from '@app/contracts';
import { adminApiSchemaSource, CatalogSchema, catalogSchemaCheck } from './schema-check';

const PRODUCT = { type: 'object', required: ['productId', 'price'], properties: { productId: { type: 'string' }, price: { type: 'number' } } };

const event = (type: string, data: Record<string, unknown>): DomainEvent =>
  ({ id: 'evt_1', type, organizationId: 'org_1', mode: 'live', occurredAt: '2026-12-02T00:00:00.000Z', data });

describe('catalogSchemaCheck', () => {
  const catalog = new Map<string, CatalogSchema>([
    ['product.created', { schema: PRODUCT, version: 1 }],
    ['order.new', { schema: null, version: 3 }],
  ]);
  const check = catalogSchemaCheck(async (type) => catalog.get(type) ?? null);

  it.each<[string, DomainEvent, RegExp | null]>([
    ['data that matches', event('product.created', { productId: 'p1', price: 12 }), null],
    ['a type without a schema', event('order.new', { anything: true }), null],
    ['a type not in the catalog', event('customer.created', { x: 1 }), null],
    ['a wrong type', event('product.created', { productId: 'p1', price: 'twelve' }), /schema of product\.created \(version 1\): \/price must be number/],
    ['a missing field', event('product.created', { price: 1 }), /must have required property 'productId'/],
  ])('should judge %s', async (_name, e, reason) => {
    const failure = await check(e);
    if (reason === null) expect(failure).toBeNull();
    else expect(failure).toEqual({ field: 'data', reason: expect.stringMatching(reason) });
  });

  it('should compile a schema again when its version changes, and only then', async () => {
    let entry: CatalogSchema = { schema: PRODUCT, version: 1 };
    const versioned = catalogSchemaCheck(async () => entry);
    expect(await versioned(event('product.created', { productId: 'p1', price: 'x' }))).not.toBeNull();
    entry = { schema: { type: 'object' }, version: 2 };
    expect(await versioned(event('product.created', { productId: 'p1', price: 'x' }))).toBeNull();
  });
});

describe('adminApiSchemaSource', () => {
  let server: Server;
  let url: string;
  let reads = 0;
  let answer = 200;
  const seen: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      reads++;
      seen.push(`${req.url} ${req.headers.authorization}`);
      res.writeHead(answer, { 'content-type': 'application/json' }).end(
        JSON.stringify({ data: [{ name: 'product.created', schema: PRODUCT, version: 4 }, { name: 'order.new' }], nextCursor: null, prevCursor: null, hasMore: false }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('should read the catalog once per refresh period with the key, and keep the last one when a read fails', async () => {
    const source = adminApiSchemaSource(url, 'shk_test', 0);
    expect(await source('product.created')).toEqual({ schema: PRODUCT, version: 4 });
    expect(await source('order.new')).toEqual({ schema: null, version: 0 });
    expect(seen[0]).toBe('/v1/event-types Bearer shk_test');
    answer = 503;
    expect(await source('product.created')).toEqual({ schema: PRODUCT, version: 4 });
    answer = 200;

    const cached = adminApiSchemaSource(url, 'shk_test', 60_000);
    const before = reads;
    await cached('product.created');
    await cached('order.new');
    expect(reads - before).toBe(1);
  });

  it('should fail the first read loudly when the admin API refuses', async () => {
    answer = 401;
    await expect(adminApiSchemaSource(url, 'shk_wrong', 0)('product.created')).rejects.toThrow(/answered 401/);
    answer = 200;
  });
});
