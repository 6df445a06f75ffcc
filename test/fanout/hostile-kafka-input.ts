import fc from 'fast-check';
import { IHeaders } from 'kafkajs';

// Generated hostile input for the domain topics (issue 8): seeded, so a failing run is replayed with
// HOSTILE_INPUT_SEED=<the printed seed>.

export const HOSTILE_TOPICS = ['order.new', 'customer.created', 'product.updated'] as const;
export type HostileTopic = (typeof HOSTILE_TOPICS)[number];

export interface DomainRecord {
  /** What kind of input this is, for the failure message. */
  label: string;
  topic: HostileTopic;
  key: string | null;
  value: Buffer | null;
  headers?: IHeaders;
  /** The event a valid record carries (undefined for garbage). */
  event?: { id: string; data: Record<string, unknown> };
}

interface Context {
  organizationId: string;
  seed: number;
}

const MB = 1024 * 1024;
const FIELDS = ['id', 'type', 'organizationId', 'mode', 'occurredAt', 'data'] as const;

function event(ctx: Context, topic: HostileTopic, id: string, data: unknown = { n: 1 }): Record<string, unknown> {
  return { id, type: topic, organizationId: ctx.organizationId, mode: 'live', occurredAt: '2026-11-28T10:00:00.000Z', data };
}

const topic = fc.constantFrom(...HOSTILE_TOPICS);
const nonString = fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 3 }), fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }));
const nonObject = fc.oneof(fc.integer(), fc.string(), fc.boolean(), fc.constant(null), fc.array(fc.jsonValue(), { maxLength: 3 }));
/** For each field, values that break it (and `undefined`: the field missing). */
const wrongValue: Record<(typeof FIELDS)[number], fc.Arbitrary<unknown>> = {
  id: fc.oneof(nonString, fc.constant(''), fc.constant(undefined), fc.integer({ min: 256, max: 5000 }).map((n) => 'i'.repeat(n))),
  type: fc.oneof(nonString, fc.constant(undefined), fc.constantFrom('', 'Order New', 'order', 'order.updated', 'order.teleported', 'ORDER.NEW')),
  organizationId: fc.oneof(nonString, fc.constant(''), fc.constant(undefined), fc.integer({ min: 256, max: 5000 }).map((n) => 'o'.repeat(n))),
  mode: fc.oneof(nonString, fc.constant(undefined), fc.constantFrom('', 'LIVE', 'production', 'live ')),
  occurredAt: fc.oneof(nonString, fc.constant(undefined), fc.constantFrom('', 'yesterday', '2026-13-45T99:99:99Z', '28/11/2026', '1764324000')),
  data: fc.oneof(nonObject, fc.constant(undefined)),
};
const headers: fc.Arbitrary<IHeaders | undefined> = fc.option(
  fc.dictionary(fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }), fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)), { maxKeys: 4 }),
  { nil: undefined },
);

function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}

/** Each family of garbage, as a generator of records the fan-out must quarantine. */
function garbageFamilies(ctx: Context): Array<[string, number, fc.Arbitrary<Omit<DomainRecord, 'key' | 'headers'>>]> {
  const at = (label: string, value: fc.Arbitrary<Buffer | null>) => fc.record({ label: fc.constant(label), topic, value });
  return [
    ['random bytes', 40, at('random bytes', fc.uint8Array({ minLength: 1, maxLength: 4096 }).map((b) => Buffer.from(b)))],
    ['an empty value', 3, at('an empty value', fc.constant(Buffer.alloc(0)))],
    ['a tombstone (null value)', 5, at('a tombstone (null value)', fc.constant(null))],
    [
      'invalid UTF-8 inside a string',
      20,
      fc
        .record({ topic, bad: fc.constantFrom([0xff], [0xc3], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xc0, 0xaf], [0xf8, 0x88, 0x80, 0x80, 0x80]), id: fc.uuid() })
        .map(({ topic: t, bad, id }) => {
          const [head, tail] = JSON.stringify(event(ctx, t, `evt_utf8_${id}`, { note: '@@' })).split('@@');
          return { label: 'invalid UTF-8 inside a string', topic: t, value: Buffer.concat([Buffer.from(head), Buffer.from(bad), Buffer.from(tail)]) };
        }),
    ],
    [
      'deep nesting',
      12,
      fc.record({ topic, depth: fc.integer({ min: 129, max: 20_000 }), arrays: fc.boolean(), whole: fc.boolean(), id: fc.uuid() }).map(({ topic: t, depth, arrays, whole, id }) => {
        const nested = arrays ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
        const value = whole ? nested : JSON.stringify(event(ctx, t, `evt_deep_${id}`, 0)).replace('"data":0', `"data":{"x":${nested}}`);
        return { label: `nesting ${depth} deep`, topic: t, value: Buffer.from(value) };
      }),
    ],
    [
      'wrong types',
      80,
      fc
        .record({ topic, id: fc.uuid(), broken: fc.subarray([...FIELDS], { minLength: 1 }) })
        .chain(({ topic: t, id, broken }) =>
          fc.tuple(...broken.map((field) => wrongValue[field])).map((values) => {
            const value = event(ctx, t, `evt_wrong_${id}`);
            broken.forEach((field, i) => (value[field] = values[i]));
            return { label: `wrong ${broken.join(', ')}: ${JSON.stringify(values).slice(0, 120)}`, topic: t, value: json(value) };
          }),
        ),
    ],
    [
      'valid JSON of the wrong shape',
      30,
      fc
        .record({ topic, value: fc.oneof(fc.jsonValue({ maxDepth: 4 }), fc.object({ maxDepth: 3 })) })
        .map(({ topic: t, value }) => ({ label: `wrong shape: ${JSON.stringify(value ?? null).slice(0, 80)}`, topic: t, value: Buffer.from(JSON.stringify(value ?? null)) })),
    ],
    [
      'an unknown organization',
      10,
      fc.record({ topic, org: fc.stringMatching(/^org_[a-z0-9]{5,20}$/), id: fc.uuid() }).map(({ topic: t, org, id }) => ({
        label: `unknown organization ${org}`,
        topic: t,
        value: json({ ...event(ctx, t, `evt_org_${id}`), organizationId: `${org}_unknown` }),
      })),
    ],
    [
      'an unknown or mismatched type',
      10,
      fc.record({ topic, type: fc.stringMatching(/^[a-z]{3,8}\.[a-z]{3,8}$/), id: fc.uuid() }).map(({ topic: t, type, id }) => ({
        label: `type ${type}_x on ${t}`,
        topic: t,
        value: json({ ...event(ctx, t, `evt_type_${id}`), type: `${type}_x` }),
      })),
    ],
    [
      'text PostgreSQL cannot store',
      12,
      fc.record({ topic, where: fc.constantFrom('id', 'organizationId', 'data'), bad: fc.constantFrom('\u0000', '\ud800', '\udfff'), id: fc.uuid() }).map(({ topic: t, where, bad, id }) => {
        const value = event(ctx, t, `evt_nul_${id}`);
        if (where === 'data') value.data = { s: `a${bad === '\u0000' ? bad : '\u0000'}b` };
        else value[where] = `${String(value[where])}${bad}`;
        return { label: `${JSON.stringify(bad)} in ${where}`, topic: t, value: json(value) };
      }),
    ],
  ];
}

