import { Producer } from 'kafkajs';
import { eventMessage } from '../bench/support/pipeline';
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
  /** Every event scheduled up to this time has been sent (or has failed to be). */
  settledUpTo = 0;

  constructor(
    private readonly producer: Producer,
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

  private async loop(): Promise<void> {
    const t0 = Date.now();
    let next = 0;
    while (!this.stopped) {
      const due = Math.floor(((Date.now() - t0) * this.rate) / 1000) + 1;
      const events: Array<{ id: string; type: string; scheduledAt: number; message: { key: string; value: string } }> = [];
      for (; next < due; next++) {
        const type = this.types[next % this.types.length];
        const scheduledAt = t0 + (next * 1000) / this.rate;
        const message = eventMessage(this.ledger.organizationId, type, scheduledAt);
        events.push({ id: (JSON.parse(message.value) as { id: string }).id, type, scheduledAt, message });
      }
      if (events.length > 0) {
        const byType = new Map<string, Array<{ key: string; value: string }>>();
        for (const e of events) byType.set(e.type, [...(byType.get(e.type) ?? []), e.message]);
        try {
          await this.producer.sendBatch({ topicMessages: [...byType].map(([topic, messages]) => ({ topic, messages })), acks: -1 });
          this.ledger.published(events);
        } catch (err) {
          this.sendFailures++;
          this.ledger.failedToPublish(events);
          this.log(`  load: a send of ${events.length} events failed (${(err as Error).message}); counted as uncertain`);
        }
        this.settledUpTo = events[events.length - 1].scheduledAt;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}
