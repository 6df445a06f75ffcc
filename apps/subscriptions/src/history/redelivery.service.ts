import { BadRequestException, ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { deliveryIdFor, DomainEvent, exampleEventData, newId, testEventExample } from '@app/contracts';
import { DeliveryHistoryRepository, deliveryPartitionOf, EndpointEntity, EndpointRepository, EventHistoryRepository, EventTypeRepository } from '@app/persistence';
import { OrgAuth } from '../auth/auth.guards';
import { apiError } from '../common/api-error';
import { DeliveryPublisher, domainEventOf } from './delivery-publisher';
import { RedeliveryAcceptedDto, TestEventAcceptedDto } from './history.dto';
import { deliveryNotFound } from './history.service';

/** The type of the event `POST /v1/endpoints/{id}/test` sends. Not in the catalog: no producer emits it. */
export const TEST_EVENT_TYPE = 'webhook.test';

/** Manual deliveries: a resend of one delivery and a test event. Both go through the deliveries topic. */
@Injectable()
export class RedeliveryService {
  constructor(
    private readonly events: EventHistoryRepository,
    private readonly deliveries: DeliveryHistoryRepository,
    private readonly endpoints: EndpointRepository,
    private readonly publisher: DeliveryPublisher,
    private readonly eventTypes: EventTypeRepository,
  ) {}

  /**
   * Queues the delivery's next attempt now, whatever its state, under the same delivery id (so the
   * same `webhook-id`). It is numbered after the attempts made so far so the delivery's recorded
   * state follows its outcome; it has the retries left after that number (none after the last one).
   */
  async resend(auth: OrgAuth, deliveryId: string): Promise<RedeliveryAcceptedDto> {
    const delivery = await this.deliveries.findById(auth.organizationId, deliveryId);
    if (!delivery) throw deliveryNotFound(deliveryId);
    const event = await this.events.findById(auth.organizationId, delivery.eventId);
    if (!event) throw new ConflictException([`delivery ${deliveryId} cannot be resent: its event is past retention`]);
    const endpoint = await this.endpoints.findById(auth.organizationId, delivery.endpointId);
    if (!endpoint) throw new ConflictException([`delivery ${deliveryId} cannot be resent: its endpoint was deleted`]);
    assertEnabled(endpoint);
    const attempt = delivery.attemptCount + 1;
    await this.publisher.publish([
      { deliveryId, organizationId: auth.organizationId, endpointId: delivery.endpointId, attempt, event: domainEventOf(event), trigger: 'resend', ...deliveryPartitionOf(endpoint) },
    ]);
    return { deliveryId, eventId: event.id, endpointId: delivery.endpointId, attempt };
  }

  /**
   * Sends a test event of the endpoint's mode to that endpoint only (its filter is not applied: the
   * point is to see a delivery arrive). It carries an example from the catalog when one applies (the
   * type asked for, else one the endpoint subscribes to), else it is a generic `webhook.test`. It is
   * stored in the event log and its delivery is created as pending at once, so it is listed and can be resent.
   */
  async sendTestEvent(auth: OrgAuth, endpointId: string, requestedType?: string): Promise<TestEventAcceptedDto> {
    const endpoint = await this.endpoints.findById(auth.organizationId, endpointId);
    if (!endpoint) throw new NotFoundException([`endpoint ${endpointId} not found`]);
    assertEnabled(endpoint);
    const catalog = await this.eventTypes.list();
    if (requestedType !== undefined && !catalog.some((t) => t.name === requestedType)) {
      throw new BadRequestException([`eventType ${requestedType} is not in the catalog (GET /v1/event-types)`]);
    }
    const example = testEventExample(endpoint.eventTypes, catalog, requestedType);
    const type = requestedType ?? example?.name ?? TEST_EVENT_TYPE;
    const event: DomainEvent = {
      id: newId('evt'),
      type,
      organizationId: auth.organizationId,
      mode: endpoint.mode,
      occurredAt: new Date().toISOString(),
      data:
        type === TEST_EVENT_TYPE
          ? { message: 'A test event sent from Sourcehub Webhooks to check this endpoint', endpointId }
          : (example?.example ?? exampleEventData(type)),
    };
    await this.events.insertApiEvent(event);
    const deliveryId = deliveryIdFor(auth.organizationId, event.id, endpointId);
    await this.publisher.publish([{ deliveryId, organizationId: auth.organizationId, endpointId, attempt: 1, event, trigger: 'test', ...deliveryPartitionOf(endpoint) }]);
    // After the publish: a pending row never stands for a message that was not sent. If the attempt
    // was quicker, its row is already there and this changes nothing.
    await this.deliveries.insertPending([{ id: deliveryId, organizationId: auth.organizationId, eventId: event.id, endpointId }]);
    return { deliveryId, eventId: event.id, endpointId, attempt: 1, eventType: type };
  }
}

/** The delivery service discards messages for disabled endpoints: say so now instead of queueing one. */
export function assertEnabled(endpoint: EndpointEntity): void {
  if (endpoint.status !== 'enabled') throw apiError(409, 'endpoint_disabled', `endpoint ${endpoint.id} is disabled; enable it first`);
}
