import { Injectable } from '@nestjs/common';
import { deliveryRecord, DeliveryMessage, DomainEvent, Topics } from '@app/contracts';
import { KafkaProducer } from '@app/messaging';
import { currentRequestId } from '@app/observability';
import { StoredEvent } from '@app/persistence';

/**
 * Puts resends, test events and replays on the deliveries topic, keyed by endpoint like the fan-out's
 * messages: they take the one delivery path (signing, URL policy at connect time, retries, attempt
 * log) and keep their order per endpoint. Resolves once Kafka has them.
 */
@Injectable()
export class DeliveryPublisher {
  constructor(private readonly producer: KafkaProducer) {}

  async publish(messages: readonly DeliveryMessage[]): Promise<void> {
    const requestId = currentRequestId();
    await this.producer.send(
      Topics.deliveries,
      messages.map((m) => deliveryRecord(requestId && !m.requestId ? { ...m, requestId } : m)),
    );
  }
}

/**
 * The event as receivers get it, rebuilt from the log. Same fields and values as first delivered; the
 * JSON may differ in key order inside `data` and in how `occurredAt` is written (the log keeps jsonb
 * and timestamptz), so receivers compare parsed values, not bytes.
 */
export function domainEventOf(stored: StoredEvent): DomainEvent {
  return {
    id: stored.id,
    type: stored.type,
    organizationId: stored.organizationId,
    mode: stored.mode,
    occurredAt: stored.occurredAt.toISOString(),
    data: stored.data,
  };
}
