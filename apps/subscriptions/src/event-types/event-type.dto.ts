import { PAGE_LINKS } from '../common/pagination';
import { ApiProperty } from '@nestjs/swagger';
import { DISABLED_REASONS, DisabledReason, MODES, Mode, OperationalEventTypes } from '@app/contracts';

export class EventTypeResponseDto {
  @ApiProperty({ example: 'order.new' }) name: string;
  @ApiProperty() description: string;
}

/** The whole catalog in one response: it is a short reference list, not tenant data that grows. */
/** The whole catalog in one page: the links are there so every list has the same shape (SPEC §13). */
export class EventTypeListDto {
  @ApiProperty({ type: [EventTypeResponseDto] }) data: EventTypeResponseDto[];
  @ApiProperty(PAGE_LINKS.nextCursor) nextCursor: string | null;
  @ApiProperty(PAGE_LINKS.prevCursor) prevCursor: string | null;
  @ApiProperty(PAGE_LINKS.hasMore) hasMore: boolean;
}

// The operational events' bodies, described here so integrators can read them from /openapi.json;
// they are delivered like any event (signed, retried, logged), only to endpoints that name them.

export class EndpointDisabledDataDto {
  @ApiProperty({ example: 'ep_01jd...' }) endpointId: string;
  @ApiProperty({ example: 'https://example.com/webhooks' }) url: string;
  @ApiProperty({ enum: DISABLED_REASONS, description: '"gone": the receiver answered 410 Gone; "failing": no successful call for ENDPOINT_DISABLE_AFTER_SECONDS.' })
  reason: DisabledReason;
}

export class DeliveryExhaustedDataDto {
  @ApiProperty({ example: 'del_...' }) deliveryId: string;
  @ApiProperty({ example: 'evt_...' }) eventId: string;
  @ApiProperty({ example: 'order.new' }) eventType: string;
  @ApiProperty({ example: 'ep_01jd...' }) endpointId: string;
  @ApiProperty({ example: 5, description: 'Calls made (deferrals while the circuit breaker was open do not count).' }) attempts: number;
  @ApiProperty({ type: Number, nullable: true, example: 500, description: 'The status of the last call; null when it got no answer.' }) lastStatusCode: number | null;
}

class OperationalEventDto {
  @ApiProperty({ example: 'evt_op_...' }) id: string;
  @ApiProperty({ example: 'org_...' }) organizationId: string;
  @ApiProperty({ enum: MODES, description: 'The mode of the endpoint concerned.' }) mode: Mode;
  @ApiProperty({ format: 'date-time' }) occurredAt: string;
}

export class EndpointDisabledEventDto extends OperationalEventDto {
  @ApiProperty({ enum: [OperationalEventTypes.endpointDisabled] }) type: typeof OperationalEventTypes.endpointDisabled;
  @ApiProperty({ type: EndpointDisabledDataDto }) data: EndpointDisabledDataDto;
}

export class DeliveryExhaustedEventDto extends OperationalEventDto {
  @ApiProperty({ enum: [OperationalEventTypes.deliveryExhausted] }) type: typeof OperationalEventTypes.deliveryExhausted;
  @ApiProperty({ type: DeliveryExhaustedDataDto }) data: DeliveryExhaustedDataDto;
}
