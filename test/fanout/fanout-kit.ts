import { randomUUID } from 'node:crypto';
import { Consumer, IHeaders, Producer } from 'kafkajs';
import { decodeDeliveryMessage, DeliveryMessage, deliveryIdFor, SEED_EVENT_TYPES, Topics, OPERATIONAL_EVENT_CATALOG } from '@app/contracts';
import { eventually, resetWorld, startStack, testKafka, testProducer } from '../support/stack';
import { createEndpoint, createOrg, Org } from '../subscriptions/admin-api';
import { domainEvent } from '../history/history-support';

// Helpers of the fan-out suites: read a topic the way the delivery service does (read committed),
// know when the fan-out has finished, publish raw domain records (the built fan-out runs as a process through ServiceProcess).

/** The seeded event-type catalog: the domain topics every fan-out consumes by default. */
// The operational types (SPEC §9) are catalog entries too, so the fan-out consumes their topics.
export const CATALOG_TOPICS = [...SEED_EVENT_TYPES, ...OPERATIONAL_EVENT_CATALOG].map((t) => t.name);
/** The catalog's domain topics, which a `*` endpoint receives (the operational ones it does not). */
export const DOMAIN_TOPICS = SEED_EVENT_TYPES.map((t) => t.name);
/** Header of the marker records `TopicReader.sync` writes; never produced by the project itself. */
const MARKER_HEADER = 'x-test-marker';

export interface ReadRecord {
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
  partition: number;
  offset: string;
}

/**
 * Everything committed to one topic, from the beginning, as a read-committed consumer sees it.
 * `sync()` proves the reader has seen every record committed so far, so a test can assert that
 * nothing beyond the expected records exists (an extra duplicate would be caught).
 */
export class TopicReader {
  readonly records: ReadRecord[] = [];
  private readonly markers = new Set<string>();

  private constructor(
    readonly topic: string,
    private readonly consumer: Consumer,
  ) {}

  /** `readUncommitted` also returns records of open and aborted transactions, as no real reader should. */
  static async start(topic: string, options: { readUncommitted?: boolean } = {}): Promise<TopicReader> {
    const consumer = testKafka().consumer({ groupId: `test-reader-${randomUUID()}`, readUncommitted: options.readUncommitted ?? false, maxWaitTimeInMs: 100 });
    const reader = new TopicReader(topic, consumer);
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        const headers = stringHeaders(message.headers);
        if (headers[MARKER_HEADER]) reader.markers.add(headers[MARKER_HEADER]);
        else reader.records.push({ key: message.key?.toString() ?? null, value: message.value, headers, partition, offset: message.offset });
      },
    });
    return reader;
  }

  deliveries(): Array<DeliveryMessage & { key: string | null; partition: number }> {
    return this.records.map((r) => ({ ...decodeDeliveryMessage(r.value), key: r.key, partition: r.partition }));
  }

  async waitForCount(count: number, timeoutMs = 30_000): Promise<ReadRecord[]> {
    return eventually(async () => (this.records.length >= count ? this.records : undefined), timeoutMs, `${count} records on ${this.topic} (have ${this.records.length})`);
  }

  /**
   * Writes a marker to every partition and waits until all are read. A read-committed consumer
   * returns a partition's records in order and stops at the first open transaction, so once a
   * marker is seen, everything committed before it in that partition has been read.
   */
  async sync(timeoutMs = 30_000): Promise<void> {
    const admin = testKafka().admin();
    await admin.connect();
    const producer = testKafka().producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
      const partitions = (await admin.fetchTopicOffsets(this.topic)).map((p) => p.partition);
      const ids = partitions.map((partition) => ({ partition, id: randomUUID() }));
      await producer.send({ topic: this.topic, messages: ids.map(({ partition, id }) => ({ partition, value: 'marker', headers: { [MARKER_HEADER]: id } })) });
      await eventually(async () => (ids.every(({ id }) => this.markers.has(id)) ? true : undefined), timeoutMs, `markers on every partition of ${this.topic}`);
    } finally {
      await producer.disconnect();
      await admin.disconnect();
    }
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }
}

/** A clean world with the subscriptions API and one in-process fan-out, and readers of what it writes. */
export interface FanoutWorld {
  apiUrl: string;
  fanoutUrl: string;
  producer: Producer;
  deliveries: TopicReader;
  quarantine: TopicReader;
  stop(): Promise<void>;
}

export async function startFanoutWorld(env: NodeJS.ProcessEnv): Promise<FanoutWorld> {
  await resetWorld();
  const stack = await startStack(env, ['subscriptions', 'fanout']);
  const producer = await testProducer();
  const [deliveries, quarantine] = await Promise.all([TopicReader.start(Topics.deliveries), TopicReader.start(Topics.quarantine)]);
  return {
    apiUrl: stack.apiUrl,
    fanoutUrl: (await stack.apps[1].getUrl()).replace('[::1]', '127.0.0.1'),
    producer,
    deliveries,
    quarantine,
    stop: async () => {
      await Promise.all([deliveries.stop(), quarantine.stop(), producer.disconnect()]);
      await stack.stop();
    },
  };
}

