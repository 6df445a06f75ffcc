import { Inject, Injectable } from '@nestjs/common';
import { KafkaMessage, Message } from 'kafkajs';
import pLimit, { Limit } from 'p-limit';
import type { Logger } from 'pino';
import { Counter } from 'prom-client';
import { DeliveryConfig } from '@app/config';
import { decodeDeliveryMessage, DeliveryMessage, Headers, Topics } from '@app/contracts';
import { APP_LOGGER, GroupCommit, KafkaProducer } from '@app/messaging';
import { MetricsRegistry } from '@app/observability';
import { AttemptRecord, DeliveryRepository } from '@app/persistence';
import { AttemptResult, DeliveryService } from './delivery.service';
import { keepTrying } from './keep-trying';

/** The outcomes of one chunk, waiting to be made durable; `produced` once its Kafka messages are acknowledged. */
interface Outcomes {
  results: AttemptResult[];
  unreadable: Message[];
  produced: boolean;
}

/**
 * Attempts one chunk of delivery messages (from the deliveries topic or a retry tier) and makes
 * every outcome durable before returning, so the caller may then commit the chunk's offsets.
 * Shared by every stream of the instance: one budget of requests in flight, and chunks finishing
 * together share one round of writes.
 */
@Injectable()
export class ChunkDeliverer {
  /** Requests in flight from this instance, across every stream, partition and endpoint. */
  private readonly inFlight: Limit;
  /**
   * Requests in flight to each endpoint from this instance, whichever stream and chunk they come
   * from (a partition has two chunks in hand, and retries run beside new deliveries). Dropped when idle.
   */
  private readonly perEndpoint = new Map<string, Limit>();

  private readonly durabilityRetries: Counter;

  constructor(
    @Inject(DeliveryConfig) private readonly config: DeliveryConfig,
    @Inject(APP_LOGGER) private readonly logger: Logger,
    private readonly producer: KafkaProducer,
    private readonly delivery: DeliveryService,
    private readonly deliveries: DeliveryRepository,
    metrics: MetricsRegistry,
  ) {
    this.inFlight = pLimit(config.DELIVERY_MAX_IN_FLIGHT);
    this.durabilityRetries = new Counter({
      name: 'delivery_durability_retries_total',
      help: 'Writes of attempt outcomes (retry messages, attempt log) tried again after Kafka or PostgreSQL failed',
      registers: [metrics.registry],
    });
  }

  /**
   * Attempts the messages, then makes every outcome durable. A failed write is tried again with
   * the outcomes kept (the receivers are not called again) until it succeeds or `abandoned()`
   * says the chunk is no longer ours to commit (rebalance, shutdown); then it throws, and the
   * chunk, not committed, is attempted again by whoever reads it next. `mayProbe`: see
   * DeliveryService.attempt.
   */
  async deliver(messages: KafkaMessage[], { abandoned, attempted, mayProbe }: { abandoned: () => boolean; attempted: () => void; mayProbe: boolean }): Promise<void> {
    const { decoded, unreadable } = decodeAll(messages);
    // Endpoints side by side, a bounded number in flight to each and from the whole instance. A
    // message waiting for its endpoint does not hold one of the instance's slots meanwhile.
    const results = await Promise.all(decoded.map((m) => this.endpointLimit(m.endpointId)(() => this.inFlight(() => this.delivery.attempt(m, { mayProbe })))));
    for (const endpointId of new Set(decoded.map((m) => m.endpointId))) {
      const limit = this.perEndpoint.get(endpointId);
      if (limit && limit.activeCount === 0 && limit.pendingCount === 0) this.perEndpoint.delete(endpointId);
    }
    attempted();
    const outcomes: Outcomes = { results, unreadable, produced: false };
    await keepTrying(() => this.durable.submit(outcomes), {
      abandoned,
      onFailure: (err, failures) => {
        this.durabilityRetries.inc();
        // The first failure, then every tenth: a long outage should not flood the log.
        if (failures % 10 === 1) this.logger.warn({ err, failures, messages: messages.length }, 'could not make delivery outcomes durable; keeping them and trying again');
      },
    });
  }

  /** Whether one of these messages' endpoints has a call out for more than `ms` (messages are keyed by endpoint id). */
  heldBySlowCalls(messages: readonly KafkaMessage[], ms: number): boolean {
    const now = Date.now();
    const endpoints = new Set(messages.map((m) => m.key?.toString() ?? ''));
    for (const endpointId of endpoints) if (this.delivery.callsOutLongerThan(endpointId, ms, now)) return true;
    return false;
  }

  private endpointLimit(endpointId: string): Limit {
    let limit = this.perEndpoint.get(endpointId);
    if (!limit) this.perEndpoint.set(endpointId, (limit = pLimit(this.config.DELIVERY_MAX_IN_FLIGHT_PER_ENDPOINT)));
    return limit;
  }

  /**
   * Kafka first (the retry must exist), then the attempt log; a crash between them re-attempts,
   * never loses. Outcomes whose messages were acknowledged are not produced again when only the
   * attempt log failed (that would duplicate retries). The attempt log is one PostgreSQL
   * transaction, so a failed write left nothing behind and is simply written again.
   */
  private readonly durable = new GroupCommit<Outcomes>(async (items) => {
    const unproduced = items.filter((i) => !i.produced);
    const byTopic = new Map<string, Message[]>();
    const add = (topic: string, message: Message) => {
      const messages = byTopic.get(topic);
      if (messages) messages.push(message);
      else byTopic.set(topic, [message]);
    };
    for (const { results, unreadable } of unproduced) {
      for (const r of results) if (r.next) add(r.next.topic, r.next.message);
      for (const m of unreadable) add(Topics.deadLetters, m);
    }
    await this.producer.sendBatch([...byTopic].map(([topic, messages]) => ({ topic, messages })));
    for (const i of unproduced) i.produced = true;
    const records: AttemptRecord[] = items.flatMap((i) => i.results.map((r) => r.record));
    await this.deliveries.recordBatch(records);
  });
}

/** A delivery message we cannot read is a bug upstream; it goes to the dead letters with the reason, visibly. */
function decodeAll(messages: KafkaMessage[]): { decoded: DeliveryMessage[]; unreadable: Message[] } {
  const decoded: DeliveryMessage[] = [];
  const unreadable: Message[] = [];
  for (const m of messages) {
    try {
      decoded.push(decodeDeliveryMessage(m.value));
    } catch (err) {
      unreadable.push({ key: m.key, value: m.value, headers: { [Headers.deadLetterReason]: `unreadable delivery message: ${(err as Error).message}` } });
    }
  }
  return { decoded, unreadable };
}
