import { Inject, Injectable } from '@nestjs/common';
import { KafkaMessage, Message } from 'kafkajs';
import pLimit, { Limit } from 'p-limit';
import { DeliveryConfig } from '@app/config';
import { decodeDeliveryMessage, DeliveryMessage, Headers, Topics } from '@app/contracts';
import { GroupCommit, KafkaProducer } from '@app/messaging';
import { AttemptRecord, DeliveryRepository } from '@app/persistence';
import { AttemptResult, DeliveryService } from './delivery.service';

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

  constructor(
    @Inject(DeliveryConfig) private readonly config: DeliveryConfig,
    private readonly producer: KafkaProducer,
    private readonly delivery: DeliveryService,
    private readonly deliveries: DeliveryRepository,
  ) {
    this.inFlight = pLimit(config.DELIVERY_MAX_IN_FLIGHT);
  }

  async deliver(messages: KafkaMessage[]): Promise<void> {
    const { decoded, unreadable } = decodeAll(messages);
    // Endpoints side by side, a bounded number in flight to each and from the whole instance. A
    // message waiting for its endpoint does not hold one of the instance's slots meanwhile.
    const results = await Promise.all(decoded.map((m) => this.endpointLimit(m.endpointId)(() => this.inFlight(() => this.delivery.attempt(m)))));
    for (const endpointId of new Set(decoded.map((m) => m.endpointId))) {
      const limit = this.perEndpoint.get(endpointId);
      if (limit && limit.activeCount === 0 && limit.pendingCount === 0) this.perEndpoint.delete(endpointId);
    }
    await this.durable.submit({ results, unreadable });
  }

  private endpointLimit(endpointId: string): Limit {
    let limit = this.perEndpoint.get(endpointId);
    if (!limit) this.perEndpoint.set(endpointId, (limit = pLimit(this.config.DELIVERY_MAX_IN_FLIGHT_PER_ENDPOINT)));
    return limit;
  }

  /** Kafka first (the retry must exist), then the attempt log; a crash between them re-attempts, never loses. */
  private readonly durable = new GroupCommit<{ results: AttemptResult[]; unreadable: Message[] }>(async (items) => {
    const byTopic = new Map<string, Message[]>();
    const add = (topic: string, message: Message) => byTopic.set(topic, [...(byTopic.get(topic) ?? []), message]);
    for (const { results, unreadable } of items) {
      for (const r of results) if (r.next) add(r.next.topic, r.next.message);
      for (const m of unreadable) add(Topics.deadLetters, m);
    }
    await this.producer.sendBatch([...byTopic].map(([topic, messages]) => ({ topic, messages })));
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
