/*
 * `npm run bench [-- scenario ...] [--allow-dirty]`: benchmarks on the real local Kafka + PostgreSQL and
 * the built services (separate processes), with the load generator and receiver in this process. Not a
 * test: it reports numbers. Every run's JSON goes to bench/results/runs/ (committed: small, and the
 * evidence behind the report). A run of every default scenario also writes bench/results/latest.{json,md}
 * and latency.png. A report names the commit it measured, so it refuses to run on a tree with
 * uncommitted changes unless told (--allow-dirty; the commit is then marked "-dirty").
 *
 * Scenarios, in this order by default: fanout, fanout-filter, fanout-schema, throughput, burst, latency
 * (100, 500, 1,000 and 2,000 events/s, with the budget per stage), latency-sparse (one event every 2 s,
 * each finding the stack quiet), latency-one-endpoint, isolation,
 * scaling, retry-precision, memory, idle. `scaling` is 1, 2 and 4 delivery instances, then 1 and 2
 * fan-out instances. `latency-100` and `latency-1000` run one rate only, `throughput-1` one delivery
 * instance only; `pacing` (the cost of rate limits and strict ordering) runs only when named.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import path from 'node:path';
import { fanout, fanoutFilter, fanoutSchema } from './scenarios/fanout';
import { fanoutScaling } from './scenarios/fanout-scaling';
import { idle } from './scenarios/idle';
import { burst, isolation, isolationDead, latency, memory, pacing, retryPrecision, scaling, throughput } from './scenarios/delivery';
import { latencyChart, markdown, Report, stageChart } from './support/report';
import { Result, log, round } from './support/result';
import { uncommittedChanges, versions } from './support/versions';

const SCENARIOS: Record<string, () => Promise<Result[]>> = {
  fanout: () => fanout(),
  'fanout-filter': () => fanoutFilter(),
  'fanout-schema': () => fanoutSchema(),
  throughput: async () => [await throughput(1), await throughput(2)],
  'throughput-1': async () => [await throughput(1)],
  latency: async () => [await latency(100), await latency(500), await latency(1000), await latency(2000)],
  isolation: async () => [await isolation(10), await isolation(1), await isolationDead(1), await isolationDead(5), await isolationDead(50)],
  'isolation-dead': async () => [await isolationDead(1), await isolationDead(5), await isolationDead(50)],
  scaling: async () => [...(await scaling()), ...(await fanoutScaling())],
  'scaling-fanout': () => fanoutScaling(),
  'retry-precision': async () => [await retryPrecision()],
  memory: async () => [await memory()],
  'latency-1000': async () => [await latency(1000)],
  'latency-100': async () => [await latency(100)],
  // One event every 2 s: each finds the stack quiet (a delivery consumer's longer fetch wait, decision 0027).
  'latency-sparse': async () => [await latency(0.5, 40, 6)],
  'latency-one-endpoint': async () => [await latency(500, 15, 5, 'one-endpoint')],
  burst: async () => [await burst(2)],
  idle: async () => [await idle(1), await idle(4)],
  pacing: async () => [await pacing('none'), await pacing('rate-limit'), await pacing('strict')],
};
const DEFAULT = ['fanout', 'fanout-filter', 'fanout-schema', 'throughput', 'burst', 'latency', 'latency-sparse', 'latency-one-endpoint', 'isolation', 'scaling', 'retry-precision', 'memory', 'idle'];
const REPO = path.resolve(__dirname, '..');

async function main(): Promise<void> {
  const args = process.argv.slice(2).filter((a) => a !== '--');
  const allowDirty = args.includes('--allow-dirty');
  const requested = args.filter((a) => a !== '--allow-dirty');
  const names = requested.length > 0 ? requested : DEFAULT;
  const dirty = uncommittedChanges(REPO);
  if (dirty.length > 0 && !allowDirty) {
    throw new Error(
      `the tree has uncommitted changes (${dirty.slice(0, 5).join(', ')}${dirty.length > 5 ? ', ...' : ''}): a report must name the code it measured. ` +
        'Commit first, or pass --allow-dirty for a run you will not commit.',
    );
  }
  for (const n of names) if (!SCENARIOS[n]) throw new Error(`unknown scenario "${n}"; choose from ${Object.keys(SCENARIOS).join(', ')}`);
  for (const name of ['subscriptions', 'fanout', 'delivery']) {
    if (!existsSync(path.join(REPO, 'dist', 'apps', name, 'main.js'))) throw new Error(`dist/apps/${name}/main.js is missing: run \`npm run build\` first`);
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- scripts/infra is plain CommonJS with no types to import
  const infra = require('../scripts/infra') as { up(): Promise<Record<string, string>> };
  Object.assign(process.env, await infra.up());

  const started = Date.now();
  const results: Result[] = [];
  for (const [i, name] of names.entries()) {
    log(`scenario ${i + 1}/${names.length}: ${name} (${Math.round((Date.now() - started) / 1000)} s so far, load average ${loadavg()[0].toFixed(1)})`);
    for (const r of await SCENARIOS[name]()) {
      log(`${r.scenario}: ${JSON.stringify(r.metrics)} ledger ${r.ledger.balanced ? 'balanced' : 'VOID'} ${JSON.stringify(r.ledger)}`);
      results.push(r);
    }
  }
  const report: Report = { date: new Date().toISOString(), durationSeconds: (Date.now() - started) / 1000, machine: machine(), versions: await versions(REPO), results };
  const complete = DEFAULT.every((n) => names.includes(n));
  write(report, complete ? await latencyChart(results) : null, await stageChart(results), complete);
  const voids = results.filter((r) => !r.ledger.balanced).map((r) => r.scenario);
  if (voids.length > 0) {
    log(`VOID runs (ledger does not balance): ${voids.join(', ')}`);
    process.exit(1);
  }
  process.exit(0);
}

function machine(): Record<string, string | number> {
  return { cores: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', memoryGb: round(totalmem() / 2 ** 30, 1), loadAverageAtStart: round(loadavg()[0], 1) };
}

function write(report: Report, chart: Buffer | null, stages: Buffer | null, complete: boolean): void {
  const dir = path.join(__dirname, 'results');
  mkdirSync(path.join(dir, 'runs'), { recursive: true });
  const json = JSON.stringify(report, null, 2) + '\n';
  const run = path.join(dir, 'runs', `${report.date.replace(/[:.]/g, '-')}-${report.versions.commit}.json`);
  writeFileSync(run, json);
  if (stages) writeFileSync(run.replace(/\.json$/, '-stages.png'), stages);
  if (!complete) {
    // A partial run is evidence for one question, not the report: it is kept and printed, latest.* stay.
    process.stdout.write(markdown(report));
    log(`wrote ${path.relative(REPO, run)} (partial run: latest.md unchanged; ${Math.round(report.durationSeconds)} s)`);
    return;
  }
  writeFileSync(path.join(dir, 'latest.json'), json);
  writeFileSync(path.join(dir, 'latest.md'), markdown(report));
  if (chart) writeFileSync(path.join(dir, 'latency.png'), chart);
  if (stages) writeFileSync(path.join(dir, 'stages.png'), stages);
  log(`wrote ${path.relative(REPO, path.join(dir, 'latest.md'))}${chart ? ' and latency.png' : ''} and ${path.relative(REPO, run)} (${Math.round(report.durationSeconds)} s)`);
}

main().catch((err) => {
  process.stderr.write(`[bench] failed: ${(err as Error).stack}\n`);
  process.exit(1);
});
