import { Resvg } from '@resvg/resvg-js';
import type { Result } from './result';

export interface Report {
  date: string;
  durationSeconds: number;
  machine: Record<string, string | number>;
  versions: Record<string, string>;
  results: Result[];
}

interface Target {
  what: string;
  met: (r: Result) => boolean;
}

const num = (r: Result, key: string) => Number(r.metrics[key]);

/** The issue's goals on the 2-core machine (goals to report against, not test thresholds). */
const TARGETS: Record<string, Target> = {
  'fanout-1': { what: '>= 5,000 events/s in', met: (r) => num(r, 'eventsPerSecond') >= 5000 },
  'fanout-10': { what: '>= 20,000 delivery messages/s out', met: (r) => num(r, 'deliveryMessagesPerSecond') >= 20000 },
  // Issue #21's targets (they supersede #2's 3,000 deliveries/s and p99 < 250 ms at 1,000 events/s).
  'throughput-1': { what: '>= 6,000 deliveries/s, <= 0.3 CPU-s per 1,000', met: (r) => num(r, 'deliveriesPerSecond') >= 6000 && num(r, 'stackCpuSecondsPer1000') <= 0.3 },
  'burst-2': { what: '>= 4,000 deliveries/s', met: (r) => num(r, 'deliveriesPerSecond') >= 4000 },
  'latency-100': { what: 'p50 <= 10 ms, p99 <= 30 ms, stack <= 0.3 cores', met: (r) => num(r, 'p50ms') <= 10 && num(r, 'p99ms') <= 30 && num(r, 'stackCores') <= 0.3 },
  'latency-500': { what: 'p50 <= 15 ms, p99 <= 60 ms', met: (r) => num(r, 'p50ms') <= 15 && num(r, 'p99ms') <= 60 },
  'latency-one-endpoint-500': { what: 'p50 <= 15 ms, p99 <= 60 ms', met: (r) => num(r, 'p50ms') <= 15 && num(r, 'p99ms') <= 60 },
  'latency-1000': { what: 'p50 <= 25 ms, p99 <= 100 ms', met: (r) => num(r, 'p50ms') <= 25 && num(r, 'p99ms') <= 100 },
  'idle-1': { what: '<= 0.02 cores, whole machine', met: (r) => num(r, 'machineCores') <= 0.02 },
  isolation: { what: 'ratio <= 1.2', met: (r) => num(r, 'ratio') <= 1.2 },
  'isolation-1': { what: 'ratio <= 1.2', met: (r) => num(r, 'ratio') <= 1.2 },
  'scaling-2': { what: '>= 1.9x one instance', met: (r) => num(r, 'speedupOverOne') >= 1.9 },
  'scaling-4': { what: '>= 3.6x one instance', met: (r) => num(r, 'speedupOverOne') >= 3.6 },
  'scaling-fanout-2': { what: '>= 1.9x one instance', met: (r) => num(r, 'speedupOverOne') >= 1.9 },
  'retry-precision': { what: 'p99 lateness < 1 s, never early', met: (r) => num(r, 'latenessP99ms') < 1000 && num(r, 'early') === 0 },
  memory: { what: 'each service < 300 MB RSS', met: (r) => Object.values(r.metrics.peakRssMb as Record<string, number>).every((mb) => mb < 300) },
};

const headline = (r: Result) =>
  Object.entries(r.metrics)
    .map(([k, v]) => `${k} ${typeof v === 'object' ? Object.entries(v).map(([a, b]) => `${a}=${b}`).join(', ') : v}`)
    .join('; ');

export function markdown(report: Report): string {
  const lines = [
    '# Benchmark results',
    '',
    `Run ${report.date}, ${Math.round(report.durationSeconds)} s in all, by \`npm run bench\`. Everything local: Kafka, PostgreSQL,`,
    'the built services as separate processes and the load generator + receiver share the machine.',
    '',
    `Machine: ${Object.entries(report.machine).map(([k, v]) => `${k} ${v}`).join(', ')}.`,
    `Versions: ${Object.entries(report.versions).map(([k, v]) => `${k} ${v}`).join(', ')}.`,
    '',
    'A run is **void** unless its ledger balances: every published delivery received (distinct `webhook-id`), none unknown.',
    '',
    '| scenario | numbers | target | ledger (published / received / missing / duplicates) |',
    '| --- | --- | --- | --- |',
  ];
  for (const r of report.results) {
    const target = TARGETS[r.scenario];
    const verdict = target ? `${target.what}: ${target.met(r) ? '**met**' : '**not met**'}` : '';
    const l = r.ledger;
    lines.push(`| ${r.scenario} | ${headline(r)} | ${verdict} | ${l.balanced ? 'balanced' : '**VOID**'} ${l.published} / ${l.received} / ${l.missing} / ${l.duplicates} |`);
  }
  lines.push('', '![latency percentiles against event rate](latency.png)', '', '![latency budget: p50 of each stage](stages.png)', '', '## Scenarios', '');
  for (const r of report.results) {
    lines.push(`- **${r.scenario}**: ${r.summary}.${r.settings ? ` Settings: ${Object.entries(r.settings).map(([k, v]) => `\`${k}=${v}\``).join(', ')}.` : ''}`);
  }
  lines.push('');
  return lines.join('\n');
}

