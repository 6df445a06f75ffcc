import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { SEED_EVENT_TYPES } from '@app/contracts';
import { EventPublisher, PublishEventInput } from '@app/producer';
import { api, resetWorld } from '../../test/support/stack';
import { ServiceProcess } from '../../test/support/service-process';

export const ADMIN_TOKEN = 'bench-platform-admin-token-0123456789';

export interface PipelineOptions {
  deliveryInstances: number;
  /** Fan-out instances (default 1); they share one consumer group, as production scales them. */
  fanoutInstances?: number;
  /** Extra environment for every service (e.g. DELIVERY_TIMEOUT_MS). */
  env?: Record<string, string>;
  /**
   * First of the HTTP ports the services listen on (subscriptions, fan-out instances from base + 1,
   * then delivery instances from base + 10); another stack on the same machine picks another base.
   */
  portBase?: number;
}

/**
 * The whole pipeline as production runs it: subscriptions, fan-out and N delivery instances as
 * separate processes from `dist/`, on a freshly emptied Kafka and database.
 */
export class Pipeline {
  readonly services: ServiceProcess[] = [];
  apiUrl = '';
  /** Publishes like a Sourcehub service, through the producer library. */
  producer: EventPublisher;
  private env: NodeJS.ProcessEnv = {};
  private base = 0;
  private run = '';

  constructor(private readonly options: PipelineOptions) {}

