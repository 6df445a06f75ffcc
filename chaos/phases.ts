// The fault phases on one service or the broker: SIGKILL and restart, broker stop and start, a rebalance storm.
import { ServiceProcess } from '../test/support/service-process';
import { BrokerLogWatch } from './broker-log';
import { Chaos } from './chaos';
import { INFRA_DIR, OPTIONS, infra } from './options';
import { Check, Episode, PhaseName, PhaseResult, baseChecks, between, log, result, secs, sleep } from './results';

/** Broker faults must be survived by reconnecting within this (issue #8). */
const RECONNECT_LIMIT_MS = 30_000;

export async function killPhase(chaos: Chaos, phase: PhaseName, target: 'subscriptions' | 'fanout' | 'delivery'): Promise<PhaseResult> {
  const t0 = Date.now();
  const { ledger, load } = await chaos.beginPhase(phase);
  const episodes: Episode[] = [];
  for (let n = 1; n <= OPTIONS.kills; n++) {
    if (chaos.remaining() < 150_000) {
      log(`  out of time budget: stopping ${phase} after ${n - 1} kills`);
      break;
    }
    await sleep(between(2000, 6000));
    const at = Date.now();
    log(`${phase}: SIGKILL ${target} (${n}/${OPTIONS.kills}), restarting it`);
    const service = chaos.service(target);
    let note: string | undefined;
    const restarted = chaos.killAndRestart(service).catch((err: unknown) => void (note = `restart failed: ${(err as Error).message}`));
    const end = Date.now();
    const recovery = await chaos.recovery(ledger, load, end, 90_000);
    await restarted;
    episodes.push({ n, at: new Date(at).toISOString(), faultMs: end - at, ...recovery, note });
    log(`  recovered: ready after ${secs(recovery.readyMs)}, backlog drained after ${secs(recovery.drainedMs)}`);
  }
  const tally = await chaos.endPhase(ledger, load);
  const exits = chaos.takeExits();
  const checks = [
    ...baseChecks(tally, exits),
    { what: `${target} killed ${OPTIONS.kills} times`, ok: episodes.length >= OPTIONS.kills, detail: `${episodes.length} kills` },
    { what: 'recovered after every kill', ok: episodes.every((e) => e.drainedMs !== null && e.readyMs !== null), detail: episodes.map((e) => secs(e.drainedMs)).join(', ') },
  ];
  return result(phase, `SIGKILL ${target} at a random moment, restart`, t0, episodes, tally, exits, checks);
}

export async function brokerPhase(chaos: Chaos): Promise<PhaseResult> {
  const t0 = Date.now();
  const { ledger, load } = await chaos.beginPhase('broker');
  const episodes: Episode[] = [];
  const checks: Check[] = [];
  for (let n = 1; n <= OPTIONS.brokerRestarts; n++) {
    const before = await chaos.nextOutage(OPTIONS.brokerDownMs + 150_000, 'broker restarts');
    if (!before) break;
    const { at } = before;
    log(`broker: stopping Kafka (${n}/${OPTIONS.brokerRestarts}), down for ${OPTIONS.brokerDownMs / 1000} s`);
    await infra.stopOne('kafka');
    await sleep(OPTIONS.brokerDownMs);
    log('broker: starting Kafka');
    const brokerLog = new BrokerLogWatch(INFRA_DIR);
    await infra.startOne('kafka');
    const end = Date.now();
    const loaded = brokerLog.coordinatorsLoaded(120_000);
    const recovery = await chaos.recovery(ledger, load, end, 120_000);
    const loadedAt = await loaded;
    const brokerLoadingMs = loadedAt === null ? null : Math.max(0, loadedAt - end);
    const samePids = chaos.sameProcesses(before.pids);
    episodes.push({ n, at: new Date(at).toISOString(), faultMs: end - at, ...recovery, brokerLoadingMs, note: samePids ? undefined : 'a service was restarted' });
    // Nobody can rejoin a group before the coordinators have loaded: the services' part starts then.
    const reconnectMs = recovery.flowingMs === null || brokerLoadingMs === null ? null : recovery.flowingMs - brokerLoadingMs;
    checks.push({
      what: `restart ${n}: services reconnected by themselves within ${RECONNECT_LIMIT_MS / 1000} s of the broker serving groups again`,
      ok: samePids && recovery.readyMs !== null && reconnectMs !== null && reconnectMs <= RECONNECT_LIMIT_MS,
      detail:
        `same processes: ${samePids}; after the broker accepted connections: coordinators loaded ${secs(brokerLoadingMs)}, ` +
        `deliveries of new events flowing ${secs(recovery.flowingMs)} (${secs(reconnectMs)} after the coordinators), services ready ${secs(recovery.readyMs)}`,
    });
    log(`  recovered: broker coordinators loaded after ${secs(brokerLoadingMs)}, flowing after ${secs(recovery.flowingMs)}, backlog drained after ${secs(recovery.drainedMs)}`);
  }
  const tally = await chaos.endPhase(ledger, load);
  const exits = chaos.takeExits();
  checks.unshift(...baseChecks(tally, exits));
  checks.push({ what: 'backlog drained after every restart', ok: episodes.length > 0 && episodes.every((e) => e.drainedMs !== null), detail: episodes.map((e) => secs(e.drainedMs)).join(', ') });
  return result('broker', `Kafka broker stopped for ${OPTIONS.brokerDownMs / 1000} s, started again`, t0, episodes, tally, exits, checks);
}

