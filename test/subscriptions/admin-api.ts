import { createApiClient } from '@app/api-client';
import { api, PLATFORM_ADMIN_TOKEN, query } from '../support/stack';

// Helpers for the admin API suites: one place for the calls every suite makes, through the typed
// client generated from the served OpenAPI document (libs/api-client), so a helper that no longer
// matches the API fails the type check.

export interface Org {
  id: string;
  apiKey: string;
}

export interface EndpointBody {
  id: string;
  url: string;
  mode: 'live' | 'test';
  eventTypes: string[];
  status: 'enabled' | 'disabled';
  description: string;
  headers: Record<string, string>;
  metadata: Record<string, string>;
  version: number;
  createdAt: string;
  updatedAt: string;
  secret?: string;
}

export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string[];
  code: string;
  param?: string;
}

/** A receiver address that is never called: these suites run the admin API only. */
export const LOOPBACK_URL = 'http://127.0.0.1:9/webhooks';

export async function createOrg(apiUrl: string, name: string): Promise<Org> {
  const { data, error, response } = await createApiClient(apiUrl, { token: PLATFORM_ADMIN_TOKEN }).POST('/v1/organizations', { body: { name } });
  if (response.status !== 201 || !data) throw new Error(`creating organization ${name} answered ${response.status}: ${JSON.stringify(error)}`);
  return data;
}

/** An endpoint of `org` (a test-mode one at LOOPBACK_URL unless `body` says otherwise). */
export async function createEndpoint(apiUrl: string, org: Org, body: Record<string, unknown> = {}): Promise<EndpointBody> {
  const { data, error, response } = await createApiClient(apiUrl, { token: org.apiKey }).POST('/v1/endpoints', {
    // Suites pass fields as they test them (a value out of the schema's range, say): the API judges them.
    body: { url: LOOPBACK_URL, mode: 'test', ...body },
  });
  if (response.status !== 201 || !data) throw new Error(`creating an endpoint answered ${response.status}: ${JSON.stringify(error)}`);
  return data;
}

// Every table that holds an organization's data.
const TENANT_TABLES = ['organizations', 'api_keys', 'endpoints', 'events', 'deliveries', 'attempts', 'replay_jobs'];

/** Everything stored for one organization, table by table: compared before and after a refused call. */
export async function storedState(organizationId: string): Promise<Record<string, unknown[]>> {
  const tables = await Promise.all(
    TENANT_TABLES.map(async (table) => {
      const owner = table === 'organizations' ? 'id' : 'organization_id';
      return [table, await query(`SELECT * FROM ${table} t WHERE ${owner} = $1 ORDER BY t::text`, [organizationId])] as const;
    }),
  );
  return Object.fromEntries(tables);
}

/** Follows nextCursor to the end and returns every item. */
export async function listAll<T>(apiUrl: string, token: string, path: string, limit: number, between: () => Promise<void> = async () => undefined): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  const separator = path.includes('?') ? '&' : '?';
  do {
    const page: { status: number; body: { data: T[]; nextCursor: string | null } } = await api(
      apiUrl,
      'GET',
      `${path}${separator}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`,
      { token },
    );
    if (page.status !== 200) throw new Error(`listing ${path} answered ${page.status}: ${JSON.stringify(page.body)}`);
    expect(page.body.data.length).toBeLessThanOrEqual(limit);
    items.push(...page.body.data);
    cursor = page.body.nextCursor;
    await between();
  } while (cursor);
  return items;
}
