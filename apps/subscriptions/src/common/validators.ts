import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiPropertyOptions } from '@nestjs/swagger';
import { isISO8601, IsString, Matches, MaxLength, ValidateBy, ValidateIf, ValidationOptions } from 'class-validator';

export type Presence = 'required' | 'optional';

/**
 * One body field: its OpenAPI description and its validators from the same place, so the document
 * cannot drift from what is enforced. "optional" means "may be absent", not "may be null": a null
 * would otherwise skip validation and reach a NOT NULL column.
 */
export function Field(presence: Presence, api: ApiPropertyOptions, ...validators: PropertyDecorator[]): PropertyDecorator {
  return applyDecorators(
    presence === 'required' ? ApiProperty(api) : ApiPropertyOptional(api),
    ...(presence === 'optional' ? [ValidateIf((_object: object, value: unknown) => value !== undefined)] : []),
    ...validators,
  );
}

// PostgreSQL refuses NUL in text and jsonb: caught here it is a 400, not a 500 from the database.
const NO_NUL = /^[^\u0000]*$/;

/** A string of at most `max` characters that PostgreSQL can store. */
export function BoundedText(max: number): PropertyDecorator {
  return applyDecorators(
    IsString(),
    MaxLength(max),
    Matches(NO_NUL, { message: ({ property }) => `${property} must not contain NUL characters` }),
  );
}

/**
 * An ISO 8601 date-time the service can compute with. The ISO validator alone also passes week and
 * ordinal dates (`2026-W48-6`, `2026-332`) and basic format (`20261128T100000Z`), which JavaScript's
 * Date cannot read: they would reach the database as an invalid date (a 500).
 */
export function IsDateTime(field: string, example: string): PropertyDecorator {
  return ValidateBy({
    name: 'isDateTime',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && isISO8601(value, { strict: true }) && !Number.isNaN(Date.parse(value)),
      defaultMessage: () => `${field} must be an ISO 8601 date-time such as ${example}`,
    },
  });
}

export interface StringMapRules {
  maxEntries: number;
  maxKeyLength: number;
  maxValueLength: number;
  keyPattern?: RegExp;
  /** Keys refused whatever their case. */
  reserved?: ReadonlySet<string>;
  /** Values must fit on one line (they become HTTP header values). */
  singleLine?: boolean;
}

function isStringMap(value: unknown, rules: StringMapRules): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const entries = Object.entries(value);
  return (
    entries.length <= rules.maxEntries &&
    entries.every(
      ([k, v]) =>
        typeof v === 'string' &&
        v.length <= rules.maxValueLength &&
        NO_NUL.test(v) &&
        !(rules.singleLine && /[\r\n]/.test(v)) &&
        k.length <= rules.maxKeyLength &&
        NO_NUL.test(k) &&
        (!rules.keyPattern || rules.keyPattern.test(k)) &&
        !rules.reserved?.has(k.toLowerCase()),
    )
  );
}

/** A flat string-to-string object of bounded size, used for custom headers and metadata. */
export function IsStringMap(rules: StringMapRules, validationOptions?: ValidationOptions): PropertyDecorator {
  const reserved = rules.reserved ? `, not one of ${[...rules.reserved].join(', ')}` : '';
  const pattern = rules.keyPattern ? ', keys valid names' : '';
  return ValidateBy(
    {
      name: 'isStringMap',
      validator: {
        validate: (value: unknown) => isStringMap(value, rules),
        defaultMessage: (args) =>
          `${args?.property} must be an object of at most ${rules.maxEntries} string values ` +
          `(keys up to ${rules.maxKeyLength} characters${pattern}, values up to ${rules.maxValueLength}${rules.singleLine ? ' on one line' : ''}${reserved})`,
      },
    },
    validationOptions,
  );
}
