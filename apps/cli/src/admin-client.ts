import { ApiClient, ApiErrorBody, components, createApiClient } from '@app/api-client';
import type { ListenOutcome } from '@app/contracts';

/** How long a single admin call may take: a call that hangs must not keep the command (or its Ctrl-C) waiting. */
const CALL_TIMEOUT_MS = 15_000;
const deadline = () => AbortSignal.timeout(CALL_TIMEOUT_MS);

/** A failure the CLI explains in one line and exits on. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}

/** The shapes of the admin API, from the client generated from its OpenAPI document. */
export type ListenSession = components['schemas']['ListenSessionDto'];
export type TriggeredEvent = components['schemas']['TriggeredEventDto'];
export type ListenAnswer = components['schemas']['ListenAnswerDto'] & { outcome: ListenOutcome };

/**
 * The admin API calls the terminal command makes, through the typed client (@app/api-client):
 * paths, bodies and answers are checked against the served document at compile time.
 */
export class AdminClient {
  private readonly api: ApiClient;

  constructor(
    readonly baseUrl: string,
    apiKey: string,
  ) {
    // Redirects are not followed: the key goes to the URL given, nowhere else.
    this.api = createApiClient(baseUrl, { token: apiKey, fetch: (input, init) => this.fetch(input, init) });
  }

  /** createListenSession */
  async createSession(body: { forwardTo: string; eventTypes?: string[] }): Promise<ListenSession> {
    return this.ok(await this.api.POST('/v1/listen/sessions', { body, signal: deadline() }));
  }

  /** deleteListenSession; a session already gone counts as deleted. */
  async deleteSession(id: string): Promise<void> {
    const answer = await this.api.DELETE('/v1/listen/sessions/{id}', { params: { path: { id } }, signal: deadline() });
    if (answer.response.status !== 404) this.ok(answer);
  }

  /** answerListenDelivery */
  async answer(sessionId: string, answer: ListenAnswer): Promise<void> {
    this.ok(await this.api.POST('/v1/listen/sessions/{id}/answers', { params: { path: { id: sessionId } }, body: answer, signal: deadline() }));
  }

  /** triggerTestEvent */
  async trigger(body: { type: string; data?: Record<string, unknown> }): Promise<TriggeredEvent> {
    return this.ok(await this.api.POST('/v1/listen/events', { body, signal: deadline() }));
  }

  /** streamListenSession: the open response, for the caller to read as server-sent events. */
  async openStream(sessionId: string, signal: AbortSignal): Promise<Response> {
    const { response, error } = await this.api.GET('/v1/listen/sessions/{id}/stream', {
      params: { path: { id: sessionId } },
      headers: { accept: 'text/event-stream' },
      parseAs: 'stream',
      signal,
    });
    if (!response.ok) throw refusal(response.status, error);
    return response;
  }

  /** The answer's data, or the CliError that explains its error body. */
  private ok<T>(answer: { data?: T; error?: unknown; response: Response }): T {
    if (!answer.response.ok) throw refusal(answer.response.status, answer.error);
    return answer.data as T;
  }

  private async fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    try {
      return await fetch(input, { ...init, redirect: 'manual' });
    } catch (err) {
      if ((err as Error).name === 'AbortError') throw err;
      if ((err as Error).name === 'TimeoutError') throw new CliError(`the admin API at ${this.baseUrl} did not answer within ${CALL_TIMEOUT_MS / 1000} s; try again, or check its logs`);
      throw new CliError(`cannot reach the admin API at ${this.baseUrl} (${networkReason(err)}); is it running? (npm start, or --api <url>)`);
    }
  }
}

/** One line for an error answer: its messages, and what to do about the usual ones. */
function refusal(status: number, error: unknown): CliError {
  const body = (error ?? {}) as Partial<ApiErrorBody> | string;
  const message = typeof body === 'string' ? body.slice(0, 300) : Array.isArray(body.message) ? body.message.join('; ') : '';
  if (status === 401) return new CliError(`the admin API refused the API key (401: ${message}); pass an organization's key with --key`);
  if (status === 429) return new CliError(`the admin API is rate limiting this key (429); wait a minute and try again`);
  const code = typeof body === 'object' && body.code ? ` (${body.code}${body.param ? `, ${body.param}` : ''})` : '';
  return new CliError(`the admin API answered ${status}: ${message}${code}`);
}

/** The most telling code of a fetch failure ("ECONNREFUSED"), which undici hides in `cause`. */
export function networkReason(err: unknown): string {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code) return code;
    if (e.cause === undefined) return e.message;
  }
  return String(err);
}
