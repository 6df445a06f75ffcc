import { IsIn, isIn, IsISO8601, isISO8601, IsNotEmpty, isNotEmpty, IsObject, isObject, IsString, isString, Matches, matches, MaxLength, maxLength, validateSync } from 'class-validator';
import { EVENT_TYPE_NAME_PATTERN } from './event-types';
import { Mode, MODES } from './modes';

/** SPEC §3: the value producers publish on a domain topic (and the body receivers get). */
export class DomainEvent {
  @IsString()
  @IsNotEmpty()
  @MaxLength(255)
  id: string;

  @IsString()
  @Matches(EVENT_TYPE_NAME_PATTERN, { message: 'type must be an event type name such as order.new' })
  @MaxLength(249)
  type: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(255)
  organizationId: string;

  @IsIn(MODES)
  mode: Mode;

  @IsISO8601({ strict: true })
  occurredAt: string;

  @IsObject()
  data: Record<string, unknown>;
}

/**
 * The checks DomainEvent's decorators make, called directly (class-validator's own functions, the ones the
 * decorators call). `validateSync` looks up the class's metadata and builds an executor for every event, most of
 * its cost on the fan-out's hot path; it is run only for an event that fails here, to name what failed.
 */
export function meetsDomainEventContract(e: DomainEvent): boolean {
  return (
    isString(e.id) &&
    isNotEmpty(e.id) &&
    maxLength(e.id, 255) &&
    isString(e.type) &&
    matches(e.type, EVENT_TYPE_NAME_PATTERN) &&
    maxLength(e.type, 249) &&
    isString(e.organizationId) &&
    isNotEmpty(e.organizationId) &&
    maxLength(e.organizationId, 255) &&
    isIn(e.mode, MODES) &&
    isISO8601(e.occurredAt, { strict: true }) &&
    isObject(e.data)
  );
}

export type DecodedDomainEvent = { ok: true; event: DomainEvent } | { ok: false; reason: string };

const MAX_VALUE_BYTES = 1024 * 1024;
/**
 * Deepest JSON nesting accepted. Everything downstream that walks the value (JSON.stringify, PostgreSQL's
 * jsonb parser) recurses, so a hostile 100k-level value would overflow their stacks on every re-read.
 */
export const MAX_JSON_DEPTH = 128;
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const CONTRACT_FIELDS = ['id', 'type', 'organizationId', 'mode', 'occurredAt'] as const;

/** True when `text` (JSON or not) opens more than `max` arrays/objects inside each other. */
function nestedDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/**
 * What PostgreSQL cannot store or compare as sent: NUL, and a lone UTF-16 surrogate (stored as U+FFFD, so two
 * different ids would become one). In a `u` regex a surrogate pair is one code point: only lone ones match.
 */
const UNSTORABLE_CHARACTER = /[\u0000\uD800-\uDFFF]/u;

/**
 * Decodes one domain-topic value. Never throws: a broken message becomes a reason for the
 * quarantine topic, because one bad producer must not stop the consumer.
 */
export function decodeDomainEvent(topic: string, value: Buffer | null): DecodedDomainEvent {
  if (value === null || value.length === 0) return { ok: false, reason: 'empty value' };
  if (value.length > MAX_VALUE_BYTES) return { ok: false, reason: `value larger than ${MAX_VALUE_BYTES} bytes` };
  let text: string;
  try {
    // Not Buffer.toString: that would replace bad bytes with U+FFFD and deliver an event the producer never sent.
    text = STRICT_UTF8.decode(value);
  } catch {
    return { ok: false, reason: 'not valid JSON: the value is not valid UTF-8' };
  }
  if (nestedDeeperThan(text, MAX_JSON_DEPTH)) return { ok: false, reason: `JSON nested deeper than ${MAX_JSON_DEPTH} levels` };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return { ok: false, reason: `not valid JSON: ${(err as Error).message}` };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { ok: false, reason: 'value must be a JSON object' };
  }
  const fields = parsed as Record<string, unknown>;
  const data = fields.data;
  const dataIsObject = typeof data === 'object' && data !== null && !Array.isArray(data);
  // Only the contract's fields are validated, and `data` only for being an object: class-transformer would
  // recurse into it (stack overflow on deep values, a throw on a "constructor" key) and drop keys such as
  // "toString", changing what receivers get. `data` is passed on exactly as parsed.
  const event: DomainEvent = Object.assign(new DomainEvent(), {
    ...Object.fromEntries(CONTRACT_FIELDS.map((name) => [name, fields[name]])),
    data: dataIsObject ? {} : data,
  });
  const errors = meetsDomainEventContract(event) ? [] : validateSync(event, { forbidUnknownValues: true });
  if (errors.length > 0) {
    const reasons = errors.flatMap((e) => Object.values(e.constraints ?? { [e.property]: `${e.property} is invalid` }));
    return { ok: false, reason: reasons.join('; ') };
  }
  for (const name of ['id', 'organizationId'] as const) {
    if (UNSTORABLE_CHARACTER.test(event[name])) return { ok: false, reason: `${name} must be well-formed Unicode text without NUL characters` };
  }
  if (event.type !== topic) {
    return { ok: false, reason: `type ${event.type} does not match topic ${topic}` };
  }
  // The contract's fields in the contract's order: this object is what receivers get.
  event.data = data as Record<string, unknown>;
  return { ok: true, event };
}
