import { Consumer, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { EndpointChange, Topics } from '@app/contracts';

/**
 * What a cache owner does besides per-organization invalidation:
 * - `onResync`: drop everything. Called when the feed (re)starts reading at the topic's end (changes
 *   published before that point were never seen, so anything cached earlier may be stale) and when a
 *   notice cannot be read (we cannot tell which organization it was about).
 * - `onDown`: the feed is not reading; changes are being missed until the next `onResync`, so the
 *   cache should keep entries only briefly.
 */
export interface ChangeFeedLifecycle {
  onResync?(): void;
  onDown?(): void;
}

const RECREATE_DELAY_MS = 2_000;

/**
 * Every instance must see every change, so each one reads the change topic in a group of its own,
 * from the latest offset, committing nothing: a restarted instance starts with an empty cache anyway.
 */
export class EndpointChangeFeed {
  private consumer: Consumer | null = null;
  private stopped = false;
  private recreateTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly kafka: Kafka,
    private readonly instanceId: string,
    private readonly logger: Logger,
  ) {}

  /**
   * Resolves once the feed reads (offsets resolved after joining its group), so a cache filled
   * after this call cannot miss a change; or after `liveTimeoutMs`, with `onDown` called, so a slow
   * broker delays freshness, not the service's start.
   */
  async start(onChange: (change: EndpointChange) => void, lifecycle: ChangeFeedLifecycle = {}, liveTimeoutMs = 20_000): Promise<void> {
    this.stopped = false;
    let resolveLive: () => void = () => undefined;
    const live = new Promise<void>((resolve) => (resolveLive = resolve));
    await this.createConsumer(onChange, {
      onResync: () => {
        lifecycle.onResync?.();
        resolveLive();
      },
      onDown: () => lifecycle.onDown?.(),
    });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), liveTimeoutMs)));
    if (await Promise.race([live.then(() => false), timedOut])) {
      this.logger.warn({ liveTimeoutMs }, 'endpoint change feed not reading yet; caches stay short-lived until it is');
      lifecycle.onDown?.();
    }
    clearTimeout(timer);
  }

  private async createConsumer(onChange: (change: EndpointChange) => void, lifecycle: Required<ChangeFeedLifecycle>): Promise<void> {
    const consumer = this.kafka.consumer({
      groupId: `webhooks-endpoint-changes-${this.instanceId}-${Date.now()}`,
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      maxWaitTimeInMs: 200,
    });
    // kafkajs resolves "latest" inside the first fetch after a join: a FETCH event after GROUP_JOIN
    // means every change from here on will be read. Earlier ones may have been missed: resync.
    let joined = false;
    consumer.on(consumer.events.GROUP_JOIN, () => (joined = true));
    consumer.on(consumer.events.FETCH, () => {
      if (!joined) return;
      joined = false;
      lifecycle.onResync();
    });
    consumer.on(consumer.events.CRASH, (e) => {
      lifecycle.onDown();
      if (e.payload.restart) return;
      // kafkajs gave up on this consumer; without a new one the caches would rely on their TTL forever.
      this.logger.error({ err: e.payload.error }, 'endpoint change feed stopped; recreating it');
      this.scheduleRecreate(consumer, onChange, lifecycle);
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topic: Topics.endpointChanges, fromBeginning: false });
      await consumer.run({
        autoCommit: false,
        eachMessage: async ({ message }) => {
          const change = parseChange(message.value);
          if (change) onChange(change);
          else {
            this.logger.warn({ offset: message.offset }, 'unreadable endpoint change notice; dropping every cached organization');
            lifecycle.onResync();
          }
        },
      });
    } catch (err) {
      await consumer.disconnect().catch(() => undefined);
      throw err;
    }
    this.consumer = consumer;
  }

  private scheduleRecreate(old: Consumer, onChange: (change: EndpointChange) => void, lifecycle: Required<ChangeFeedLifecycle>): void {
    if (this.stopped || this.recreateTimer) return;
    this.recreateTimer = setTimeout(() => {
      this.recreateTimer = null;
      if (this.stopped || this.consumer !== old) return;
      void old
        .disconnect()
        .catch(() => undefined)
        .then(() => (this.stopped ? undefined : this.createConsumer(onChange, lifecycle)))
        .catch((err: unknown) => {
          this.logger.error({ err }, 'could not recreate the endpoint change feed; trying again');
          this.scheduleRecreate(old, onChange, lifecycle);
        });
    }, RECREATE_DELAY_MS);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.recreateTimer) clearTimeout(this.recreateTimer);
    this.recreateTimer = null;
    await this.consumer?.disconnect();
    this.consumer = null;
  }
}

function parseChange(value: Buffer | null): EndpointChange | null {
  if (!value) return null;
  try {
    const parsed = JSON.parse(value.toString('utf8')) as Partial<EndpointChange> | null;
    return parsed && typeof parsed.organizationId === 'string' ? (parsed as EndpointChange) : null;
  } catch {
    return null;
  }
}
