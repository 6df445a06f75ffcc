import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayNotEmpty, IsArray, IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, ValidateIf } from 'class-validator';
import {
  DisabledReason,
  DISABLED_REASONS,
  EndpointOrdering,
  ENDPOINT_ORDERINGS,
  EndpointStatus,
  ENDPOINT_STATUSES,
  RATE_LIMIT_PER_SECOND_MAX,
  RATE_LIMIT_PER_SECOND_MIN, EVENT_TYPE_NAME_PATTERN, Mode, MODES, OperationalEventTypes } from '@app/contracts';
import { PAGE_LINKS, PageQueryDto } from '../common/pagination';
import { BoundedText, Field, IsStringMap, Presence } from '../common/validators';
import { FILTER_DESCRIPTION, FilterField } from './endpoint-filter.field';

const MAX_URL_LENGTH = 2048;
const MAX_DESCRIPTION_LENGTH = 500;
const MAX_EVENT_TYPES = 100;
const MAX_HEADERS = 20;
const MAX_METADATA = 50;
// Headers the signature or the transport own: a custom header must not override them.
const RESERVED_HEADERS: ReadonlySet<string> = new Set([
  'content-type',
  'content-length',
  'host',
  'user-agent',
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
  'connection',
  'transfer-encoding',
]);
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

// Each field is declared once and used by both the create and the update body, so both validate alike.
const UrlField = (p: Presence) =>
  Field(p, { example: 'https://example.com/webhooks', maxLength: MAX_URL_LENGTH, description: 'A public http(s) URL; https in live mode.' }, BoundedText(MAX_URL_LENGTH));

export const EventTypesField = (p: Presence) =>
  Field(
    p,
    {
      type: [String],
      example: ['order.new', OperationalEventTypes.endpointDisabled],
      maxItems: MAX_EVENT_TYPES,
      description:
        `Names from GET /v1/event-types; absent (on create) or ["*"] means every type except the operational ones (` +
        `${OperationalEventTypes.endpointDisabled}, ${OperationalEventTypes.deliveryExhausted}), which are named to be received, also beside "*".`,
    },
    IsArray(),
    ArrayNotEmpty(),
    ArrayMaxSize(MAX_EVENT_TYPES),
    IsString({ each: true }),
    Matches(/^(\*|[a-z][a-z0-9_.-]{0,248})$/, { each: true, message: 'eventTypes must contain event type names or "*"' }),
  );

// SPEC §10. Null clears the limit, so this field (unlike the others) may be null.
const RateLimitField = () =>
  Field(
    'optional',
    {
      type: 'integer',
      nullable: true,
      minimum: RATE_LIMIT_PER_SECOND_MIN,
      maximum: RATE_LIMIT_PER_SECOND_MAX,
      example: 20,
      description:
        'At most this many requests to the endpoint in any 1-second window (first attempts, retries, resends and replays together), ' +
        'whatever the number of delivery instances. Waiting for the limit uses no attempt. Null or absent: no limit.',
    },
    ValidateIf((_o: object, value: unknown) => value !== null),
    IsInt({ message: `rateLimitPerSecond must be an integer from ${RATE_LIMIT_PER_SECOND_MIN} to ${RATE_LIMIT_PER_SECOND_MAX}, or null` }),
    Min(RATE_LIMIT_PER_SECOND_MIN, { message: `rateLimitPerSecond must be an integer from ${RATE_LIMIT_PER_SECOND_MIN} to ${RATE_LIMIT_PER_SECOND_MAX}, or null` }),
    Max(RATE_LIMIT_PER_SECOND_MAX, { message: `rateLimitPerSecond must be an integer from ${RATE_LIMIT_PER_SECOND_MIN} to ${RATE_LIMIT_PER_SECOND_MAX}, or null` }),
  );

const OrderingField = () =>
  Field(
    'optional',
    {
      enum: ENDPOINT_ORDERINGS,
      description:
        'Absent on creation: "none". "strict": one request at a time, in the order the fan-out read the events; a failing delivery holds the ones after it until it succeeds ' +
        'or is dead-lettered. Applies to deliveries read after the change.',
    },
    IsIn(ENDPOINT_ORDERINGS, { message: `ordering must be one of: ${ENDPOINT_ORDERINGS.join(', ')}` }),
  );

const DescriptionField = (p: Presence) => Field(p, { maxLength: MAX_DESCRIPTION_LENGTH }, BoundedText(MAX_DESCRIPTION_LENGTH));

const HeadersField = (p: Presence) =>
  Field(
    p,
    {
      type: 'object',
      additionalProperties: { type: 'string', maxLength: 1000 },
      maxProperties: MAX_HEADERS,
      description: `At most ${MAX_HEADERS} custom headers sent with every delivery. An update replaces the whole set.`,
    },
    IsStringMap({ maxEntries: MAX_HEADERS, maxKeyLength: 100, maxValueLength: 1000, keyPattern: HEADER_NAME, reserved: RESERVED_HEADERS, singleLine: true }),
  );

