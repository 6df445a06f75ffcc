import { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from 'pino';

export interface BroadcastReaderOptions {
  /** For the logs: "listen requests", "endpoint change feed". */
  name: string;
  topic: string;
  instanceId: string;
  logger: Logger;
}

export interface BroadcastHooks {
  /**
   * The reader (re)started reading at the topic's end: called after every join, so whatever was
   * published before that point (while no reader ran) was not seen.
   */
  onLive?(): void;
  /** The reader is not reading (it crashed); messages are missed until the next `onLive`. */
  onDown?(): void;
}

const RECREATE_DELAY_MS = 2_000;

/**
 * The group has this one member, so a heartbeat only keeps the session: kafkajs' own 1:3 ratio to the timeout,
 * not one a second (a request every reader, every second, at idle; decision 0032).
 */
const HEARTBEAT_INTERVAL_MS = 3_000;

/**
 * How long a fetch waits at the broker for a message. The broker answers a waiting fetch as soon as one arrives
 * (these topics are written outside transactions), so the wait costs no latency, only sets how often a quiet
 * reader asks: once live, a heartbeat interval, since kafkajs heartbeats between fetches. The first fetch after
 * joining, whose end makes the reader live, keeps 1 s: services wait for "live" at start-up, and a shorter one
 * moved the fan-out's first topic discovery ahead of topics being created (decision 0034).
 */
const FIRST_FETCH_WAIT_MS = 1_000;

/**
 * Reads every message of a topic on every instance: a consumer group of its own per process, from the
 * latest offset, committing nothing (what was published while no reader ran was for a process that is
 * gone, or is caught up another way). Used for cache invalidation and for request/answer traffic that
 * only one instance of many can act on.
 */
export class BroadcastReader {
  private consumer: Consumer | null = null;
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: BroadcastReaderOptions,
  ) {}

  /**
   * Resolves true once the reader reads (its "latest" offsets resolved after joining), so nothing
   * published after this call is missed; or false after `liveTimeoutMs`, with a warning, so a slow
   * broker delays what depends on the topic, not the service's start.
   */
  async start(onMessage: (message: KafkaMessage) => void, hooks: BroadcastHooks = {}, liveTimeoutMs = 20_000): Promise<boolean> {
    this.stopped = false;
    let resolveLive: () => void = () => undefined;
    const live = new Promise<void>((resolve) => (resolveLive = resolve));
    await this.create(onMessage, {
      onLive: () => {
        hooks.onLive?.();
        resolveLive();
      },
      onDown: () => hooks.onDown?.(),
    });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), liveTimeoutMs)));
    const late = await Promise.race([live.then(() => false), timedOut]);
    clearTimeout(timer);
    if (late) this.options.logger.warn({ topic: this.options.topic, liveTimeoutMs }, `${this.options.name} not reading yet`);
    return !late;
  }

  private async create(onMessage: (message: KafkaMessage) => void, hooks: Required<BroadcastHooks>): Promise<void> {
    const { kafka, options } = this;
    // Set at a join until the first fetch after it ends; kafkajs fetches only once joined.
    let joined = false;
    const consumer = kafka.consumer({
      groupId: `webhooks-${options.topic}-${options.instanceId}-${Date.now()}`,
      sessionTimeout: 10_000,
      heartbeatInterval: HEARTBEAT_INTERVAL_MS,
      // Read before every fetch (kafkajs patched, decision 0027).
      maxWaitTimeInMs: () => (joined ? FIRST_FETCH_WAIT_MS : HEARTBEAT_INTERVAL_MS),
    });
    // kafkajs resolves "latest" inside the first fetch after a join: a FETCH event after GROUP_JOIN
    // means every message from here on will be read.
    consumer.on(consumer.events.GROUP_JOIN, () => (joined = true));
    consumer.on(consumer.events.FETCH, () => {
      if (!joined) return;
      joined = false;
      hooks.onLive();
    });
    consumer.on(consumer.events.CRASH, (e) => {
      hooks.onDown();
      if (e.payload.restart) return;
      // kafkajs gave up on this consumer; without a new one nothing would be read again.
      options.logger.error({ err: e.payload.error }, `${options.name} stopped; recreating it`);
      this.recreateSoon(consumer, onMessage, hooks);
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topic: options.topic, fromBeginning: false });
      await consumer.run({ autoCommit: false, eachMessage: async ({ message }) => onMessage(message) });
    } catch (err) {
      await consumer.disconnect().catch(() => undefined);
      throw err;
    }
    this.consumer = consumer;
  }

  private recreateSoon(old: Consumer, onMessage: (message: KafkaMessage) => void, hooks: Required<BroadcastHooks>): void {
    if (this.stopped || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.stopped || this.consumer !== old) return;
      void old
        .disconnect()
        .catch(() => undefined)
        .then(() => (this.stopped ? undefined : this.create(onMessage, hooks)))
        .catch((err: unknown) => {
          this.options.logger.error({ err }, `could not recreate the ${this.options.name}; trying again`);
          this.recreateSoon(old, onMessage, hooks);
        });
    }, RECREATE_DELAY_MS);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.consumer?.disconnect();
    this.consumer = null;
  }
}
