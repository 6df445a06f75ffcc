import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { DeliveryHistoryRepository, EndpointRepository, EventHistoryRepository } from '@app/persistence';
import { OrgAuth } from '../auth/auth.guards';
import { Page } from '../common/pagination';
import { decodeTimeCursor, toTimePage } from './history-cursor';
import { DeliveryDetailDto, DeliveryResponseDto, EventResponseDto, EventWithDeliveriesDto, ListDeliveriesQueryDto, ListEventsQueryDto } from './history.dto';
import { toAttemptResponse, toDeliveryResponse, toEventResponse } from './history.mappers';

// An event goes to each endpoint of its organization at most once: this only guards the response size.
const MAX_DELIVERIES_PER_EVENT = 1000;

/** Reads of the event log, deliveries and attempts; everything scoped to the caller's organization. */
@Injectable()
export class HistoryService {
  constructor(
    private readonly events: EventHistoryRepository,
    private readonly deliveries: DeliveryHistoryRepository,
    private readonly endpoints: EndpointRepository,
  ) {}

  async listEvents(auth: OrgAuth, query: ListEventsQueryDto): Promise<Page<EventResponseDto>> {
    const from = query.from === undefined ? undefined : new Date(query.from);
    const to = query.to === undefined ? undefined : new Date(query.to);
    if (from && to && from.getTime() >= to.getTime()) throw new BadRequestException(['to must be later than from']);
    const position = decodeTimeCursor(query.cursor, 'events');
    const rows = await this.events.list(
      auth.organizationId,
      { type: query.type, mode: query.mode, from, to },
      { from: position, limit: query.limit + 1 },
    );
    return toTimePage('events', rows, query.limit, toEventResponse, position);
  }

  async getEvent(auth: OrgAuth, id: string): Promise<EventWithDeliveriesDto> {
    const event = await this.events.findById(auth.organizationId, id);
    if (!event) throw new NotFoundException([`event ${id.slice(0, 100)} not found`]);
    const deliveries = await this.deliveries.listForEvent(auth.organizationId, id, MAX_DELIVERIES_PER_EVENT);
    return { ...toEventResponse(event), deliveries: deliveries.map(toDeliveryResponse) };
  }

  async getDelivery(auth: OrgAuth, id: string): Promise<DeliveryDetailDto> {
    const delivery = await this.deliveries.findById(auth.organizationId, id);
    if (!delivery) throw deliveryNotFound(id);
    const attempts = await this.deliveries.attempts(auth.organizationId, id);
    return { ...toDeliveryResponse(delivery), attempts: attempts.map(toAttemptResponse) };
  }

  async listEndpointDeliveries(auth: OrgAuth, endpointId: string, query: ListDeliveriesQueryDto): Promise<Page<DeliveryResponseDto>> {
    if (!(await this.endpoints.findById(auth.organizationId, endpointId))) throw new NotFoundException([`endpoint ${endpointId} not found`]);
    const position = decodeTimeCursor(query.cursor, 'deliveries');
    const rows = await this.deliveries.listForEndpoint(
      auth.organizationId,
      endpointId,
      { status: query.status },
      { from: position, limit: query.limit + 1 },
    );
    return toTimePage('deliveries', rows, query.limit, toDeliveryResponse, position);
  }
}

export function deliveryNotFound(id: string): NotFoundException {
  return new NotFoundException([`delivery ${id} not found`]);
}
