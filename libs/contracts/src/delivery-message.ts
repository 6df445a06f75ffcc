import { DomainEvent } from './domain-event';

/**
 * The value on the deliveries topic and its retry tiers (key = endpoint id).
 * It carries the (immutable) event so the hot path needs no database read for the body;
 * the endpoint's URL, secrets and status are looked up at attempt time, so a change or a
 * disable takes effect on pending deliveries too.
 */
export interface DeliveryMessage {
  deliveryId: string;
  organizationId: string;
  endpointId: string;
  /** The attempt this message asks for, starting at 1. */
  attempt: number;
  event: DomainEvent;
  /** Why the delivery exists: the normal flow, a manual resend, a replay or a test event. */
  trigger: 'event' | 'resend' | 'replay' | 'test';
  /** The admin API request behind a resend, replay or test event, for the delivery's logs; kept on its retries. */
  requestId?: string;
}

export function encodeDeliveryMessage(message: DeliveryMessage): Buffer {
  return Buffer.from(JSON.stringify(message));
}

/** Only our own services write these topics, so a parse failure is a bug worth surfacing loudly. */
export function decodeDeliveryMessage(value: Buffer | null): DeliveryMessage {
  if (!value) throw new Error('delivery message without a value');
  const message = JSON.parse(value.toString('utf8')) as DeliveryMessage;
  if (typeof message.deliveryId !== 'string' || typeof message.endpointId !== 'string' || !message.event) {
    throw new Error('delivery message missing deliveryId, endpointId or event');
  }
  return message;
}

/** The exact bytes POSTed: the event's contract fields and nothing else. */
export function webhookBody(event: DomainEvent): string {
  return JSON.stringify({
    id: event.id,
    type: event.type,
    organizationId: event.organizationId,
    mode: event.mode,
    occurredAt: event.occurredAt,
    data: event.data,
  });
}
