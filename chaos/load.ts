import { EventPublisher, PublishEventInput } from '@app/producer';
import { eventInput } from '../bench/support/pipeline';
import { Ledger } from './ledger';

/**
 * A steady open-loop load: event i is due at t0 + i/rate whatever happens downstream. While the
 * broker is away the producer's send blocks (it retries); the events that fell due meanwhile go
 * out together when it is back, each still carrying its scheduled time as `occurredAt`.
 * A send that fails for good makes its events "uncertain" in the ledger (Kafka may have them).
 */
export class SteadyLoad {
  private stopped = false;
  private running: Promise<void> | null = null;
  sendFailures = 0;
  /** The longest a send waited for its acknowledgement since the last `takeLongestSend()`. */
  private longestSendMs = 0;
  /** Every event scheduled up to this time has been sent (or has failed to be). */
  settledUpTo = 0;

  constructor(
    private readonly producer: EventPublisher,
    private readonly ledger: Ledger,
    private readonly rate: number,
    private readonly types: readonly string[],
    private readonly log: (msg: string) => void,
  ) {}

  start(): this {
    this.running = this.loop();
    return this;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  /** How long producers had to wait through a fault: the longest send since the previous call. */
  takeLongestSend(): number {
    const ms = this.longestSendMs;
    this.longestSendMs = 0;
    return ms;
  }

  private async loop(): Promise<void> {
    const t0 = Date.now();
    let next = 0;
    while (!this.stopped) {
      const due = Math.floor(((Date.now() - t0) * this.rate) / 1000) + 1;
      const events: Array<{ id: string; type: string; scheduledAt: number; input: PublishEventInput }> = [];
      for (; next < due; next++) {
        const type = this.types[next % this.types.length];
        const scheduledAt = t0 + (next * 1000) / this.rate;
        const input = eventInput(this.ledger.organizationId, type, scheduledAt);
        events.push({ id: input.id, type, scheduledAt, input });
      }
      if (events.length > 0) {
        const sentAt = Date.now();
        try {
          await this.producer.publishEvents(events.map((e) => e.input));
          this.ledger.published(events);
        } catch (err) {
          this.sendFailures++;
          this.ledger.failedToPublish(events);
          this.log(`  load: a send of ${events.length} events failed (${(err as Error).message}); counted as uncertain`);
        }
        this.longestSendMs = Math.max(this.longestSendMs, Date.now() - sentAt);
        this.settledUpTo = events[events.length - 1].scheduledAt;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}
