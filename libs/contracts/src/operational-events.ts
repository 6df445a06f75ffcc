import { createHash } from 'node:crypto';
import { DomainEvent } from './domain-event';
import { DisabledReason, Mode } from './modes';

// Operational events (SPEC §9): the platform's own events about an organization's endpoints, published on
// domain topics named as the type and delivered like any event. Renaming a type breaks subscriptions.
export const OperationalEventTypes = {
  endpointDisabled: 'webhook.endpoint.disabled',
  deliveryExhausted: 'webhook.delivery.exhausted',
} as const;

export type OperationalEventType = (typeof OperationalEventTypes)[keyof typeof OperationalEventTypes];

/** Reserved: `*` in an endpoint's event types does not include these, they are subscribed to by name. */
export const OPERATIONAL_EVENT_PREFIX = 'webhook.';

export function isOperationalEventType(type: string): boolean {
  return type.startsWith(OPERATIONAL_EVENT_PREFIX);
}

/** Catalog entries added by the migration that introduced them. */
export const OPERATIONAL_EVENT_CATALOG: ReadonlyArray<{ name: OperationalEventType; description: string }> = [
  {
    name: OperationalEventTypes.endpointDisabled,
    description: 'The platform disabled one of your endpoints (data: endpointId, url, reason "gone" or "failing"). Not included in "*".',
  },
  {
    name: OperationalEventTypes.deliveryExhausted,
    description:
      'A delivery failed its last attempt (data: deliveryId, eventId, eventType, endpointId, attempts, lastStatusCode). Not included in "*".',
  },
];

export interface EndpointDisabledData {
  endpointId: string;
  url: string;
  reason: DisabledReason;
}

export interface DeliveryExhaustedData {
  deliveryId: string;
  eventId: string;
  eventType: string;
  endpointId: string;
  attempts: number;
  lastStatusCode: number | null;
}

/**
 * The event id is derived from what the event is about, so publishing it again after a crash (the
 * outcome behind it is redone) is the same event, which the fan-out's event log then drops.
 */
function operationalEventId(organizationId: string, type: OperationalEventType, about: string): string {
  const digest = createHash('sha256').update(`${organizationId}\u0000${type}\u0000${about}`).digest('hex');
  return `evt_op_${digest.slice(0, 32)}`;
}

/** `version`: the endpoint's version after the disable, distinct for every disable of the same endpoint. */
export function endpointDisabledEvent(
  endpoint: { organizationId: string; mode: Mode; id: string; url: string; version: number },
  reason: EndpointDisabledData['reason'],
  occurredAt: Date,
): DomainEvent {
  const data: EndpointDisabledData = { endpointId: endpoint.id, url: endpoint.url, reason };
  return {
    id: operationalEventId(endpoint.organizationId, OperationalEventTypes.endpointDisabled, `${endpoint.id}\u0000${endpoint.version}`),
    type: OperationalEventTypes.endpointDisabled,
    organizationId: endpoint.organizationId,
    mode: endpoint.mode,
    occurredAt: occurredAt.toISOString(),
    data: { ...data },
  };
}

export function deliveryExhaustedEvent(organizationId: string, mode: Mode, data: DeliveryExhaustedData, occurredAt: Date): DomainEvent {
  return {
    id: operationalEventId(organizationId, OperationalEventTypes.deliveryExhausted, `${data.deliveryId}\u0000${data.attempts}`),
    type: OperationalEventTypes.deliveryExhausted,
    organizationId,
    mode,
    occurredAt: occurredAt.toISOString(),
    data: { ...data },
  };
}

/** The Kafka record of a domain event as producers publish it (SPEC §3): topic = type, key = organization. */
export function domainEventRecord(event: DomainEvent): { topic: string; message: { key: string; value: Buffer } } {
  return { topic: event.type, message: { key: event.organizationId, value: Buffer.from(JSON.stringify(event)) } };
}
