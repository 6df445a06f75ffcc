import createClient, { type Client } from 'openapi-fetch';
import type { components, operations, paths } from './schema';

/**
 * The typed client of the admin API, generated from the document the service serves at /openapi.json
 * (`npm run api-client` regenerates `schema.ts` and `openapi.json`; `npm test` fails when they are not
 * current). Calls are checked against the document at compile time: paths, parameters, bodies and
 * answers, e.g. `client.POST('/v1/endpoints', { body: { url, mode: 'test' } })`.
 */
export type { components, operations, paths };
export type ApiClient = Client<paths>;
/** The body of every error answer: `code` for programs, `message` for people, `param` names the field at fault. */
export type ApiErrorBody = components['schemas']['Error'];
export type ErrorCode = ApiErrorBody['code'];

export interface ApiClientOptions {
  /** An organization's API key (shk_...) or the platform token. */
  token?: string;
  /** Headers sent with every call. */
  headers?: Record<string, string>;
  /** A fetch to call through (tests, proxies); the global one by default. */
  fetch?: typeof globalThis.fetch;
}

export function createApiClient(baseUrl: string, options: ApiClientOptions = {}): ApiClient {
  return createClient<paths>({
    baseUrl,
    headers: { ...(options.token ? { authorization: `Bearer ${options.token}` } : {}), ...options.headers },
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}
