import { StoredAttempt, StoredDelivery, StoredEvent } from '@app/persistence';
import { AttemptResponseDto, DeliveryResponseDto, EventResponseDto } from './history.dto';

export function toEventResponse(e: StoredEvent): EventResponseDto {
  return { id: e.id, type: e.type, mode: e.mode, occurredAt: e.occurredAt.toISOString(), receivedAt: e.receivedAt.toISOString(), data: e.data };
}

export function toDeliveryResponse(d: StoredDelivery): DeliveryResponseDto {
  return {
    id: d.id,
    eventId: d.eventId,
    eventType: d.eventType,
    endpointId: d.endpointId,
    status: d.status,
    attemptCount: d.attemptCount,
    lastAttemptAt: d.lastAttemptAt?.toISOString() ?? null,
    nextAttemptAt: d.nextAttemptAt?.toISOString() ?? null,
    statusReason: d.statusReason,
    createdAt: d.createdAt.toISOString(),
    updatedAt: d.updatedAt.toISOString(),
  };
}

export function toAttemptResponse(a: StoredAttempt): AttemptResponseDto {
  return {
    attemptNumber: a.attemptNumber,
    startedAt: a.startedAt.toISOString(),
    durationMs: a.durationMs,
    outcome: a.outcome,
    statusCode: a.statusCode,
    error: a.error,
    responseExcerpt: a.responseExcerpt,
    retryAfterSeconds: a.retryAfterSeconds,
  };
}
