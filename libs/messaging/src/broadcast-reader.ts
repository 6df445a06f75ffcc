import { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from 'pino';

export interface BroadcastReaderOptions {
  /** For the logs and the group name: "listen requests". */
  name: string;
  topic: string;
  instanceId: string;
  logger: Logger;
}

const RECREATE_DELAY_MS = 2_000;

/**
 * Reads every message of a topic on every instance: a consumer group of its own per process, from the
 * latest offset, committing nothing (what was published while no reader ran was for a process that is
 * gone). Used for request/answer traffic that only one instance of many can act on.
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
   * Resolves once the reader reads (its "latest" offsets resolved after joining), so nothing published
   * after this call is missed; or after `liveTimeoutMs` with a warning, so a slow broker delays the
   * relay, not the service's start.
   */
  async start(onMessage: (message: KafkaMessage) => void, liveTimeoutMs = 20_000): Promise<void> {
    this.stopped = false;
    let resolveLive: () => void = () => undefined;
    const live = new Promise<void>((resolve) => (resolveLive = resolve));
    await this.create(onMessage, resolveLive);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), liveTimeoutMs)));
    if (await Promise.race([live.then(() => false), timedOut])) {
      this.options.logger.warn({ topic: this.options.topic, liveTimeoutMs }, `${this.options.name} reader not reading yet`);
    }
    clearTimeout(timer);
  }

  private async create(onMessage: (message: KafkaMessage) => void, onLive: () => void): Promise<void> {
    const { kafka, options } = this;
    const consumer = kafka.consumer({
      groupId: `webhooks-${options.topic}-${options.instanceId}-${Date.now()}`,
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      // A relayed delivery waits on this hop: read as soon as anything arrives.
      maxWaitTimeInMs: 50,
    });
    // kafkajs resolves "latest" inside the first fetch after a join (see EndpointChangeFeed).
    let joined = false;
    consumer.on(consumer.events.GROUP_JOIN, () => (joined = true));
    consumer.on(consumer.events.FETCH, () => {
      if (!joined) return;
      joined = false;
      onLive();
    });
    consumer.on(consumer.events.CRASH, (e) => {
      if (e.payload.restart) return;
      options.logger.error({ err: e.payload.error }, `${options.name} reader stopped; recreating it`);
      this.recreateSoon(consumer, onMessage);
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

  private recreateSoon(old: Consumer, onMessage: (message: KafkaMessage) => void): void {
    if (this.stopped || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.stopped || this.consumer !== old) return;
      void old
        .disconnect()
        .catch(() => undefined)
        .then(() => (this.stopped ? undefined : this.create(onMessage, () => undefined)))
        .catch((err: unknown) => {
          this.options.logger.error({ err }, `could not recreate the ${this.options.name} reader; trying again`);
          this.recreateSoon(old, onMessage);
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
