import { validateSync } from 'class-validator';
import { decodeDomainEvent, DomainEvent, Mode, newId } from '@app/contracts';

/** What a Sourcehub service hands to `publishEvent`: the SPEC §3 envelope, `id` and `occurredAt` optional. */
export interface PublishEventInput {
  type: string;
  organizationId: string;
  mode: Mode;
  data: Record<string, unknown>;
  /** Unique per event; the same id published twice is one event (a retry of a publish keeps it). Default: a new `evt_` ULID. */
  id?: string;
  /** ISO-8601. Default: now. */
  occurredAt?: string;
}

/** An event refused before it reached Kafka; `field` names the part at fault (`data` for its content). */
export class InvalidEventError extends Error {
  readonly name = 'InvalidEventError';
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`invalid event: ${field}: ${reason}`);
  }
}

/** A failure found by an extra check (e.g. the type's JSON Schema from the catalog), or null. */
export interface EventCheckFailure {
  field: string;
  reason: string;
}

/**
 * An extra check run on every event after the contract's own, before anything is sent. The event
 * type's JSON Schema from the catalog plugs in here (SPEC §10); the library ships without one.
 */
export type EventCheck = (event: DomainEvent) => EventCheckFailure | null | Promise<EventCheckFailure | null>;

/** A record ready for the producer: topic = type, key = organization id (SPEC §3). */
export interface PreparedEvent {
  event: DomainEvent;
  topic: string;
  key: string;
  value: string;
}

const ENVELOPE_FIELDS = ['id', 'type', 'organizationId', 'mode', 'occurredAt', 'data'] as const;

/**
 * Fills the defaults and validates an event against the domain event contract, with the same class
 * and the same decoder the fan-out uses, so an event accepted here is never quarantined for its
 * envelope. Throws InvalidEventError naming the field. Pure: the caller passes the clock.
 */
export function prepareEvent(input: PublishEventInput, now: Date = new Date()): PreparedEvent {
  if (typeof input !== 'object' || input === null) throw new InvalidEventError('event', 'must be an object');
  const unknown = Object.keys(input).filter((k) => !(ENVELOPE_FIELDS as readonly string[]).includes(k));
  if (unknown.length > 0) throw new InvalidEventError(unknown[0], `is not a field of the event contract (${ENVELOPE_FIELDS.join(', ')}); put it in data`);
  const event = Object.assign(new DomainEvent(), {
    id: input.id ?? newId('evt'),
    type: input.type,
    organizationId: input.organizationId,
    mode: input.mode,
    occurredAt: input.occurredAt ?? now.toISOString(),
    data: input.data,
  });
  const data = event.data as unknown;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new InvalidEventError('data', 'must be a JSON object');
  // `data` is checked by the decoder below, not walked by class-validator (see decodeDomainEvent).
  const errors = validateSync(Object.assign(new DomainEvent(), { ...event, data: {} }), { forbidUnknownValues: true });
  if (errors.length > 0) {
    const first = errors[0];
    throw new InvalidEventError(first.property, Object.values(first.constraints ?? {}).join('; ') || 'is invalid');
  }
  let value: string;
  try {
    value = JSON.stringify({ id: event.id, type: event.type, organizationId: event.organizationId, mode: event.mode, occurredAt: event.occurredAt, data: event.data });
  } catch (err) {
    throw new InvalidEventError('data', `cannot be written as JSON: ${(err as Error).message}`);
  }
  // The fan-out's own decoder: size, depth, well-formed text: whatever it would quarantine is refused here.
  const decoded = decodeDomainEvent(event.type, Buffer.from(value, 'utf8'));
  if (!decoded.ok) throw new InvalidEventError(fieldOf(decoded.reason), decoded.reason);
  return { event, topic: event.type, key: event.organizationId, value };
}

/** The envelope field a decoder reason names first (they start with it), else the event as a whole. */
function fieldOf(reason: string): string {
  const named = ENVELOPE_FIELDS.find((f) => reason.startsWith(`${f} `));
  if (named) return named;
  return /nested|JSON|larger than/.test(reason) ? 'data' : 'event';
}