/**
 * Delivery instances joining and dying under load for CHAOS_STORM_SECONDS: every 3-6 s one more
 * instance starts, or one of the extra ones is SIGKILLed (the first instance stays). Every join and
 * every death after a session timeout rebalances both delivery groups; nothing may be lost.
 */
export async function rebalanceStormPhase(chaos: Chaos): Promise<PhaseResult> {
  const t0 = Date.now();
  const { ledger, load } = await chaos.beginPhase('rebalance-storm');
  const episodes: Episode[] = [];
  const extra: ServiceProcess[] = [];
  const stormEnd = Date.now() + Math.min(OPTIONS.stormMs, Math.max(0, chaos.remaining() - 180_000));
  let n = 0;
  while (Date.now() < stormEnd) {
    await sleep(between(3000, 6000));
    n++;
    const at = Date.now();
    if (extra.length < 2 || (extra.length < 3 && Math.random() < 0.5)) {
      log(`rebalance-storm: adding a delivery instance (${extra.length + 2} running)`);
      extra.push(await chaos.addDeliveryInstance());
      episodes.push({ n, at: new Date(at).toISOString(), faultMs: Date.now() - at, drainedMs: null, flowingMs: null, readyMs: Date.now() - at, note: 'instance added' });
    } else {
      const victim = extra.splice(Math.floor(Math.random() * extra.length), 1)[0];
      log(`rebalance-storm: SIGKILL one delivery instance (${extra.length + 1} left)`);
      await chaos.killForGood(victim);
      episodes.push({ n, at: new Date(at).toISOString(), faultMs: 0, drainedMs: null, flowingMs: null, readyMs: null, note: 'instance killed' });
    }
  }
  const end = Date.now();
  const recovery = await chaos.recovery(ledger, load, end, 120_000);
  log(`  storm over: backlog drained after ${secs(recovery.drainedMs)}`);
  const tally = await chaos.endPhase(ledger, load);
  for (const s of extra) await chaos.killForGood(s);
  const exits = chaos.takeExits();
  const checks = [
    ...baseChecks(tally, exits),
    { what: 'instances added and killed during the storm', ok: episodes.some((e) => e.note === 'instance added') && episodes.some((e) => e.note === 'instance killed'), detail: episodes.map((e) => e.note).join(', ') },
    { what: 'backlog drained after the storm', ok: recovery.drainedMs !== null, detail: secs(recovery.drainedMs) },
  ];
  return result('rebalance-storm', `delivery instances added and SIGKILLed every 3-6 s for ${Math.round((stormEnd - t0) / 1000)} s`, t0, episodes, tally, exits, checks);
}
