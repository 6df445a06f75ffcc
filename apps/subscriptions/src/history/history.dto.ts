import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches } from 'class-validator';
import { DELIVERY_STATUSES, DeliveryStatus, EVENT_TYPE_NAME_PATTERN, Mode, MODES } from '@app/contracts';
import { PAGE_LINKS, PageQueryDto } from '../common/pagination';
import { IsDateTime } from '../common/validators';


export class ListEventsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ example: 'order.new' })
  @IsOptional()
  @Matches(EVENT_TYPE_NAME_PATTERN, { message: 'type must be an event type name such as order.new' })
  type?: string;

  @ApiPropertyOptional({ enum: MODES })
  @IsOptional()
  @IsIn(MODES)
  mode?: Mode;

  @ApiPropertyOptional({ format: 'date-time', description: 'Events received at or after this time.' })
  @IsOptional()
  @IsDateTime('from', '2026-11-28T10:00:00Z')
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Events received before this time.' })
  @IsOptional()
  @IsDateTime('to', '2026-11-28T11:00:00Z')
  to?: string;
}

export class ListDeliveriesQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: DELIVERY_STATUSES })
  @IsOptional()
  @IsIn(DELIVERY_STATUSES)
  status?: DeliveryStatus;
}

export class EventResponseDto {
  @ApiProperty({ example: 'evt_3416...', description: "The producer's id." }) id: string;
  @ApiProperty({ example: 'order.new' }) type: string;
  @ApiProperty({ enum: MODES }) mode: Mode;
  @ApiProperty({ format: 'date-time', description: 'When it happened, as the producer said.' }) occurredAt: string;
  @ApiProperty({ format: 'date-time', description: 'When the event log stored it; lists, filters and replays use this time.' }) receivedAt: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) data: Record<string, unknown>;
}

export class DeliveryResponseDto {
  @ApiProperty({ example: 'del_8e44...', description: 'Also the `webhook-id` header of every attempt, resends and replays included.' }) id: string;
  @ApiProperty() eventId: string;
  @ApiProperty({ type: String, nullable: true, description: 'Null once the event is past retention.' }) eventType: string | null;
  @ApiProperty() endpointId: string;
  @ApiProperty({ enum: DELIVERY_STATUSES }) status: DeliveryStatus;
  @ApiProperty() attemptCount: number;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastAttemptAt: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When the next automatic retry is due.' }) nextAttemptAt: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'Why the delivery is in its status (the last error, a discard reason).' }) statusReason: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}

export class EventWithDeliveriesDto extends EventResponseDto {
  @ApiProperty({ type: [DeliveryResponseDto], description: 'One per endpoint the event went to (at most 1000); an endpoint not yet attempted has none yet.' })
  deliveries: DeliveryResponseDto[];
}

export class AttemptResponseDto {
  @ApiProperty() attemptNumber: number;
  @ApiProperty({ format: 'date-time' }) startedAt: string;
  @ApiProperty() durationMs: number;
  @ApiProperty({
    example: 'http_error',
    description: 'success | http_error | timeout | connection_error | forbidden_address | invalid_url | circuit_open',
  })
  outcome: string;
  @ApiProperty({ type: Number, nullable: true }) statusCode: number | null;
  @ApiProperty({ type: String, nullable: true }) error: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'The start of the response body.' }) responseExcerpt: string | null;
  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'The wait a 429 or 503 answer asked for in Retry-After, in seconds (an HTTP date converted); the next attempt came no earlier.',
  })
  retryAfterSeconds: number | null;
}

export class DeliveryDetailDto extends DeliveryResponseDto {
  @ApiProperty({ type: [AttemptResponseDto], description: 'Oldest first.' }) attempts: AttemptResponseDto[];
}

export class EventPageDto {
  @ApiProperty({ type: [EventResponseDto] }) data: EventResponseDto[];
  @ApiProperty(PAGE_LINKS.nextCursor) nextCursor: string | null;
  @ApiProperty(PAGE_LINKS.prevCursor) prevCursor: string | null;
  @ApiProperty(PAGE_LINKS.hasMore) hasMore: boolean;
}

export class DeliveryPageDto {
  @ApiProperty({ type: [DeliveryResponseDto] }) data: DeliveryResponseDto[];
  @ApiProperty(PAGE_LINKS.nextCursor) nextCursor: string | null;
  @ApiProperty(PAGE_LINKS.prevCursor) prevCursor: string | null;
  @ApiProperty(PAGE_LINKS.hasMore) hasMore: boolean;
}

export class RedeliveryAcceptedDto {
  @ApiProperty({ description: 'The delivery (and `webhook-id`) the attempt belongs to.' }) deliveryId: string;
  @ApiProperty() eventId: string;
  @ApiProperty() endpointId: string;
  @ApiProperty({ description: 'The attempt number queued.' }) attempt: number;
}

export class TestEventAcceptedDto extends RedeliveryAcceptedDto {
  @ApiProperty({ example: 'order.new', description: 'The type sent: one with an example in the catalog when one applies, else `webhook.test`.' }) eventType: string;
}

export class SendTestEventDto {
  @ApiPropertyOptional({
    example: 'order.new',
    description: "A catalog type to send (with its example as data, or the built-in one). Absent: the first type the endpoint subscribes to that has an example in the catalog, else a generic `webhook.test`.",
  })
  @IsOptional()
  @Matches(EVENT_TYPE_NAME_PATTERN, { message: 'eventType must be an event type name such as order.new' })
  eventType?: string;
}
