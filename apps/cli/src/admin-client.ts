import type { ListenOutcome } from '@app/contracts';

/** A failure the CLI explains in one line and exits on. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}

export interface ListenSession {
  id: string;
  secret: string;
  mode: 'test';
  eventTypes: string[];
  expiresAt: string;
}

export interface TriggeredEvent {
  eventId: string;
  type: string;
  mode: 'test';
  data: Record<string, unknown>;
}

export interface ListenAnswer {
  requestId: string;
  outcome: ListenOutcome;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
  responseExcerpt: string | null;
}

/** The admin API calls the terminal command makes (operation ids from /openapi.json in comments). */
export class AdminClient {
  constructor(
    readonly baseUrl: string,
    private readonly apiKey: string,
  ) {}

  /** createListenSession */
  createSession(body: { forwardTo: string; eventTypes?: string[] }): Promise<ListenSession> {
    return this.call<ListenSession>('POST', '/v1/listen/sessions', body);
  }

  /** deleteListenSession; a session already gone counts as deleted. */
  async deleteSession(id: string): Promise<void> {
    await this.call('DELETE', `/v1/listen/sessions/${id}`, undefined, [404]);
  }

  /** answerListenDelivery */
  async answer(sessionId: string, answer: ListenAnswer): Promise<void> {
    await this.call('POST', `/v1/listen/sessions/${sessionId}/answers`, answer);
  }

  /** triggerTestEvent */
  trigger(body: { type: string; data?: Record<string, unknown> }): Promise<TriggeredEvent> {
    return this.call<TriggeredEvent>('POST', '/v1/listen/events', body);
  }

  /** streamListenSession: the open response, for the caller to read as server-sent events. */
  async openStream(sessionId: string, signal: AbortSignal): Promise<Response> {
    const res = await this.fetch(`/v1/listen/sessions/${sessionId}/stream`, { method: 'GET', headers: { ...this.auth(), accept: 'text/event-stream' }, signal });
    if (!res.ok) throw await this.refusal(res);
    return res;
  }

  private auth(): Record<string, string> {
    return { authorization: `Bearer ${this.apiKey}` };
  }

  private async call<T>(method: string, path: string, body: unknown, alsoFine: number[] = []): Promise<T> {
    const res = await this.fetch(path, {
      method,
      headers: { ...this.auth(), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok && !alsoFine.includes(res.status)) throw await this.refusal(res);
    const text = await res.text();
    return (text && res.ok ? JSON.parse(text) : null) as T;
  }

  private async fetch(path: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(`${this.baseUrl}${path}`, { ...init, redirect: 'manual' });
    } catch (err) {
      if ((err as Error).name === 'AbortError') throw err;
      throw new CliError(`cannot reach the admin API at ${this.baseUrl} (${networkReason(err)}); is it running? (npm start, or --api <url>)`);
    }
  }

  private async refusal(res: Response): Promise<CliError> {
    const text = await res.text().catch(() => '');
    let message = text.slice(0, 300);
    try {
      const parsed = JSON.parse(text) as { message?: string | string[] };
      if (parsed.message) message = Array.isArray(parsed.message) ? parsed.message.join('; ') : parsed.message;
    } catch {
      /* not JSON: the text as it came */
    }
    if (res.status === 401) return new CliError(`the admin API refused the API key (401: ${message}); pass an organization's key with --key`);
    if (res.status === 429) return new CliError(`the admin API is rate limiting this key (429); wait a minute and try again`);
    return new CliError(`the admin API answered ${res.status}: ${message}`);
  }
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
