import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsNumber, IsObject, IsUUID, Matches, Max, Min, ValidateIf } from 'class-validator';
import { LISTEN_OUTCOMES, ListenOutcome } from '@app/contracts';
import { BoundedText, Field } from '../common/validators';
import { EventTypesField } from '../endpoints/endpoint.dto';

export class CreateListenSessionDto {
  @Field('optional', { example: 'http://localhost:4000/webhooks', maxLength: 2048, description: "Where the CLI forwards (shown in the endpoint's description; the server never calls it)." }, BoundedText(2048))
  forwardTo?: string;

  @EventTypesField('optional')
  eventTypes?: string[];
}

export class ListenSessionDto {
  @ApiProperty({ example: 'ep_01jd...', description: 'The temporary test-mode endpoint standing for the session.' }) id: string;
  @ApiProperty({ example: 'whsec_...', description: 'Signs what the session receives; verify with it locally.' }) secret: string;
  @ApiProperty({ enum: ['test'] }) mode: 'test';
  @ApiProperty({ type: [String] }) eventTypes: string[];
  @ApiProperty({ format: 'date-time', description: 'Removed then unless a connection to its stream keeps it alive.' }) expiresAt: string;
}

/** What the CLI's local receiver did with one relayed delivery. */
export class ListenAnswerDto {
  @ApiProperty({ format: 'uuid', example: '5b1c3f0e-8a5e-4d4a-9a53-0f2a4f1c2b3d', description: 'The requestId of the relayed delivery.' })
  @IsUUID()
  requestId: string;

  @ApiProperty({ enum: LISTEN_OUTCOMES, example: 'success' })
  @IsIn(LISTEN_OUTCOMES)
  outcome: ListenOutcome;

  @ApiProperty({ type: Number, nullable: true, example: 200, minimum: 100, maximum: 999, description: 'The local HTTP status; null when no answer came.' })
  @ValidateIf((_o: object, v: unknown) => v !== null)
  @IsInt()
  @Min(100)
  @Max(999)
  statusCode: number | null;

  @ApiProperty({ example: 12, minimum: 0, maximum: 3_600_000, description: 'Milliseconds the local call took.' })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(3_600_000)
  durationMs: number;

  @Field('optional', { type: String, nullable: true, maxLength: 500 }, ValidateIf((_o: object, v: unknown) => v !== null), BoundedText(500))
  error?: string | null;

  @Field('optional', { type: String, nullable: true, maxLength: 1024 }, ValidateIf((_o: object, v: unknown) => v !== null), BoundedText(1024))
  responseExcerpt?: string | null;
}

export class TriggerEventDto {
  @ApiProperty({ example: 'order.new', description: 'An event type of the catalog.' })
  @Matches(/^[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)+$/, { message: 'type must be an event type name such as order.new' })
  type: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: "The event's data; absent: the type's example (or {})." })
  @ValidateIf((_o: object, v: unknown) => v !== undefined)
  @IsObject()
  data?: Record<string, unknown>;
}

export class TriggeredEventDto {
  @ApiProperty({ example: 'evt_01jd...' }) eventId: string;
  @ApiProperty({ example: 'order.new' }) type: string;
  @ApiProperty({ enum: ['test'] }) mode: 'test';
  @ApiProperty({ type: 'object', additionalProperties: true }) data: Record<string, unknown>;
}
