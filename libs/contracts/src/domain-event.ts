import { plainToInstance } from 'class-transformer';
import { IsIn, IsISO8601, IsNotEmpty, IsObject, IsString, Matches, MaxLength, validateSync } from 'class-validator';
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

export type DecodedDomainEvent = { ok: true; event: DomainEvent } | { ok: false; reason: string };

const MAX_VALUE_BYTES = 1024 * 1024;

/**
 * Decodes one domain-topic value. Never throws: a broken message becomes a reason for the
 * quarantine topic, because one bad producer must not stop the consumer.
 */
export function decodeDomainEvent(topic: string, value: Buffer | null): DecodedDomainEvent {
  if (value === null || value.length === 0) return { ok: false, reason: 'empty value' };
  if (value.length > MAX_VALUE_BYTES) return { ok: false, reason: `value larger than ${MAX_VALUE_BYTES} bytes` };
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch (err) {
    return { ok: false, reason: `not valid JSON: ${(err as Error).message}` };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { ok: false, reason: 'value must be a JSON object' };
  }
  const event = plainToInstance(DomainEvent, parsed);
  const errors = validateSync(event, { forbidUnknownValues: true });
  if (errors.length > 0) {
    const reasons = errors.flatMap((e) => Object.values(e.constraints ?? { [e.property]: `${e.property} is invalid` }));
    return { ok: false, reason: reasons.join('; ') };
  }
  if (event.type !== topic) {
    return { ok: false, reason: `type ${event.type} does not match topic ${topic}` };
  }
  // Keep only the contract's fields, in the contract's order: this object is what receivers get.
  const clean: DomainEvent = Object.assign(new DomainEvent(), {
    id: event.id,
    type: event.type,
    organizationId: event.organizationId,
    mode: event.mode,
    occurredAt: event.occurredAt,
    data: event.data,
  });
  return { ok: true, event: clean };
}
