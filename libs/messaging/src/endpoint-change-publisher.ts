import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { EndpointChange, EventTypeChange, Topics } from '@app/contracts';
import { currentRequestId } from '@app/observability';
import { APP_LOGGER, KafkaProducer } from './messaging.module';

/**
 * Tells every fan-out and delivery instance to drop its cached view of an organization's endpoints.
 * Called after the change is committed, by the admin API and by the delivery when it disables an
 * endpoint. If the broker cannot take the notice, the change still stands (undoing or failing it
 * would be worse) and the caches' TTL brings them up to date.
 */
@Injectable()
export class EndpointChangePublisher {
  constructor(
    private readonly producer: KafkaProducer,
    @Inject(APP_LOGGER) private readonly logger: Logger,
  ) {}

  /** Every notice, or an error (the endpoint-change outbox keeps them for the next try). */
  async publishAll(notices: readonly EndpointChange[]): Promise<void> {
    await this.producer.send(
      Topics.endpointChanges,
      notices.map((n) => ({ key: n.organizationId, value: JSON.stringify(n) })),
    );
  }

  async publish(notice: EndpointChange): Promise<void> {
    const requestId = notice.requestId ?? currentRequestId();
    if (requestId) notice = { ...notice, requestId };
    await this.send(notice.organizationId, notice, 'could not publish an endpoint change; caches catch up when their TTL expires');
  }

  /** Fan-outs drop the compiled schema of the type; the same guarantees as endpoint changes. */
  async publishEventTypeChange(notice: EventTypeChange): Promise<void> {
    await this.send(notice.eventType, notice, 'could not publish an event type change; fan-outs catch up when their TTL expires');
  }

  private async send(key: string, notice: EndpointChange | EventTypeChange, failure: string): Promise<void> {
    try {
      await this.producer.send(Topics.endpointChanges, [{ key, value: JSON.stringify(notice) }]);
    } catch (err) {
      this.logger.error({ err, ...notice }, failure);
    }
  }
}
