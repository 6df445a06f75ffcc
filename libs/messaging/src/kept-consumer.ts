import { Consumer } from 'kafkajs';
import type { Logger } from 'pino';

export interface KeptConsumerOptions {
  /** For the logs: "delivery consumer", "retry-tier consumer". */
  name: string;
  logger: Logger;
  /** Builds a consumer (not connected) with the caller's own listeners attached. */
  create: () => Consumer;
  /** Subscribes and runs it. */
  run: (consumer: Consumer) => Promise<void>;
  /** Every crash, restarted or not: the consumer reads nothing until it has joined its group again. */
  onCrash?: () => void;
  retryDelayMs?: number;
}

/**
 * A kafkajs consumer that is replaced when kafkajs gives up on it.
 *
 * kafkajs restarts a crashed consumer only after a retriable error. After others it leaves the
 * consumer stopped for good while the process lives on reading nothing — seen when a restarted
 * broker was still loading its group coordinators ("Failed to find group coordinator", non-retriable).
 * Then this disconnects it and starts a new one, again every `retryDelayMs` until that works.
 */
export class KeptConsumer {
  private consumer: Consumer | null = null;
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;
  /** Consumers started in place of one kafkajs gave up on. */
  replacements = 0;

  constructor(private readonly options: KeptConsumerOptions) {}

  /** Starts the first consumer; a failure is thrown (the service does not start). */
  async start(): Promise<void> {
    this.stopped = false;
    await this.startOne();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const consumer = this.consumer;
    this.consumer = null;
    await consumer?.disconnect();
  }

  private async startOne(): Promise<void> {
    const { name, logger } = this.options;
    const consumer = this.options.create();
    this.consumer = consumer;
    consumer.on(consumer.events.CRASH, (e) => {
      this.options.onCrash?.();
      if (e.payload.restart) {
        logger.warn({ err: e.payload.error }, `${name} crashed; kafkajs restarts it`);
      } else if (this.consumer === consumer && !this.stopped) {
        logger.error({ err: e.payload.error }, `${name} stopped and kafkajs will not restart it; replacing it`);
        this.replaceSoon(consumer);
      }
    });
    try {
      await consumer.connect();
      await this.options.run(consumer);
    } catch (err) {
      if (this.consumer === consumer) this.consumer = null;
      await consumer.disconnect().catch(() => undefined);
      throw err;
    }
  }

  private replaceSoon(old: Consumer): void {
    if (this.timer || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void old
        .disconnect()
        .catch(() => undefined)
        .then(async () => {
          if (this.stopped) return;
          await this.startOne();
          this.replacements++;
          this.options.logger.info(`${this.options.name} replaced`);
        })
        .catch((err: unknown) => {
          this.options.logger.error({ err }, `could not replace the ${this.options.name}; trying again`);
          this.replaceSoon(old);
        });
    }, this.options.retryDelayMs ?? 1_000);
  }
}
