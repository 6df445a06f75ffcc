import { createApiClient } from '@app/api-client';

// Shapes of the history API's answers, as the suites read them.

export interface EventBody {
  id: string;
  type: string;
  mode: 'live' | 'test';
  occurredAt: string;
  receivedAt: string;
  data: Record<string, unknown>;
}

export interface DeliveryBody {
  id: string;
  eventId: string;
  eventType: string | null;
  endpointId: string;
  status: 'pending' | 'succeeded' | 'failed' | 'discarded';
  attemptCount: number;
  lastAttemptAt: string | null;
  nextAttemptAt: string | null;
  statusReason: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface AttemptBody {
  attemptNumber: number;
  startedAt: string;
  durationMs: number;
  outcome: string;
  statusCode: number | null;
  error: string | null;
  responseExcerpt: string | null;
}

export interface ReplayBody {
  id: string;
  endpointId: string;
  from: string;
  to: string;
  status: 'running' | 'completed' | 'failed';
  total: number;
  published: number;
  error: string | null;
}

export interface PageBody<T> {
  data: T[];
  nextCursor: string | null;
}

/** A domain event as a producer publishes it (SPEC §3). */
export function domainEvent(organizationId: string, type: string, mode: 'live' | 'test', id: string, data: Record<string, unknown> = {}) {
  return { id, type, organizationId, mode, occurredAt: new Date().toISOString(), data };
}

/** The delivery of `eventId` to `endpointId` once it satisfies `done`. */
export async function deliveryOf(apiUrl: string, token: string, endpointId: string, eventId: string): Promise<DeliveryBody | undefined> {
  const { data } = await createApiClient(apiUrl, { token }).GET('/v1/endpoints/{id}/deliveries', { params: { path: { id: endpointId }, query: { limit: 100 } } });
  return data?.data.find((d) => d.eventId === eventId);
}
