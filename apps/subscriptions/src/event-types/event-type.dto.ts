import { PAGE_LINKS } from '../common/pagination';
import { ApiProperty } from '@nestjs/swagger';
import { IsObject } from 'class-validator';
import { DISABLED_REASONS, DisabledReason, MODES, Mode, OperationalEventTypes } from '@app/contracts';
import { BoundedText, Field } from '../common/validators';

const MAX_DESCRIPTION_LENGTH = 500;

export class EventTypeResponseDto {
  @ApiProperty({ example: 'order.new' }) name: string;
  @ApiProperty() description: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: "A JSON Schema (draft-07) the event's `data` must match; an event that breaks it is quarantined (reason `schema`) and delivered to no one. Null: any data.",
  })
  schema: Record<string, unknown> | null;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true, description: 'The `data` of a test event of this type (POST /v1/endpoints/{id}/test, `sourcehub-webhooks trigger`).' })
  example: Record<string, unknown> | null;
  @ApiProperty({ description: 'Grows with every change of the entry.' }) version: number;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}

/** The whole entry: a part left out is cleared (PUT replaces). */
export class PutEventTypeDto {
  @Field('optional', { maxLength: MAX_DESCRIPTION_LENGTH, example: 'A customer placed an order' }, BoundedText(MAX_DESCRIPTION_LENGTH))
  description?: string;

  @Field(
    'optional',
    {
      type: 'object',
      additionalProperties: true,
      example: { type: 'object', required: ['orderId', 'total'], properties: { orderId: { type: 'string' }, total: { type: 'number', minimum: 0 } } },
      description: "JSON Schema (draft-07; formats such as `email` and `date-time` known; no remote `$ref`) for the events' `data`.",
    },
    IsObject({ message: 'schema must be a JSON Schema object' }),
  )
  schema?: Record<string, unknown>;

  @Field(
    'optional',
    { type: 'object', additionalProperties: true, example: { orderId: 'ord_1', total: 42.5 }, description: 'The `data` of a test event; must match `schema`.' },
    IsObject({ message: 'example must be a JSON object (the data of an event)' }),
  )
  example?: Record<string, unknown>;
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
