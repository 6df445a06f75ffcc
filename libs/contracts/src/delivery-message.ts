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
  /**
   * The endpoint's partition of the deliveries topic, chosen when the endpoint was created and stored with it.
   * Every message of the endpoint (first attempts, retry tiers, dead letters, resends, replays) is written to
   * this partition number, so its order holds and partitions can be added without moving it. Absent on
   * messages written before partitions were stored: those go by the hash of the key, as they always did.
   */
  partition?: number;
  /**
   * On first deliveries only (written by the fan-out; a retry drops it): the domain record's Kafka timestamp and
   * when the fan-out was handed it, epoch ms, for the latency budget (`webhooks_pipeline_stage_seconds`).
   */
  stages?: DeliveryStages;
}

export interface DeliveryStages {
  publishedAt: number;
  fanoutReadAt: number;
}

/** The Kafka record of a delivery message: keyed by endpoint, on the endpoint's partition when it has one. */
export function deliveryRecord(message: DeliveryMessage, value: Buffer = encodeDeliveryMessage(message)): { key: string; value: Buffer; partition?: number } {
  return message.partition === undefined ? { key: message.endpointId, value } : { key: message.endpointId, value, partition: message.partition };
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
  if (message.partition !== undefined && !(Number.isInteger(message.partition) && message.partition >= 0)) {
    throw new Error(`delivery message with an invalid partition ${JSON.stringify(message.partition)}`);
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
