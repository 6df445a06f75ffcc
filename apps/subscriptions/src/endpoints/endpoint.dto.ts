import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  IsArray,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateBy,
  ValidationOptions,
} from 'class-validator';
import { EndpointStatus, ENDPOINT_STATUSES, Mode, MODES } from '@app/contracts';

const MAX_HEADERS = 20;
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/;
// Headers the signature or the transport own: a custom header must not override them.
const RESERVED_HEADERS = new Set(['content-type', 'content-length', 'host', 'user-agent', 'webhook-id', 'webhook-timestamp', 'webhook-signature', 'connection', 'transfer-encoding']);

/** A flat string-to-string map with bounded size, used for custom headers and metadata. */
function IsStringMap(options: { maxEntries: number; keyPattern?: RegExp; reserved?: Set<string> }, validationOptions?: ValidationOptions) {
  return ValidateBy(
    {
      name: 'isStringMap',
      validator: {
        validate(value: unknown): boolean {
          if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
          const entries = Object.entries(value);
          if (entries.length > options.maxEntries) return false;
          return entries.every(
            ([k, v]) =>
              typeof v === 'string' &&
              v.length <= 1000 &&
              !/[\r\n]/.test(v) &&
              k.length <= 100 &&
              (!options.keyPattern || options.keyPattern.test(k)) &&
              !options.reserved?.has(k.toLowerCase()),
          );
        },
        defaultMessage: (args) =>
          `${args?.property} must be an object of at most ${options.maxEntries} string values (keys up to 100 characters, values up to 1000${
            options.reserved ? ', valid header names, not one of ' + [...options.reserved].join(', ') : ''
          })`,
      },
    },
    validationOptions,
  );
}

export class CreateEndpointDto {
  @ApiProperty({ example: 'https://example.com/webhooks', maxLength: 2048 })
  @IsString()
  @MaxLength(2048)
  url: string;

  @ApiProperty({ enum: MODES })
  @IsIn(MODES)
  mode: Mode;

  @ApiPropertyOptional({ type: [String], example: ['order.new'], description: 'Absent or ["*"] means every event type.' })
  @IsOptional()
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @Matches(/^(\*|[a-z][a-z0-9_.-]{0,248})$/, { each: true, message: 'eventTypes must contain event type names or "*"' })
  eventTypes?: string[];

  @ApiPropertyOptional({ maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' }, description: `At most ${MAX_HEADERS} custom headers sent with every delivery.` })
  @IsOptional()
  @IsObject()
  @IsStringMap({ maxEntries: MAX_HEADERS, keyPattern: HEADER_NAME, reserved: RESERVED_HEADERS })
  headers?: Record<string, string>;

  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' } })
  @IsOptional()
  @IsObject()
  @IsStringMap({ maxEntries: 50 })
  metadata?: Record<string, string>;
}

export class EndpointResponseDto {
  @ApiProperty({ example: 'ep_01jd...' }) id: string;
  @ApiProperty() url: string;
  @ApiProperty({ enum: MODES }) mode: Mode;
  @ApiProperty({ type: [String] }) eventTypes: string[];
  @ApiProperty({ enum: ENDPOINT_STATUSES }) status: EndpointStatus;
  @ApiProperty() description: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) headers: Record<string, string>;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) metadata: Record<string, string>;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
}

export class EndpointWithSecretDto extends EndpointResponseDto {
  @ApiProperty({ example: 'whsec_...' }) secret: string;
}
