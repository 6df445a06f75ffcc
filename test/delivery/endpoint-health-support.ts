import { Producer } from 'kafkajs';
import { Webhook } from 'standardwebhooks';
import { createApiClient } from '@app/api-client';
import { PLATFORM_ADMIN_TOKEN } from '../support/stack';
import { ReceivedRequest } from '../support/test-receiver';

export interface Org {
  id: string;
  apiKey: string;
}

export interface Endpoint {
  id: string;
  secret: string;
  url: string;
}

export const OPERATIONAL = ['webhook.endpoint.disabled', 'webhook.delivery.exhausted'];

export async function newOrg(apiUrl: string, name: string): Promise<Org> {
  const { data, response } = await createApiClient(apiUrl, { token: PLATFORM_ADMIN_TOKEN }).POST('/v1/organizations', { body: { name } });
  expect(response.status).toBe(201);
  return data!;
}

export async function newEndpoint(apiUrl: string, org: Org, url: string, eventTypes: string[]): Promise<Endpoint> {
  const { data, response } = await createApiClient(apiUrl, { token: org.apiKey }).POST('/v1/endpoints', { body: { url, mode: 'live', eventTypes } });
  expect(response.status).toBe(201);
  return data!;
}

export async function publish(producer: Producer, org: Org, id: string, type = 'order.new'): Promise<void> {
  const event = { id, type, organizationId: org.id, mode: 'live', occurredAt: new Date().toISOString(), data: { n: id } };
  await producer.send({ topic: type, messages: [{ key: org.id, value: JSON.stringify(event) }] });
}

/** The event a receiver got, after checking its signature with the public standardwebhooks library. */
export function verified(request: ReceivedRequest, secret: string): { id: string; type: string; mode: string; organizationId: string; data: Record<string, unknown> } {
  return new Webhook(secret).verify(request.body, {
    'webhook-id': String(request.headers['webhook-id']),
    'webhook-timestamp': String(request.headers['webhook-timestamp']),
    'webhook-signature': String(request.headers['webhook-signature']),
  }) as ReturnType<typeof verified>;
}

export function eventId(request: ReceivedRequest): string {
  return (JSON.parse(request.body) as { id: string }).id;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
