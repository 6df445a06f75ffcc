/*
 * `npm run chaos [-- phase ...]`: fault drills on the real local Kafka + PostgreSQL and the built
 * services (separate processes from dist/, as in production), each under a steady open-loop load of
 * events to several endpoints of a local receiver that records every `webhook-id` per endpoint.
 * Loopback only; bounded in time (CHAOS_MINUTES, default 12); stops by itself. Writes
 * chaos/results/latest.json and chaos/results/latest.md and exits non-zero if an invariant broke.
 *
 * Phases (default: all, in this order):
 *   kill-subscriptions, kill-fanout, kill-delivery   SIGKILL the service at a random moment, restart it (CHAOS_KILLS, default 5 each)
 *   broker     stop the Kafka broker, keep it down CHAOS_BROKER_DOWN_SECONDS (10), start it (CHAOS_BROKER_RESTARTS, default 2)
 *   database   stop PostgreSQL for CHAOS_DB_DOWN_SECONDS (90: longer than every cache TTL) while probing the admin API (CHAOS_DB_OUTAGES, default 1)
 *   rebalance-storm  for CHAOS_STORM_SECONDS (60), every few seconds add a delivery instance or SIGKILL one of the extra ones
 * `kills` selects the three kill phases. CHAOS_RATE sets the load (events/s, default 100).
 *
 * Invariant for every phase: per endpoint, the distinct webhook-ids received equal the set of the
 * published events that match it (lost = 0); duplicates are counted. Broker and database faults must
 * be survived without restarting any service. Recovery time of an episode: from the end of the
 * fault (restart issued; broker or database healthy again) until every event scheduled before that
 * moment has reached every matching endpoint.
 */
import { Kafka, logLevel, Partitioners, Producer } from 'kafkajs';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import path from 'node:path';
import { ServiceProcess } from '../test/support/service-process';
import { EVENT_TYPES, Pipeline, drain } from '../bench/support/pipeline';
import { BenchReceiver } from '../bench/support/receiver';
import { Ledger, LedgerTally } from './ledger';
import { SteadyLoad } from './load';
import { BrokerLogWatch } from './broker-log';
import { markdown } from './report';

