/*
 * `npm run bench [-- scenario ...]`: benchmarks on the real local Kafka + PostgreSQL and the built
 * services (separate processes), with a local receiver in this process. Writes
 * bench/results/latest.json and bench/results/latest.md. Not a test: it reports numbers.
 *
 * Scenarios: throughput, latency, isolation (default: these three), latency-1000 (one rate only).
 */
import { cpus, freemem, totalmem } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { EVENT_TYPES, Pipeline, drain, publishClosedLoop, publishOpenLoop } from './support/pipeline';
import { BenchReceiver } from './support/receiver';

type Result = Record<string, unknown> & { scenario: string };
const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);
const progress = (what: string, expected: number) => (n: number) => log(`  ${what}: ${n}/${expected}`);

/** Deliveries/s to a fast receiver: 3,000 events x 10 endpoints, with 1 and 2 delivery instances. */
async function throughput(instances: number): Promise<Result> {
  const receiver = await new BenchReceiver().start();
  const pipeline = await new Pipeline({ deliveryInstances: instances }).start();
  try {
    const org = await pipeline.organization();
    const paths = Array.from({ length: 10 }, (_, i) => `/e${i}`);
    for (const p of paths) await pipeline.endpoint(org.apiKey, receiver.url(p), ['*']);
    const events = 3000;
    const expected = events * paths.length;
    const t0 = Date.now();
    await publishClosedLoop(pipeline.producer, org.id, events, EVENT_TYPES);
    const missing = await drain(() => receiver.distinct(), expected, 30_000, progress('deliveries', expected));
    const seconds = (Math.max(...receiver.lastReceiptByPath.values()) - t0) / 1000;
    return {
      scenario: `throughput-${instances}-instance${instances > 1 ? 's' : ''}`,
      events,
      deliveries: expected,
      received: receiver.distinct(),
      missing,
      duplicates: receiver.requests - receiver.distinct(),
      seconds: round(seconds),
      deliveriesPerSecond: Math.round(receiver.distinct() / seconds),
      p50ms: receiver.latency.getValueAtPercentile(50),
      p99ms: receiver.latency.getValueAtPercentile(99),
      peakRssMb: Object.fromEntries(pipeline.services.map((s) => [`${s.name}:${s.port}`, Math.round(s.peakRssMb)])),
    };
  } finally {
    await pipeline.stop();
    await receiver.stop();
  }
}

/** Open-loop latency at a fixed event rate, fan-out 1 (one endpoint per event type). */
async function latency(rate: number, seconds = 15): Promise<Result> {
  const receiver = await new BenchReceiver().start();
  const pipeline = await new Pipeline({ deliveryInstances: 1 }).start();
  try {
    const org = await pipeline.organization();
    for (const type of EVENT_TYPES) await pipeline.endpoint(org.apiKey, receiver.url(`/${type}`), [type]);
    const total = await publishOpenLoop(pipeline.producer, org.id, rate, seconds, EVENT_TYPES);
    const missing = await drain(() => receiver.distinct(), total, 30_000);
    const h = receiver.latency;
    return {
      scenario: `latency-${rate}-per-s`,
      rate,
      seconds,
      events: total,
      received: receiver.distinct(),
      missing,
      p50ms: h.getValueAtPercentile(50),
      p90ms: h.getValueAtPercentile(90),
      p99ms: h.getValueAtPercentile(99),
      maxMs: h.maxValue,
    };
  } finally {
    await pipeline.stop();
    await receiver.stop();
  }
}

/**
 * One healthy endpoint receiving 1,000 events, with and without a dead endpoint (never answers)
 * receiving the same 1,000: the ratio of the healthy endpoint's completion times.
 */
async function isolation(): Promise<Result> {
  const runOnce = async (withDead: boolean) => {
    const receiver = await new BenchReceiver({ deadPaths: new Set(['/dead']) }).start();
    const pipeline = await new Pipeline({ deliveryInstances: 1 }).start();
    try {
      const org = await pipeline.organization();
      await pipeline.endpoint(org.apiKey, receiver.url('/healthy'), ['order.new']);
      if (withDead) await pipeline.endpoint(org.apiKey, receiver.url('/dead'), ['order.new']);
      const t0 = Date.now();
      await publishClosedLoop(pipeline.producer, org.id, 1000, ['order.new']);
      const missing = await drain(() => receiver.distinct(['/healthy']), 1000, 30_000, progress(withDead ? 'healthy (dead present)' : 'healthy (alone)', 1000));
      return { seconds: (receiver.lastReceiptByPath.get('/healthy')! - t0) / 1000, missing };
    } finally {
      await pipeline.stop();
      await receiver.stop();
    }
  };
  const alone = await runOnce(false);
  const withDead = await runOnce(true);
  return {
    scenario: 'isolation',
    healthyAloneSeconds: round(alone.seconds),
    healthyWithDeadSeconds: round(withDead.seconds),
    ratio: round(withDead.seconds / alone.seconds),
    missing: alone.missing + withDead.missing,
  };
}

const round = (n: number) => Math.round(n * 100) / 100;

const SCENARIOS: Record<string, () => Promise<Result[]>> = {
  throughput: async () => [await throughput(1), await throughput(2)],
  latency: async () => [await latency(250), await latency(1000), await latency(2000)],
  'latency-1000': async () => [await latency(1000)],
  isolation: async () => [await isolation()],
};

async function main(): Promise<void> {
  const requested = process.argv.slice(2).filter((a) => a !== '--');
  const names = requested.length > 0 ? requested : ['throughput', 'latency', 'isolation'];
  for (const n of names) if (!SCENARIOS[n]) throw new Error(`unknown scenario ${n}; choose from ${Object.keys(SCENARIOS).join(', ')}`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const infra = require('../scripts/infra') as { up(): Promise<Record<string, string>> };
  Object.assign(process.env, await infra.up());

  const machine = { cores: cpus().length, cpu: cpus()[0]?.model, memoryGb: round(totalmem() / 2 ** 30), freeGb: round(freemem() / 2 ** 30), node: process.version };
  const results: Result[] = [];
  for (const name of names) {
    log(`scenario ${name}...`);
    const out = await SCENARIOS[name]();
    for (const r of out) log(JSON.stringify(r));
    results.push(...out);
  }
  const dir = path.join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  const report = { date: new Date().toISOString(), machine, results };
  writeFileSync(path.join(dir, 'latest.json'), JSON.stringify(report, null, 2) + '\n');
  writeFileSync(path.join(dir, 'latest.md'), markdown(report));
  log(`wrote ${path.join(dir, 'latest.md')}`);
  process.exit(0);
}

function markdown(report: { date: string; machine: Record<string, unknown>; results: Result[] }): string {
  const lines = [`# Benchmark results`, '', `${report.date} — ${JSON.stringify(report.machine)}`, ''];
  for (const r of report.results) {
    lines.push(`## ${r.scenario}`, '', '| metric | value |', '| --- | --- |');
    for (const [k, v] of Object.entries(r)) if (k !== 'scenario') lines.push(`| ${k} | ${typeof v === 'object' ? JSON.stringify(v) : v} |`);
    lines.push('');
  }
  return lines.join('\n');
}

main().catch((err) => {
  process.stderr.write(`[bench] failed: ${(err as Error).stack}\n`);
  process.exit(1);
});