const MetadataField = (p: Presence) =>
  Field(
    p,
    { type: 'object', additionalProperties: { type: 'string', maxLength: 1000 }, maxProperties: MAX_METADATA, description: 'Free-form labels for the organization. An update replaces the whole set.' },
    IsStringMap({ maxEntries: MAX_METADATA, maxKeyLength: 100, maxValueLength: 1000 }),
  );

export class CreateEndpointDto {
  @UrlField('required') url: string;
  @Field('required', { enum: MODES, description: 'Fixed at creation: register another endpoint for the other mode.' }, IsIn(MODES)) mode: Mode;
  @EventTypesField('optional') eventTypes?: string[];
  @DescriptionField('optional') description?: string;
  @HeadersField('optional') headers?: Record<string, string>;
  @MetadataField('optional') metadata?: Record<string, string>;
  @RateLimitField() rateLimitPerSecond?: number | null;
  @OrderingField() ordering?: EndpointOrdering;
  @FilterField('optional') filter?: Record<string, unknown> | null;
}

/** Only the fields given change; `mode` is fixed at creation. */
export class UpdateEndpointDto {
  @UrlField('optional') url?: string;
  @EventTypesField('optional') eventTypes?: string[];
  @Field(
    'optional',
    { enum: ENDPOINT_STATUSES, description: 'A disabled endpoint receives nothing until enabled again. Enabling clears `disabledReason` and the failure history.' },
    IsIn(ENDPOINT_STATUSES),
  )
  status?: EndpointStatus;
  @DescriptionField('optional') description?: string;
  @HeadersField('optional') headers?: Record<string, string>;
  @MetadataField('optional') metadata?: Record<string, string>;
  @RateLimitField() rateLimitPerSecond?: number | null;
  @OrderingField() ordering?: EndpointOrdering;
  @FilterField('optional') filter?: Record<string, unknown> | null;
}

export class ListEndpointsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: MODES })
  @IsOptional()
  @IsIn(MODES)
  mode?: Mode;

  @ApiPropertyOptional({ enum: ENDPOINT_STATUSES })
  @IsOptional()
  @IsIn(ENDPOINT_STATUSES)
  status?: EndpointStatus;

  @ApiPropertyOptional({ example: 'order.new', description: 'Endpoints that receive this type, those subscribed to "*" included.' })
  @IsOptional()
  @Matches(EVENT_TYPE_NAME_PATTERN, { message: 'eventType must be an event type name such as order.new' })
  eventType?: string;
}

export class EndpointResponseDto {
  @ApiProperty({ example: 'ep_01jd...' }) id: string;
  @ApiProperty() url: string;
  @ApiProperty({ enum: MODES }) mode: Mode;
  @ApiProperty({ type: [String] }) eventTypes: string[];
  @ApiProperty({ enum: ENDPOINT_STATUSES }) status: EndpointStatus;
  @ApiProperty({
    enum: DISABLED_REASONS,
    nullable: true,
    description:
      'Why the platform disabled it: "gone" (the receiver answered 410 Gone) or "failing" (no successful call for ENDPOINT_DISABLE_AFTER_SECONDS, ' +
      'every call failing). Null when enabled or disabled through the API. Each disable raises a webhook.endpoint.disabled event.',
  })
  disabledReason: DisabledReason | null;
  @ApiProperty() description: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) headers: Record<string, string>;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) metadata: Record<string, string>;
  @ApiProperty({ type: 'integer', nullable: true, description: 'Requests per second at most; null: no limit.' }) rateLimitPerSecond: number | null;
  @ApiProperty({ enum: ENDPOINT_ORDERINGS }) ordering: EndpointOrdering;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true, description: FILTER_DESCRIPTION }) filter: object | null;
  @ApiProperty({ description: 'Grows with every change; send it back as `If-Match` to update only the version you read (also the ETag).' })
  version: number;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}

export class EndpointWithSecretDto extends EndpointResponseDto {
  @ApiProperty({ example: 'whsec_...' }) secret: string;
}

export class EndpointPageDto {
  @ApiProperty({ type: [EndpointResponseDto] }) data: EndpointResponseDto[];
  @ApiProperty(PAGE_LINKS.nextCursor) nextCursor: string | null;
  @ApiProperty(PAGE_LINKS.prevCursor) prevCursor: string | null;
  @ApiProperty(PAGE_LINKS.hasMore) hasMore: boolean;
}

export class EndpointSecretDto {
  @ApiProperty({ example: 'whsec_...', description: 'The secret that signs deliveries now.' }) secret: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Until then the previous secret signs too (after a rotation).' })
  previousSecretExpiresAt: string | null;
}