  async start(): Promise<this> {
    await resetWorld();
    const run = randomUUID().slice(0, 8);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PLATFORM_ADMIN_TOKEN: ADMIN_TOKEN,
      WEBHOOK_ALLOWED_PRIVATE_NETWORKS: '127.0.0.0/8',
      WEBHOOK_ALLOW_HTTP_IN_LIVE: 'true',
      // BENCH_LOG_LEVEL=info shows rebalances and restarts in .infra/logs/<service>-<port>.log.
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
      FANOUT_GROUP_ID: `bench-fanout-${run}`,
      DELIVERY_GROUP_ID: `bench-delivery-${run}`,
      ...this.options.env,
    };
    const base = this.options.portBase ?? Number(process.env.BENCH_PORT_BASE ?? 3100);
    const subscriptions = await new ServiceProcess('subscriptions', base, { ...env, INSTANCE_ID: `bench-subs-${run}` }).start();
    this.services.push(subscriptions);
    this.apiUrl = subscriptions.url;
    this.env = env;
    this.base = base;
    this.run = run;
    const others: ServiceProcess[] = [];
    for (let i = 0; i < (this.options.fanoutInstances ?? 1); i++) others.push(this.fanoutProcess());
    for (let i = 0; i < this.options.deliveryInstances; i++) others.push(this.deliveryProcess());
    this.services.push(...others);
    const started = await Promise.allSettled(others.map((s) => s.start()));
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      await this.stop();
      throw failed.reason;
    }
    this.producer = new EventPublisher({ brokers: String(process.env.KAFKA_BROKERS).split(','), clientId: 'bench' });
    await this.producer.connect();
    return this;
  }

  async organization(): Promise<{ id: string; apiKey: string }> {
    const res = await api<{ id: string; apiKey: string }>(this.apiUrl, 'POST', '/v1/organizations', { token: ADMIN_TOKEN, body: { name: 'bench' } });
    if (res.status !== 201) throw new Error(`creating the organization answered ${res.status}`);
    return res.body;
  }

  async endpoint(apiKey: string, url: string, eventTypes: string[], fields: Record<string, unknown> = {}): Promise<string> {
    const res = await api<{ id: string }>(this.apiUrl, 'POST', '/v1/endpoints', { token: apiKey, body: { url, mode: 'live', eventTypes, ...fields } });
    if (res.status !== 201) throw new Error(`creating an endpoint answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body.id;
  }

  /** Every delivery process ever made gets its own port and id: one taken out (chaos) does not free its number for a live one. */
  private deliveryCount = 0;
  private fanoutCount = 0;

  private fanoutProcess(): ServiceProcess {
    const i = this.fanoutCount++;
    if (i >= 9) throw new Error('at most 9 fan-out instances: delivery instances listen from base + 10 on');
    return new ServiceProcess('fanout', this.base + 1 + i, { ...this.env, INSTANCE_ID: `bench-fanout-${this.run}${i === 0 ? '' : `-${i}`}` });
  }

  private deliveryProcess(): ServiceProcess {
    const i = this.deliveryCount++;
    return new ServiceProcess('delivery', this.base + 10 + i, { ...this.env, INSTANCE_ID: `bench-delivery-${this.run}-${i}` });
  }

  /** Starts one more delivery instance (it joins the group and takes its share of the partitions). */
  async addDeliveryInstance(): Promise<ServiceProcess> {
    const service = this.deliveryProcess();
    this.services.push(service);
    await service.start();
    return service;
  }

  /** Waits until the fan-out instances have committed `expected` delivery messages; returns how many they did. */
  async waitForBacklog(expected: number, progress?: (n: number) => void): Promise<number> {
    const deadline = Date.now() + 300_000;
    for (;;) {
      const n = await this.fanoutMessages();
      progress?.(n);
      if (n >= expected) return n;
      if (Date.now() > deadline) throw new Error(`the fan-out produced ${n} of ${expected} delivery messages in 5 minutes`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  /** Delivery messages the running fan-out instances produced (each counts from its own start). */
  async fanoutMessages(): Promise<number> {
    const counts = await Promise.all(this.fanoutServices().map((s) => s.metric('webhooks_fanout_delivery_messages_total')));
    return counts.reduce((a, b) => a + b, 0);
  }

  /** Waits until the fan-out consumer group is Stable with `members` members, so work starts spread over all of them. */
  async waitForFanoutGroup(members: number, timeoutMs = 60_000): Promise<void> {
    const groupId = String(this.env.FANOUT_GROUP_ID);
    const admin = new Kafka({ clientId: 'bench-admin', brokers: String(process.env.KAFKA_BROKERS).split(','), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const { groups } = await admin.describeGroups([groupId]);
        const group = groups[0];
        if (group?.state === 'Stable' && group.members.length === members && group.members.every((m) => m.memberAssignment.length > 0)) return;
        if (Date.now() > deadline) throw new Error(`fan-out group ${groupId} not Stable with ${members} members within ${timeoutMs} ms (state ${group?.state}, ${group?.members.length} members)`);
        await new Promise((r) => setTimeout(r, 250));
      }
    } finally {
      await admin.disconnect();
    }
  }

  fanoutServices(): ServiceProcess[] {
    return this.services.filter((s) => s.name === 'fanout');
  }

  deliveryServices(): ServiceProcess[] {
    return this.services.filter((s) => s.name === 'delivery');
  }

  async stop(): Promise<void> {
    await this.producer?.disconnect();
    await Promise.all(this.services.map((s) => s.stop()));
  }
}

export const EVENT_TYPES = SEED_EVENT_TYPES.map((t) => t.name);

export function eventInput(organizationId: string, type: string, occurredAt: number, published: string[] = []): PublishEventInput & { id: string } {
  const id = `evt_${randomUUID()}`;
  published.push(id);
  return { id, type, organizationId, mode: 'live', occurredAt: new Date(occurredAt).toISOString(), data: { orderId: id, total: 12.5 } };
}

/** As fast as the producer goes, in batches; `types` rotate so events spread over topics. Returns the event ids. */
export async function publishClosedLoop(publisher: EventPublisher, organizationId: string, count: number, types: readonly string[]): Promise<string[]> {
  const published: string[] = [];
  const batchSize = 500;
  for (let sent = 0; sent < count; sent += batchSize) {
    const now = Date.now();
    const batch: PublishEventInput[] = [];
    for (let i = sent; i < Math.min(count, sent + batchSize); i++) batch.push(eventInput(organizationId, types[i % types.length], now, published));
    await publisher.publishEvents(batch);
  }
  return published;
}

/**
 * Open loop: event i is due at t0 + i/rate and carries that scheduled time as `occurredAt`, so a
 * stalled pipeline shows up as latency instead of quietly lowering the offered load. The generator
 * sleeps until the next event is due (not a fixed tick), so it is published when it occurs, as a
 * service publishing its events one by one would; events due together go in one send.
 */
export async function publishOpenLoop(publisher: EventPublisher, organizationId: string, rate: number, seconds: number, types: readonly string[]): Promise<string[]> {
  const published: string[] = [];
  const total = Math.round(rate * seconds);
  const t0 = Date.now() + 100;
  let next = 0;
  while (next < total) {
    const now = Date.now();
    const due = Math.min(total, Math.floor(((now - t0) * rate) / 1000) + 1);
    const batch: PublishEventInput[] = [];
    for (; next < due; next++) batch.push(eventInput(organizationId, types[next % types.length], t0 + (next * 1000) / rate, published));
    if (batch.length > 0) await publisher.publishEvents(batch);
    const nextDue = t0 + (next * 1000) / rate;
    await new Promise((r) => setTimeout(r, Math.max(0, nextDue - Date.now())));
  }
  return published;
}

/** Waits until `received()` reaches `expected` or stops growing for `stallMs`; returns the shortfall. */
export async function drain(received: () => number, expected: number, stallMs = 30_000, progress?: (n: number) => void): Promise<number> {
  let last = -1;
  let lastChange = Date.now();
  while (received() < expected) {
    const n = received();
    if (n !== last) {
      last = n;
      lastChange = Date.now();
      progress?.(n);
    } else if (Date.now() - lastChange > stallMs) {
      return expected - n;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return 0;
}