/** Large values, a few of each: generating hundreds would only cost time. */
function hugeValues(ctx: Context): Array<Omit<DomainRecord, 'key' | 'headers'>> {
  const big = (t: HostileTopic, id: string, bytes: number) => json(event(ctx, t, id, { blob: 'x'.repeat(bytes) }));
  return [
    { label: 'nesting 100,000 deep in data', topic: 'order.new', value: Buffer.from(JSON.stringify(event(ctx, 'order.new', 'evt_deep_100k', 0)).replace('"data":0', `"data":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`)) },
    { label: 'a value of 100,000 nested arrays', topic: 'customer.created', value: Buffer.from(`${'['.repeat(100_000)}${']'.repeat(100_000)}`) },
    { label: 'a 1 MB event, too big for a delivery message', topic: 'order.new', value: big('order.new', 'evt_1mb_a', 1_000_000) },
    { label: 'a 1 MB event, too big for a delivery message', topic: 'product.updated', value: big('product.updated', 'evt_1mb_b', 1_040_000) },
    { label: 'a value over 1 MiB', topic: 'order.new', value: big('order.new', 'evt_2mb', 2 * MB) },
    { label: 'a huge id', topic: 'customer.created', value: json(event(ctx, 'customer.created', 'i'.repeat(900_000))) },
    { label: '1 MB of random bytes', topic: 'product.updated', value: Buffer.from(Array.from({ length: MB }, (_, i) => (i * 7919 + ctx.seed) % 256)) },
  ];
}

/** Data for valid events: arbitrary JSON objects with keys that trip naive code, minus what PostgreSQL cannot store. */
const validData = fc
  .dictionary(fc.oneof(fc.string({ unit: 'grapheme', maxLength: 12 }), fc.constantFrom('__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty', 'prototype')), fc.jsonValue({ maxDepth: 5 }), {
    maxKeys: 8,
  })
  .filter((d) => !/\\u0000|\\ud[89a-f]/i.test(JSON.stringify(d)));

export function generateHostileInput(organizationId: string, seed: number): { garbage: DomainRecord[]; valid: DomainRecord[] } {
  const ctx: Context = { organizationId, seed };
  const keyFor = (i: number) => (i % 5 === 0 ? null : i % 5 === 1 ? `random-key-${i}` : organizationId);
  const garbage: DomainRecord[] = [];
  garbageFamilies(ctx).forEach(([, count, arb], f) => {
    for (const record of fc.sample(arb, { seed: seed + f, numRuns: count })) garbage.push({ ...record, key: keyFor(garbage.length), headers: undefined });
  });
  for (const record of hugeValues(ctx)) garbage.push({ ...record, key: organizationId });
  const headerSamples = fc.sample(headers, { seed: seed + 100, numRuns: garbage.length + 100 });
  garbage.forEach((g, i) => (g.headers = headerSamples[i]));

  const valid = fc.sample(fc.record({ topic, data: validData }), { seed: seed + 200, numRuns: 60 }).map(({ topic: t, data }, i): DomainRecord => {
    const id = `evt_valid_${seed}_${i}`;
    return { label: 'valid', topic: t, key: keyFor(i), headers: headerSamples[garbage.length + i], value: json(event(ctx, t, id, data)), event: { id, data } };
  });
  return { garbage, valid };
}

/** A seeded shuffle (mulberry32), so the interleaving is part of what the seed replays. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
