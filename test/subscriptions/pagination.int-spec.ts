import { api, resetWorld, startStack, testEnv } from '../support/stack';
import { createEndpoint, createOrg, EndpointBody, listAll, Org } from './admin-api';

type Page = { data: EndpointBody[]; nextCursor: string | null; prevCursor: string | null; hasMore: boolean };

function countById(items: Array<{ id: string }>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(item.id, (counts.get(item.id) ?? 0) + 1);
  return counts;
}

describe('the endpoint list, page by page', () => {
  let stack: Awaited<ReturnType<typeof startStack>>;

  beforeAll(async () => {
    await resetWorld();
    stack = await startStack(testEnv(), ['subscriptions']);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('should return every existing endpoint exactly once and each added one at most once when endpoints are created while a client pages', async () => {
    const org = await createOrg(stack.apiUrl, 'Pager');
    const other = await createOrg(stack.apiUrl, 'Neighbour');
    const existing: EndpointBody[] = [];
    for (let i = 0; i < 45; i++) existing.push(await createEndpoint(stack.apiUrl, org, { mode: i % 3 === 0 ? 'live' : 'test', description: `existing ${i}` }));

    // Writers in both organizations run the whole time the client pages, and one more is added between pages.
    const added: EndpointBody[] = [];
    let paging = true;
    const writer = async (target: Org, into: EndpointBody[]) => {
      while (paging) into.push(await createEndpoint(stack.apiUrl, target, { description: 'added while paging' }));
    };
    const neighbours: EndpointBody[] = [];
    const writers = [writer(org, added), writer(org, added), writer(other, neighbours)];
    let seen: EndpointBody[];
    try {
      seen = await listAll<EndpointBody>(stack.apiUrl, org.apiKey, '/v1/endpoints', 7, async () => void added.push(await createEndpoint(stack.apiUrl, org)));
    } finally {
      paging = false;
      await Promise.all(writers);
    }

    const counts = countById(seen);
    expect(existing.filter((e) => counts.get(e.id) !== 1)).toEqual([]);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    const known = new Set([...existing, ...added].map((e) => e.id));
    expect(seen.filter((e) => !known.has(e.id))).toEqual([]);
    expect(seen.map((e) => e.id)).toEqual([...seen.map((e) => e.id)].sort());
    expect(added.length).toBeGreaterThan(7);
    expect(neighbours.length).toBeGreaterThan(0);
  });

  it('should never return an endpoint deleted before the client reached it, and still every other one once, when endpoints are deleted while paging', async () => {
    const org = await createOrg(stack.apiUrl, 'Deleter');
    const endpoints: EndpointBody[] = [];
    for (let i = 0; i < 20; i++) endpoints.push(await createEndpoint(stack.apiUrl, org));
    const doomed = endpoints.slice(10).filter((_e, i) => i % 2 === 0);

    let pages = 0;
    const seen = await listAll<EndpointBody>(stack.apiUrl, org.apiKey, '/v1/endpoints', 5, async () => {
      if (++pages === 1) for (const e of doomed) expect((await api(stack.apiUrl, 'DELETE', `/v1/endpoints/${e.id}`, { token: org.apiKey })).status).toBe(204);
    });

    const doomedIds = new Set(doomed.map((e) => e.id));
    expect(seen.map((e) => e.id)).toEqual(endpoints.map((e) => e.id).filter((id) => !doomedIds.has(id)));
  });

  it.each<[string, string, (e: EndpointBody) => boolean]>([
    ['mode=live', 'mode=live', (e) => e.mode === 'live'],
    ['status=disabled', 'status=disabled', (e) => e.status === 'disabled'],
    ['eventType=order.new (explicit and "*" subscribers)', 'eventType=order.new', (e) => e.eventTypes.includes('order.new') || e.eventTypes.includes('*')],
    ['eventType=customer.created', 'eventType=customer.created', (e) => e.eventTypes.includes('customer.created') || e.eventTypes.includes('*')],
    ['mode=test&status=enabled&eventType=product.deleted', 'mode=test&status=enabled&eventType=product.deleted', (e) => e.mode === 'test' && e.status === 'enabled' && (e.eventTypes.includes('product.deleted') || e.eventTypes.includes('*'))],
  ])('should page through exactly the matching endpoints when filtered by %s', async (_name, filter, matches) => {
    const org = await createOrg(stack.apiUrl, `Filter ${filter}`);
    const shapes: Array<Record<string, unknown>> = [
      { mode: 'live', eventTypes: ['order.new'] },
      { mode: 'test', eventTypes: ['order.new', 'customer.created'] },
      { mode: 'live' },
      { mode: 'test', eventTypes: ['product.deleted'] },
      { mode: 'test', eventTypes: ['customer.created'] },
    ];
    const all: EndpointBody[] = [];
    for (let i = 0; i < 15; i++) all.push(await createEndpoint(stack.apiUrl, org, shapes[i % shapes.length]));
    for (const e of all.filter((_e, i) => i % 4 === 0)) {
      const res = await api<EndpointBody>(stack.apiUrl, 'PATCH', `/v1/endpoints/${e.id}`, { token: org.apiKey, body: { status: 'disabled' } });
      Object.assign(e, res.body);
    }

    const seen = await listAll<EndpointBody>(stack.apiUrl, org.apiKey, `/v1/endpoints?${filter}`, 2);

    const expected = all.filter(matches).map((e) => e.id);
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(all.length);
    expect(seen.map((e) => e.id)).toEqual(expected);
  });

  it('should use 20 items per page when no limit is given and end with a null cursor when the last page is full', async () => {
    const org = await createOrg(stack.apiUrl, 'Defaults');
    const empty = await api<Page>(stack.apiUrl, 'GET', '/v1/endpoints', { token: org.apiKey });
    expect(empty.body).toEqual({ data: [], nextCursor: null, prevCursor: null, hasMore: false });
    for (let i = 0; i < 40; i++) await createEndpoint(stack.apiUrl, org);

    const first = await api<Page>(stack.apiUrl, 'GET', '/v1/endpoints', { token: org.apiKey });
    const second = await api<Page>(stack.apiUrl, 'GET', `/v1/endpoints?cursor=${first.body.nextCursor}`, { token: org.apiKey });
    const max = await api<Page>(stack.apiUrl, 'GET', '/v1/endpoints?limit=100', { token: org.apiKey });

    expect(first.body.data).toHaveLength(20);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    expect(second.body.data).toHaveLength(20);
    expect(second.body.nextCursor).toBeNull();
    expect(max.body.data).toHaveLength(40);
    expect(max.body.nextCursor).toBeNull();
    expect([first.body.hasMore, second.body.hasMore, max.body.hasMore]).toEqual([true, false, false]);
    expect([first.body.prevCursor, max.body.prevCursor]).toEqual([null, null]);
  });

  it('should page back with prevCursor through exactly the pages it paged forward through, in list order', async () => {
    const org = await createOrg(stack.apiUrl, 'Back and forth');
    for (let i = 0; i < 23; i++) await createEndpoint(stack.apiUrl, org, { description: `e${i}` });
    const get = async (cursor: string | null) => {
      const res = await api<Page>(stack.apiUrl, 'GET', `/v1/endpoints?limit=5${cursor ? `&cursor=${cursor}` : ''}`, { token: org.apiKey });
      expect(res.status).toBe(200);
      return res.body;
    };
    const forward: Page[] = [await get(null)];
    while (forward[forward.length - 1].hasMore) forward.push(await get(forward[forward.length - 1].nextCursor));
    expect(forward.map((p) => p.data.length)).toEqual([5, 5, 5, 5, 3]);

    const back: Page[] = [forward[forward.length - 1]];
    while (back[back.length - 1].prevCursor) back.push(await get(back[back.length - 1].prevCursor));
    const ids = (pages: Page[]) => pages.map((p) => p.data.map((e) => e.id));
    expect(ids(back).reverse()).toEqual(ids(forward));
    // The first page reached going back links forward again, and nowhere back.
    expect(back[back.length - 1].prevCursor).toBeNull();
    expect((await get(back[back.length - 1].nextCursor)).data.map((e) => e.id)).toEqual(ids(forward)[1]);
  });

  it('should page through API keys the same way when an organization has many', async () => {
    const org = await createOrg(stack.apiUrl, 'Keys');
    for (let i = 0; i < 6; i++) await api(stack.apiUrl, 'POST', '/v1/api-keys', { token: org.apiKey, body: { name: `k${i}` } });

    const keys = await listAll<{ id: string; name: string }>(stack.apiUrl, org.apiKey, '/v1/api-keys', 3);

    expect(keys.map((k) => k.name)).toEqual(['default', 'k0', 'k1', 'k2', 'k3', 'k4', 'k5']);
  });
});