const PERCENTILES = { p50ms: 'p50', p90ms: 'p90', p99ms: 'p99', maxMs: 'max' };

/** Latency percentiles against the offered rate, as a PNG (vega-lite spec rendered by resvg). */
export async function latencyChart(results: readonly Result[]): Promise<Buffer | null> {
  const points = results
    .filter((r) => r.scenario.startsWith('latency-'))
    .flatMap((r) => Object.entries(PERCENTILES).map(([key, percentile]) => ({ rate: num(r, 'rate'), percentile, ms: num(r, key) })));
  if (points.length === 0) return null;
  return renderVegaLite({
    ...frame('Event -> receipt latency (open loop), ms, log scale'),
    data: { values: points },
    layer: [
      { mark: { type: 'rule', strokeDash: [4, 4], color: 'gray' }, encoding: { y: { datum: 250 } } },
      {
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'rate', type: 'quantitative', title: 'events per second' },
          y: { field: 'ms', type: 'quantitative', scale: { type: 'log' }, title: 'milliseconds' },
          color: { field: 'percentile', type: 'nominal', sort: ['p50', 'p90', 'p99', 'max'] },
        },
      },
    ],
  });
}

/**
 * The latency budget: p50 of each stage, stacked, per latency scenario. The fan-out's commit and the
 * delivery's read are one measured span (fanout_read_to_delivery_read); the part after the commit is
 * that span less fanout_read_to_committed (p50 less p50, so an estimate).
 */
export async function stageChart(results: readonly Result[]): Promise<Buffer | null> {
  const order = ['generator: occurred -> published', 'published -> fan-out read', 'fan-out read -> committed', 'committed -> delivery read (est.)', 'delivery read -> POST', 'POST -> answer'];
  const points = results
    .filter((r) => r.scenario.startsWith('latency-') && typeof r.metrics.stagesMs === 'object')
    .flatMap((r) => {
      const st = r.metrics.stagesMs as Record<string, number>;
      const p50 = (stage: string) => st[`${stage}.p50ms`] ?? 0;
      const values = [
        p50('occurred_to_published'),
        p50('published_to_fanout_read'),
        p50('fanout_read_to_committed'),
        Math.max(0, p50('fanout_read_to_delivery_read') - p50('fanout_read_to_committed')),
        p50('delivery_read_to_post'),
        p50('post_to_answer'),
      ];
      return values.map((ms, i) => ({ scenario: r.scenario, stage: order[i], rank: i, ms }));
    });
  if (points.length === 0) return null;
  return renderVegaLite({
    ...frame('Latency budget: p50 of each stage, ms'),
    data: { values: points },
    mark: 'bar',
    encoding: {
      x: { field: 'scenario', type: 'nominal', title: null, sort: null },
      y: { field: 'ms', type: 'quantitative', stack: 'zero', title: 'milliseconds (p50 per stage)' },
      color: { field: 'stage', type: 'nominal', sort: order },
      order: { field: 'rank', type: 'quantitative' },
    },
  });
}

const frame = (title: string) => ({ width: 560, height: 320, background: 'white', title });

async function renderVegaLite(liteSpec: object): Promise<Buffer> {
  // vega and vega-lite are ES modules with top-level await: import() them, which the CommonJS
  // output of ts-node would otherwise turn into require().
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- a real import() that the CommonJS output keeps
  const dynamicImport = new Function('specifier', 'return import(specifier)') as (s: string) => Promise<any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- vega and vega-lite are ESM-only and untyped through this import
  const [vega, vl] = await Promise.all([dynamicImport('vega'), dynamicImport('vega-lite')]);
  const spec = vl.compile(liteSpec).spec;
  const svg: string = await new vega.View(vega.parse(spec), { renderer: 'none' }).toSVG();
  return new Resvg(svg, { font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } }).render().asPng();
}
