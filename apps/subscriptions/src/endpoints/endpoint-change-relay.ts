import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { SubscriptionsConfig } from '@app/config';
import { APP_LOGGER, EndpointChangePublisher } from '@app/messaging';
import { EndpointChangeOutbox } from '@app/persistence';

/** Notices per Kafka request and per outbox transaction. */
const BATCH = 500;
/** How long an admin call waits for its change notice to reach Kafka before it answers anyway. */
const RELAY_WAIT_MS = 1_000;

/**
 * Relays the endpoint-change outbox to the change topic: right after each change this instance commits
 * (`nudge`), and every OUTBOX_RELAY_INTERVAL_MS for changes whose first relay failed (Kafka away) or
 * that another instance committed and could not relay. A notice leaves the outbox only once Kafka has
 * it; the fan-out and delivery caches reload the organization on each notice, so a notice relayed
 * twice costs one extra reload.
 */
@Injectable()
export class EndpointChangeRelay implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private failing = false;
  private stopped = false;

  constructor(
    private readonly outbox: EndpointChangeOutbox,
    private readonly publisher: EndpointChangePublisher,
    @Inject(SubscriptionsConfig) private readonly config: SubscriptionsConfig,
    @Inject(APP_LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.nudge(), this.config.OUTBOX_RELAY_INTERVAL_MS);
    this.timer.unref();
    this.nudge();
  }

  /** Relays soon; never throws (a failed round is retried at the next tick). */
  nudge(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain().finally(() => {
      this.running = null;
      if (this.again) {
        this.again = false;
        this.nudge();
      }
    });
  }

  /**
   * Relays now and waits for it up to `maxWaitMs`: an admin call answers once the caches have been
   * told, as before the outbox, but never waits long for a broker that is away (the notice stays in
   * the outbox and goes when it is back).
   */
  async relayNow(maxWaitMs = RELAY_WAIT_MS): Promise<void> {
    this.nudge();
    let timer: NodeJS.Timeout | undefined;
    const patience = new Promise<void>((resolve) => (timer = setTimeout(resolve, maxWaitMs)));
    // A round already running may have read the outbox before this change committed: wait for the next too.
    const rounds = (async () => {
      await this.running;
      if (this.again || this.running) await this.running;
    })();
    await Promise.race([rounds, patience]);
    clearTimeout(timer);
  }

  private async drain(): Promise<void> {
    try {
      while (!this.stopped && (await this.outbox.relay(BATCH, (changes) => this.publisher.publishAll(changes))) === BATCH);
      if (this.failing) this.logger.info('endpoint changes are relayed again');
      this.failing = false;
    } catch (err) {
      // Once per outage: the notices wait in the outbox, nothing is lost.
      if (!this.failing) this.logger.warn({ err }, 'could not relay endpoint changes (Kafka or PostgreSQL away); they stay in the outbox and are retried');
      this.failing = true;
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }
}
