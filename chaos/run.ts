/*
 * `npm run chaos [-- phase ...]`: fault drills on the real local Kafka + PostgreSQL and the built
 * services (separate processes from dist/, as in production), each under a steady open-loop load of
 * events to several endpoints of a local receiver that records every `webhook-id` per endpoint.
 * Loopback only; bounded in time (CHAOS_MINUTES, default 12); stops by itself. Writes
 * chaos/results/latest.json and latest.md (and every run to chaos/results/runs/, with the machine and versions) and exits non-zero if an invariant broke.
 *
 * Phases (default: all, in this order):
 *   kill-subscriptions, kill-fanout, kill-delivery   SIGKILL the service at a random moment, restart it (CHAOS_KILLS, default 5 each)
 *   broker     stop the Kafka broker, keep it down CHAOS_BROKER_DOWN_SECONDS (10), start it (CHAOS_BROKER_RESTARTS, default 2)
 *   database   stop PostgreSQL for CHAOS_DB_DOWN_SECONDS (90: longer than every cache TTL) while probing the admin API (CHAOS_DB_OUTAGES, default 1)
 *   rebalance-storm  for CHAOS_STORM_SECONDS (60), every few seconds add a delivery instance or SIGKILL one of the extra ones
 *   cluster    (not in the default set) three brokers: SIGKILL the busiest leader and a second broker, restart; SIGKILL the active controller (chaos/cluster.ts)
 * `kills` selects the three kill phases. CHAOS_RATE sets the load (events/s, default 100).
 *
 * Invariant for every phase: per endpoint, the distinct webhook-ids received equal the set of the
 * published events that match it (lost = 0); duplicates are counted. Broker and database faults must
 * be survived without restarting any service. Recovery time of an episode: from the end of the
 * fault (restart issued; broker or database healthy again) until every event scheduled before that
 * moment has reached every matching endpoint.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import path from 'node:path';
import { Chaos } from './chaos';
import { clusterPhase } from './cluster';
import { databasePhase } from './database-phase';
import { OPTIONS, infra } from './options';
import { brokerPhase, killPhase, rebalanceStormPhase } from './phases';
import { markdown } from './report';
import { versions } from '../bench/support/versions';
import { NAMED_ONLY, PHASES, PhaseName, PhaseResult, baseChecks, log, result, secs, sleep } from './results';

function selectedPhases(args: string[]): PhaseName[] {
  if (args.length === 0) return PHASES;
  const chosen = new Set<PhaseName>();
  for (const a of args) {
    if (a === 'kills') for (const p of PHASES.filter((x) => x.startsWith('kill-'))) chosen.add(p);
    else if ([...PHASES, ...NAMED_ONLY].includes(a as PhaseName)) chosen.add(a as PhaseName);
    else throw new Error(`unknown phase ${a}; choose from kills, ${[...PHASES, ...NAMED_ONLY].join(', ')}`);
  }
  return [...PHASES, ...NAMED_ONLY].filter((p) => chosen.has(p));
}

async function main(): Promise<void> {
  const phases = selectedPhases(process.argv.slice(2).filter((a) => a !== '--'));
  const chaos = new Chaos();
  log(`phases ${phases.join(', ')}; load ${OPTIONS.rate} events/s; time budget ${OPTIONS.minutes} min`);
  const results: PhaseResult[] = [];
  let aborted: string | null = null;
  // Whatever happens, the broker and the database are running again when this ends.
  const restoreInfra = async () => {
    for (const which of ['kafka', 'postgres'] as const) {
      await infra.startOne(which).catch((err: unknown) => log(`could not start ${which} again: ${(err as Error).message}`));
    }
  };
  const hardStop = setTimeout(() => {
    log(`time budget of ${OPTIONS.minutes} min exhausted: writing what was measured and stopping`);
    aborted = 'time budget exhausted';
    void restoreInfra()
      .then(() => Promise.race([chaos.stop(), sleep(20_000)]))
      .then(() => report(chaos, results, phases, aborted))
      .finally(() => process.exit(1));
  }, chaos.remaining());
  hardStop.unref();
  process.once('SIGINT', () => {
    log('interrupted: restoring the infrastructure and stopping the services');
    void restoreInfra()
      .then(() => chaos.stop())
      .finally(() => process.exit(130));
  });

  try {
    Object.assign(process.env, await infra.up(phases.includes('cluster') ? { brokers: 3 } : {}));
    log('starting the services...');
    await chaos.start();
    for (const phase of phases) {
      log(`phase ${phase} (${Math.round(chaos.remaining() / 1000)} s of budget left)`);
      if (phase === 'kill-subscriptions') results.push(await killPhase(chaos, phase, 'subscriptions'));
      if (phase === 'kill-fanout') results.push(await killPhase(chaos, phase, 'fanout'));
      if (phase === 'kill-delivery') results.push(await killPhase(chaos, phase, 'delivery'));
      if (phase === 'broker') results.push(await brokerPhase(chaos));
      if (phase === 'database') results.push(await databasePhase(chaos));
      if (phase === 'rebalance-storm') results.push(await rebalanceStormPhase(chaos));
      if (phase === 'cluster') results.push(await clusterPhase(chaos, infra, OPTIONS, { log, secs, baseChecks, result }));
    }
  } catch (err) {
    aborted = `failed: ${(err as Error).stack}`;
    log(aborted);
    await restoreInfra();
  } finally {
    clearTimeout(hardStop);
    await chaos.stop();
  }
  const ok = await report(chaos, results, phases, aborted);
  process.exit(ok ? 0 : 1);
}

async function report(chaos: Chaos, results: PhaseResult[], phases: PhaseName[], aborted: string | null): Promise<boolean> {
  const ok = !aborted && results.length === phases.length && results.every((r) => r.ok);
  const machine = { cores: cpus().length, cpu: cpus()[0]?.model, memoryGb: Math.round(totalmem() / 2 ** 30), loadAverage: loadavg().map((l) => Math.round(l * 10) / 10), node: process.version };
  const doc = { date: new Date().toISOString(), seconds: Math.round((Date.now() - chaos.startedAt) / 1000), ok, aborted, machine, versions: await versions(path.join(__dirname, '..')), options: OPTIONS, phases: results };
  const dir = path.join(__dirname, 'results');
  mkdirSync(path.join(dir, 'runs'), { recursive: true });
  const json = JSON.stringify(doc, null, 2) + '\n';
  // Every run is kept (committed beside the code it ran), latest.* is the last one.
  writeFileSync(path.join(dir, 'runs', `${doc.date.replace(/[:.]/g, '-')}-${phases.join('+')}-${doc.versions.commit}.json`), json);
  writeFileSync(path.join(dir, 'latest.json'), json);
  writeFileSync(path.join(dir, 'latest.md'), markdown(doc));
  log(`${ok ? 'every invariant held' : 'SOMETHING BROKE'} in ${doc.seconds} s; wrote ${path.join(dir, 'latest.md')}`);
  return ok;
}

if (require.main === module) {
  main().catch((err) => {
    log(`failed: ${(err as Error).stack}`);
    process.exit(1);
  });
}