/** Waits until the group has committed every record of `topics` (lag 0 on every partition). */
export async function waitForGroupCaughtUp(groupId: string, topics: string[], timeoutMs = 60_000): Promise<void> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    await eventually(
      async () => {
        for (const topic of topics) {
          const ends = await admin.fetchTopicOffsets(topic);
          const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
          for (const end of ends) {
            const done = committed.partitions.find((p) => p.partition === end.partition)?.offset ?? '-1';
            if (end.high !== '0' && done !== end.high) return undefined;
          }
        }
        return true;
      },
      timeoutMs,
      `group ${groupId} to commit everything on ${topics.join(', ')}`,
    );
  } finally {
    await admin.disconnect();
  }
}

/** The group's committed offsets on order.new, summed over its partitions. */
export async function groupOffsetSum(groupId: string): Promise<number> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    const [topic] = await admin.fetchOffsets({ groupId, topics: ['order.new'] });
    return (topic?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
  } finally {
    await admin.disconnect();
  }
}

/** The fan-out has read every domain record, and `reader` has seen everything it committed. */
export async function settle(reader: TopicReader, groupId: string, domainTopics: string[]): Promise<void> {
  await waitForGroupCaughtUp(groupId, domainTopics);
  await reader.sync();
}

/** Publishes one raw value (or any bytes) and returns where it landed. */
export async function publish(producer: Producer, topic: string, key: string, value: string | Buffer | null): Promise<{ partition: number; offset: string }> {
  const [meta] = await producer.send({ topic, acks: -1, messages: [{ key, value }] });
  return { partition: meta.partition, offset: meta.baseOffset ?? meta.offset ?? '' };
}

/** One sample of a Prometheus metric from a service's /metrics (0 when the series does not exist yet). */
export async function metricValue(baseUrl: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const [series, value] = line.split(' ');
    const seriesName = series.split('{')[0];
    if (seriesName === name && wanted.every((w) => series.includes(w))) return Number(value);
  }
  return 0;
}

export { freePort } from '../support/service-process';

function stringHeaders(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.map(String).join(',') : String(value);
  }
  return out;
}

/** Polls a synchronous condition every few milliseconds: a transaction stays open for well under a second. */
export async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Four organizations, each with a `*` and an `order.new` live endpoint: the world of the burst tests. */
export async function burstOrganizations(apiUrl: string): Promise<{ orgs: Org[]; endpointsByOrg: Map<string, string[]> }> {
  const orgs: Org[] = [];
  const endpointsByOrg = new Map<string, string[]>();
  for (const name of ['Acme', 'Globex', 'Initech', 'Umbrella']) {
    const org = await createOrg(apiUrl, name);
    orgs.push(org);
    const endpoints = [];
    for (const eventTypes of [['*'], ['order.new']]) endpoints.push((await createEndpoint(apiUrl, org, { mode: 'live', eventTypes })).id);
    endpointsByOrg.set(org.id, endpoints);
  }
  return { orgs, endpointsByOrg };
}

/** Events `${prefix}${i}` for i in [from, to), round-robin over the organizations, padded, in chunks of 500. */
export async function publishBurst(producer: Producer, orgs: Org[], prefix: string, from: number, to: number, padding: string): Promise<void> {
  // Requests well under the broker's 1 MB message limit even when every record lands in one partition
  // (order.new may have been created with a single partition by an earlier test).
  const perRequest = Math.max(1, Math.min(500, Math.floor(600_000 / (padding.length + 400))));
  for (let start = from; start < to; start += perRequest) {
    const messages = [];
    for (let i = start; i < Math.min(start + perRequest, to); i++) {
      const org = orgs[i % orgs.length];
      messages.push({ key: org.id, value: JSON.stringify(domainEvent(org.id, 'order.new', 'live', `${prefix}${i}`, { i, padding })) });
    }
    await producer.send({ topic: 'order.new', acks: -1, messages });
  }
}

/** The delivery id of every (event, endpoint) pair of a burst. */
export function burstDeliveryIds(orgs: Org[], endpointsByOrg: Map<string, string[]>, prefix: string, events: number): Set<string> {
  const expected = new Set<string>();
  for (let i = 0; i < events; i++) {
    const org = orgs[i % orgs.length];
    for (const endpointId of endpointsByOrg.get(org.id) ?? []) expected.add(deliveryIdFor(org.id, `${prefix}${i}`, endpointId));
  }
  return expected;
}