const log = (msg: string) => process.stderr.write(`[chaos] ${new Date().toISOString().slice(11, 19)} ${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const between = (min: number, max: number) => Math.round(min + Math.random() * (max - min));
const num = (name: string, dflt: number) => (process.env[name] ? Number(process.env[name]) : dflt);

export const OPTIONS = {
  rate: num('CHAOS_RATE', 100),
  kills: num('CHAOS_KILLS', 5),
  brokerRestarts: num('CHAOS_BROKER_RESTARTS', 2),
  brokerDownMs: num('CHAOS_BROKER_DOWN_SECONDS', 10) * 1000,
  dbOutages: num('CHAOS_DB_OUTAGES', 1),
  dbDownMs: num('CHAOS_DB_DOWN_SECONDS', 90) * 1000,
  stormMs: num('CHAOS_STORM_SECONDS', 60) * 1000,
  minutes: num('CHAOS_MINUTES', 12),
  // A SIGKILLed member keeps its partitions until its session times out; 10 s instead of the default 30 s
  // keeps five kills per service inside the time budget (the broker's minimum is 6 s).
  sessionTimeoutMs: num('CHAOS_SESSION_TIMEOUT_SECONDS', 10) * 1000,
};
const INFRA_DIR = process.env.INFRA_DIR ? path.resolve(process.env.INFRA_DIR) : path.join(__dirname, '..', '.infra');
/** Broker faults must be survived by reconnecting within this (issue #8). */
const RECONNECT_LIMIT_MS = 30_000;

const ENDPOINTS = [
  { name: 'all', eventTypes: ['*'] },
  { name: 'orders', eventTypes: ['order.new', 'order.updated'] },
  { name: 'customers', eventTypes: ['customer.created', 'customer.updated'] },
  { name: 'product-created', eventTypes: ['product.created'] },
];

type PhaseName = 'kill-subscriptions' | 'kill-fanout' | 'kill-delivery' | 'broker' | 'database' | 'rebalance-storm';
const PHASES: PhaseName[] = ['kill-subscriptions', 'kill-fanout', 'kill-delivery', 'broker', 'database', 'rebalance-storm'];

export interface Episode {
  n: number;
  /** When the fault began (kill, broker stop, database stop). */
  at: string;
  /** How long the fault itself lasted, ms (kill: 0; outages: stop to healthy again). */
  faultMs: number;
  /** Fault end until every event scheduled before it was delivered everywhere; null = not within the limit. */
  drainedMs: number | null;
  /** Fault end until the first delivery of an event published after it. */
  flowingMs: number | null;
  /** Fault end until every service answered /health/ready with 200. */
  readyMs: number | null;
  /** Broker faults: from accepting connections until its group and transaction coordinators had loaded. */
  brokerLoadingMs?: number | null;
  note?: string;
}

export interface Check {
  what: string;
  ok: boolean;
  detail: string;
}

export interface ProbeSummary {
  route: string;
  statuses: Record<string, number>;
  retryAfterOnEvery503: boolean;
  maxMs: number;
}

export interface PhaseResult {
  phase: PhaseName;
  fault: string;
  tried: number;
  seconds: number;
  episodes: Episode[];
  tally: LedgerTally;
  probes?: ProbeSummary[];
  unplannedExits: string[];
  checks: Check[];
  ok: boolean;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports -- scripts/infra.js is CommonJS without types
const infra = require('../scripts/infra') as {
  up(): Promise<Record<string, string>>;
  stopOne(which: 'kafka' | 'postgres'): Promise<unknown>;
  startOne(which: 'kafka' | 'postgres'): Promise<unknown>;
};

class Chaos {
  readonly deadline: number;
  pipeline: Pipeline;
  receiver: BenchReceiver;
  producer: Producer;
  /** The current phase's organization's API key (the database phase probes the admin API with it). */
  apiKey = '';
  private load: SteadyLoad | null = null;
  /** Services being killed and restarted on purpose right now (the watchdog leaves them alone). */
  private readonly restarting = new Set<ServiceProcess>();
  private exits: string[] = [];
  private watchdog: NodeJS.Timeout | null = null;
  private supervising = false;

  constructor(readonly startedAt = Date.now()) {
    this.deadline = startedAt + OPTIONS.minutes * 60_000;
  }

  remaining(): number {
    return this.deadline - Date.now();
  }

  service(name: 'subscriptions' | 'fanout' | 'delivery'): ServiceProcess {
    return this.pipeline.services.find((s) => s.name === name)!;
  }

  async start(): Promise<void> {
    this.receiver = await new BenchReceiver().start();
    this.pipeline = await new Pipeline({
      deliveryInstances: 1,
      env: {
        FANOUT_SESSION_TIMEOUT_MS: String(OPTIONS.sessionTimeoutMs),
        DELIVERY_SESSION_TIMEOUT_MS: String(OPTIONS.sessionTimeoutMs),
        // The services' logs (.infra/logs/<service>-<port>.log) at another level, e.g. info, to see what a recovery waited for.
        ...(process.env.CHAOS_LOG_LEVEL ? { LOG_LEVEL: process.env.CHAOS_LOG_LEVEL } : {}),
      },
    }).start();
    // The load's own client keeps retrying through a broker restart instead of failing the send.
    const kafka = new Kafka({
      clientId: 'chaos-load',
      brokers: String(process.env.KAFKA_BROKERS).split(','),
      logLevel: logLevel.NOTHING,
      connectionTimeout: 3000,
      retry: { initialRetryTime: 250, maxRetryTime: 2000, retries: 100 },
    });
    this.producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
    await this.producer.connect();
    // A supervisor's job: a service that dies unasked is noted (it breaks the phase) and started again.
    this.watchdog = setInterval(() => void this.supervise(), 1000);
  }

  private async supervise(): Promise<void> {
    if (this.supervising) return;
    this.supervising = true;
    try {
      for (const s of this.pipeline.services) {
        if (!s.exited || this.restarting.has(s)) continue;
        this.exits.push(`${s.name} exited unasked at ${new Date().toISOString()} (see its log in .infra/logs)`);
        log(`!! ${s.name} exited by itself; restarting it`);
        await s.start().catch((err: unknown) => log(`!! could not restart ${s.name}: ${(err as Error).message}`));
      }
    } finally {
      this.supervising = false;
    }
  }

  takeExits(): string[] {
    const e = this.exits;
    this.exits = [];
    return e;
  }

  async killAndRestart(s: ServiceProcess): Promise<void> {
    this.restarting.add(s);
    try {
      await s.stop('SIGKILL');
      await s.start();
    } finally {
      this.restarting.delete(s);
    }
  }

  /** One more delivery instance; the watchdog supervises it like the others. */
  async addDeliveryInstance(): Promise<ServiceProcess> {
    return this.pipeline.addDeliveryInstance();
  }

  /** SIGKILLs an instance and takes it out of the pipeline, so the watchdog does not restart it. */
  async killForGood(s: ServiceProcess): Promise<void> {
    this.restarting.add(s);
    try {
      await s.stop('SIGKILL');
      this.pipeline.services.splice(this.pipeline.services.indexOf(s), 1);
    } finally {
      this.restarting.delete(s);
    }
  }

  /** Before an outage: null when the time budget cannot fit one more; else a random pause, then the moment and the service processes. */
  async nextOutage(neededMs: number, what: string): Promise<{ at: number; pids: Array<number | undefined> } | null> {
    if (this.remaining() < neededMs) {
      log(`  out of time budget: no more ${what}`);
      return null;
    }
    await sleep(between(3000, 6000));
    return { at: Date.now(), pids: this.pipeline.services.map((s) => s.pid) };
  }

  /** No service was restarted (nor died) since `pids` were taken. */
  sameProcesses(pids: Array<number | undefined>): boolean {
    return this.pipeline.services.every((s, i) => s.pid === pids[i] && !s.exited);
  }

  async allReady(): Promise<boolean> {
    const states = await Promise.all(
      this.pipeline.services.map((s) =>
        fetch(`${s.url}/health/ready`, { signal: AbortSignal.timeout(3000) }).then(
          (r) => r.ok,
          () => false,
        ),
      ),
    );
    return states.every(Boolean);
  }

  /** A fresh organization with the phase's endpoints, and the load on it. */
  async beginPhase(phase: PhaseName): Promise<{ ledger: Ledger; load: SteadyLoad }> {
    const org = await this.pipeline.organization();
    const endpoints = [];
    for (const e of ENDPOINTS) {
      const p = `/${phase}/${e.name}`;
      endpoints.push({ path: p, id: await this.pipeline.endpoint(org.apiKey, this.receiver.url(p), e.eventTypes), eventTypes: e.eventTypes });
    }
    const ledger = new Ledger(org.id, endpoints, this.receiver);
    this.apiKey = org.apiKey;
    await sleep(2000); // the change feed tells the fan-out about the new endpoints
    const load = new SteadyLoad(this.producer, ledger, OPTIONS.rate, EVENT_TYPES, log).start();
    this.load = load;
    return { ledger, load };
  }

  /**
   * Waits (at most `limitMs`) for recovery after a fault that ended at `end`: every service ready,
   * and every event scheduled before `end` delivered to all its endpoints.
   */
  async recovery(ledger: Ledger, load: SteadyLoad, end: number, limitMs: number): Promise<Pick<Episode, 'drainedMs' | 'flowingMs' | 'readyMs'>> {
    const until = Math.min(end + limitMs, this.deadline - 60_000);
    let readyMs: number | null = null;
    let drainedMs: number | null = null;
    let lastLog = Date.now();
    while (Date.now() < until && (readyMs === null || drainedMs === null)) {
      if (readyMs === null && (await this.allReady())) readyMs = Date.now() - end;
      if (drainedMs === null && load.settledUpTo >= end && ledger.outstandingUpTo(end) === 0) drainedMs = Date.now() - end;
      if (Date.now() - lastLog > 5000) {
        lastLog = Date.now();
        log(`  waiting: ${ledger.outstandingUpTo(end)} deliveries from before the fault outstanding, services ${readyMs === null ? 'not all ready' : 'ready'}`);
      }
      await sleep(100);
    }
    const first = ledger.firstArrivalOfEventsAfter(end);
    return { readyMs, drainedMs, flowingMs: first === null ? null : first - end };
  }

  /** Stops the load, waits for the rest to arrive, and counts. */
  async endPhase(ledger: Ledger, load: SteadyLoad): Promise<LedgerTally> {
    await sleep(3000);
    await load.stop();
    this.load = null;
    const stallMs = Math.max(5_000, Math.min(60_000, this.remaining() - 45_000));
    await drain(() => ledger.delivered(), ledger.expectedCount, stallMs);
    await sleep(2000); // late duplicates still count
    return ledger.tally();
  }

  async stop(): Promise<void> {
    if (this.watchdog) clearInterval(this.watchdog);
    await this.load?.stop();
    await this.producer?.disconnect().catch(() => undefined);
    await this.pipeline?.stop().catch(() => undefined);
    await this.receiver?.stop().catch(() => undefined);
  }
}

function baseChecks(tally: LedgerTally, exits: string[]): Check[] {
  return [
    { what: 'nothing lost', ok: tally.lost === 0, detail: `${tally.lost} of ${tally.expected} expected deliveries never arrived` },
    { what: 'nothing delivered that was not published', ok: tally.unexpected === 0, detail: `${tally.unexpected} unexpected webhook-ids` },
    { what: 'no service died unasked', ok: exits.length === 0, detail: exits.join('; ') || 'none' },
  ];
}

async function killPhase(chaos: Chaos, phase: PhaseName, target: 'subscriptions' | 'fanout' | 'delivery'): Promise<PhaseResult> {
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

async function brokerPhase(chaos: Chaos): Promise<PhaseResult> {
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
async function rebalanceStormPhase(chaos: Chaos): Promise<PhaseResult> {
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

/** Admin API calls made every second while the database is down. */
function probeRoutes(chaos: Chaos): Array<{ route: string; run: () => Promise<Response> }> {
  const api = chaos.pipeline.apiUrl;
  const auth = { authorization: `Bearer ${chaos.apiKey}` };
  const timeout = () => AbortSignal.timeout(10_000);
  return [
    { route: 'GET /v1/endpoints', run: () => fetch(`${api}/v1/endpoints`, { headers: auth, signal: timeout() }) },
    {
      route: 'POST /v1/endpoints',
      run: () =>
        fetch(`${api}/v1/endpoints`, {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json' },
          body: JSON.stringify({ url: chaos.receiver.url('/database/probe'), mode: 'test', eventTypes: ['order.new'] }),
          signal: timeout(),
        }),
    },
    { route: 'GET /v1/events', run: () => fetch(`${api}/v1/events`, { headers: auth, signal: timeout() }) },
    { route: 'GET /health/ready', run: () => fetch(`${api}/health/ready`, { signal: timeout() }) },
  ];
}

const emptyCounts = (): Record<string, number> => ({});

async function databasePhase(chaos: Chaos): Promise<PhaseResult> {
  const t0 = Date.now();
  const { ledger, load } = await chaos.beginPhase('database');
  const episodes: Episode[] = [];
  const routes = probeRoutes(chaos);
  const probes = new Map(routes.map((r) => [r.route, { route: r.route, statuses: emptyCounts(), retryAfterOnEvery503: true, maxMs: 0 }]));
  for (let n = 1; n <= OPTIONS.dbOutages; n++) {
    const before = await chaos.nextOutage(OPTIONS.dbDownMs + 120_000, 'database outages');
    if (!before) break;
    const { at } = before;
    log(`database: stopping PostgreSQL (${n}/${OPTIONS.dbOutages}) for ${OPTIONS.dbDownMs / 1000} s, probing the admin API`);
    await infra.stopOne('postgres');
    const upAt = at + OPTIONS.dbDownMs;
    while (Date.now() < upAt - 1000) {
      const round = Date.now();
      await Promise.all(
        routes.map(async (r) => {
          const p = probes.get(r.route)!;
          const t = Date.now();
          let status: string;
          try {
            const res = await r.run();
            await res.text();
            status = String(res.status);
            if (res.status === 503 && r.route !== 'GET /health/ready' && !res.headers.get('retry-after')) p.retryAfterOnEvery503 = false;
          } catch (err) {
            status = (err as Error).name === 'TimeoutError' ? 'no answer in 10 s' : `error: ${(err as Error).message}`;
          }
          p.statuses[status] = (p.statuses[status] ?? 0) + 1;
          p.maxMs = Math.max(p.maxMs, Date.now() - t);
        }),
      );
      await sleep(Math.max(0, 1000 - (Date.now() - round)));
    }
    await sleep(Math.max(0, upAt - Date.now()));
    log('database: starting PostgreSQL');
    await infra.startOne('postgres');
    const end = Date.now();
    const recovery = await chaos.recovery(ledger, load, end, 120_000);
    const samePids = chaos.sameProcesses(before.pids);
    episodes.push({ n, at: new Date(at).toISOString(), faultMs: end - at, ...recovery, note: samePids ? undefined : 'a service was restarted' });
    log(`  recovered: ready after ${secs(recovery.readyMs)}, flowing after ${secs(recovery.flowingMs)}, backlog drained after ${secs(recovery.drainedMs)}`);
  }
  const tally = await chaos.endPhase(ledger, load);
  const exits = chaos.takeExits();
  const summaries = [...probes.values()];
  const apiSummaries = summaries.filter((p) => p.route !== 'GET /health/ready');
  const only503 = (p: ProbeSummary) => Object.keys(p.statuses).length > 0 && Object.keys(p.statuses).every((s) => s === '503');
  const checks = [
    ...baseChecks(tally, exits),
    {
      what: 'admin API answered 503 with Retry-After (no 500, no hang) while the database was down',
      ok: apiSummaries.every((p) => only503(p) && p.retryAfterOnEvery503),
      detail: apiSummaries.map((p) => `${p.route}: ${JSON.stringify(p.statuses)}, max ${p.maxMs} ms`).join('; '),
    },
    { what: '/health/ready reported not ready while the database was down', ok: only503(probes.get('GET /health/ready')!), detail: JSON.stringify(probes.get('GET /health/ready')!.statuses) },
    {
      what: 'services recovered without restarts, backlog drained',
      ok: episodes.length > 0 && episodes.every((e) => !e.note && e.drainedMs !== null && e.readyMs !== null),
      detail: episodes.map((e) => `ready ${secs(e.readyMs)}, drained ${secs(e.drainedMs)}${e.note ? `, ${e.note}` : ''}`).join('; '),
    },
  ];
  return { ...result('database', `PostgreSQL stopped for ${OPTIONS.dbDownMs / 1000} s under load`, t0, episodes, tally, exits, checks), probes: summaries };
}

function result(phase: PhaseName, fault: string, t0: number, episodes: Episode[], tally: LedgerTally, exits: string[], checks: Check[]): PhaseResult {
  const ok = checks.every((c) => c.ok);
  log(`${phase}: ${ok ? 'held' : 'BROKEN'} — published ${tally.eventsPublished} events, ${tally.delivered}/${tally.expected} deliveries, ${tally.duplicated} duplicates, ${tally.lost} lost`);
  for (const c of checks) if (!c.ok) log(`  FAILED: ${c.what}: ${c.detail}`);
  return { phase, fault, tried: episodes.length, seconds: Math.round((Date.now() - t0) / 1000), episodes, tally, unplannedExits: exits, checks, ok };
}

export const secs = (ms: number | null) => (ms === null ? 'never' : `${(ms / 1000).toFixed(1)} s`);

function selectedPhases(args: string[]): PhaseName[] {
  if (args.length === 0) return PHASES;
  const chosen = new Set<PhaseName>();
  for (const a of args) {
    if (a === 'kills') for (const p of PHASES.filter((x) => x.startsWith('kill-'))) chosen.add(p);
    else if ((PHASES as string[]).includes(a)) chosen.add(a as PhaseName);
    else throw new Error(`unknown phase ${a}; choose from kills, ${PHASES.join(', ')}`);
  }
  return PHASES.filter((p) => chosen.has(p));
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
    Object.assign(process.env, await infra.up());
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
    }
  } catch (err) {
    aborted = `failed: ${(err as Error).stack}`;
    log(aborted);
    await restoreInfra();
  } finally {
    clearTimeout(hardStop);
    await chaos.stop();
  }
  const ok = report(chaos, results, phases, aborted);
  process.exit(ok ? 0 : 1);
}

function report(chaos: Chaos, results: PhaseResult[], phases: PhaseName[], aborted: string | null): boolean {
  const ok = !aborted && results.length === phases.length && results.every((r) => r.ok);
  const machine = { cores: cpus().length, cpu: cpus()[0]?.model, memoryGb: Math.round(totalmem() / 2 ** 30), loadAverage: loadavg().map((l) => Math.round(l * 10) / 10), node: process.version };
  const doc = { date: new Date().toISOString(), seconds: Math.round((Date.now() - chaos.startedAt) / 1000), ok, aborted, machine, options: OPTIONS, phases: results };
  const dir = path.join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'latest.json'), JSON.stringify(doc, null, 2) + '\n');
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
