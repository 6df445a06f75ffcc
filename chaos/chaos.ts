// The drills' process control: the pipeline of built services, the load on it, a watchdog that restarts a
// service dying unasked, killing and restarting on purpose, and waiting for recovery.
import { Kafka, logLevel } from 'kafkajs';
import { EventPublisher } from '@app/producer';
import { ServiceProcess } from '../test/support/service-process';
import { EVENT_TYPES, Pipeline, drain } from '../bench/support/pipeline';
import { BenchReceiver } from '../bench/support/receiver';
import { Ledger, LedgerTally } from './ledger';
import { SteadyLoad } from './load';
import { OPTIONS } from './options';
import { Episode, PhaseName, between, log, sleep } from './results';

const ENDPOINTS = [
  { name: 'all', eventTypes: ['*'] },
  { name: 'orders', eventTypes: ['order.new', 'order.updated'] },
  { name: 'customers', eventTypes: ['customer.created', 'customer.updated'] },
  { name: 'product-created', eventTypes: ['product.created'] },
];

export class Chaos {
  readonly deadline: number;
  pipeline: Pipeline;
  receiver: BenchReceiver;
  producer: EventPublisher;
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
    this.producer = new EventPublisher({ kafka });
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
