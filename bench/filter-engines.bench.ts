/*
 * Micro-benchmark behind the choice of the endpoint-filter engine (sift or mingo): each query is
 * compiled once (as the fan-out does per endpoint version), then tested against a stream of events;
 * reports nanoseconds per (event, filter) test and microseconds per compile.
 *   npx ts-node --transpile-only bench/filter-engines.bench.ts [events] [rounds]
 */
import { Query } from 'mingo';
import sift from 'sift';
import { cpus } from 'node:os';

const eventCount = Number(process.argv[2] ?? 200_000);
const rounds = Number(process.argv[3] ?? 3);

const QUERIES: Record<string, Record<string, unknown>> = {
  'one field $eq': { type: 'order.new' },
  'range + $in (SPEC example)': { 'data.total': { $gte: 100 }, 'data.currency': { $in: ['EUR', 'USD'] } },
  '$or of $exists / $ne': { $or: [{ 'data.coupon': { $exists: true } }, { 'data.status': { $ne: 'draft' } }] },
  '$and + $not + $nin': { $and: [{ 'data.total': { $not: { $lt: 10 } } }, { 'data.country': { $nin: ['XX', 'YY', 'ZZ'] } }] },
};

function events(n: number): Array<Record<string, unknown>> {
  const currencies = ['EUR', 'USD', 'GBP', 'JPY'];
  return Array.from({ length: n }, (_, i) => ({
    id: `evt_${i}`,
    type: i % 3 === 0 ? 'order.new' : 'order.updated',
    organizationId: 'org_1',
    mode: 'live',
    occurredAt: '2026-12-02T05:00:00.000Z',
    data: {
      orderId: `ord_${i}`,
      total: (i * 37) % 500,
      currency: currencies[i % currencies.length],
      country: i % 7 === 0 ? 'XX' : 'FR',
      status: i % 5 === 0 ? 'draft' : 'paid',
      ...(i % 4 === 0 ? { coupon: 'WINTER' } : {}),
      items: [{ sku: 'SKU-1', qty: 1 + (i % 3) }],
    },
  }));
}

type Tester = (event: Record<string, unknown>) => boolean;
const ENGINES: Record<string, (query: Record<string, unknown>) => Tester> = {
  sift: (query) => sift(query),
  mingo: (query) => {
    const q = new Query(query);
    return (event) => q.test(event);
  },
};

function measureTests(compile: (q: Record<string, unknown>) => Tester, query: Record<string, unknown>, stream: Array<Record<string, unknown>>): { nsPerTest: number; matched: number } {
  const test = compile(query);
  let matched = 0;
  const t0 = process.hrtime.bigint();
  for (const e of stream) if (test(e)) matched++;
  return { nsPerTest: Number(process.hrtime.bigint() - t0) / stream.length, matched };
}

function measureCompile(compile: (q: Record<string, unknown>) => Tester, query: Record<string, unknown>, times: number): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < times; i++) compile(query);
  return Number(process.hrtime.bigint() - t0) / times / 1000;
}

function main(): void {
  const stream = events(eventCount);
  console.log(`${eventCount} events per query, best of ${rounds} rounds, ${cpus().length} x ${cpus()[0]?.model}, node ${process.version}`);
  console.log(`${'query'.padEnd(28)} ${'engine'.padEnd(6)} ${'ns/test'.padStart(8)} ${'µs/compile'.padStart(10)}  matched`);
  for (const [name, query] of Object.entries(QUERIES)) {
    const counts = new Set<number>();
    for (const [engine, compile] of Object.entries(ENGINES)) {
      let best = Infinity;
      let matched = 0;
      for (let r = 0; r < rounds; r++) {
        const m = measureTests(compile, query, stream);
        best = Math.min(best, m.nsPerTest);
        matched = m.matched;
      }
      counts.add(matched);
      const compileUs = measureCompile(compile, query, 20_000);
      console.log(`${name.padEnd(28)} ${engine.padEnd(6)} ${best.toFixed(0).padStart(8)} ${compileUs.toFixed(1).padStart(10)}  ${matched}`);
    }
    if (counts.size !== 1) throw new Error(`the engines disagree on ${name}: ${[...counts].join(' vs ')}`);
  }
}

main();
