import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import axios, { AxiosError, type AxiosInstance } from 'axios';
import { ForbiddenAddressError, createGuardedLookup } from './guarded-lookup';
import { isAddressAllowed, type UrlPolicy } from './url-policy';

export type AttemptOutcome = 'success' | 'http_error' | 'timeout' | 'connection_error' | 'forbidden_address' | 'invalid_url';

export interface SendRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface SendResult {
  outcome: AttemptOutcome;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
  responseExcerpt: string | null;
}

export interface HttpSenderOptions {
  timeoutMs: number;
  policy: UrlPolicy;
  userAgent: string;
  maxResponseExcerptBytes?: number;
  maxSocketsPerHost?: number;
}

const DEFAULT_EXCERPT_BYTES = 1024;
const DEFAULT_MAX_SOCKETS_PER_HOST = 50;
const AXIOS_TIMEOUT_CODES: ReadonlySet<string> = new Set([AxiosError.ECONNABORTED, AxiosError.ETIMEDOUT]);

type Failure = Pick<SendResult, 'outcome' | 'error'>;

// Refusals decided from the URL alone, before any socket is opened.
function refuseBeforeConnect(raw: string, policy: UrlPolicy): Failure | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { outcome: 'invalid_url', error: 'not a valid absolute URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { outcome: 'invalid_url', error: `scheme ${url.protocol} is not allowed` };
  }
  // axios would turn these into an Authorization header the endpoint owner never configured.
  if (url.username !== '' || url.password !== '') {
    return { outcome: 'invalid_url', error: 'credentials in the URL are not allowed' };
  }
  // Node connects to literal IPs without calling `lookup`, so the guarded lookup never sees them.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (isIP(host) !== 0 && !isAddressAllowed(host, policy)) {
    return { outcome: 'forbidden_address', error: new ForbiddenAddressError(host, host).message };
  }
  return null;
}

function forbiddenCause(err: unknown): ForbiddenAddressError | null {
  for (let cause = err; cause instanceof Error; cause = cause.cause) {
    if (cause instanceof ForbiddenAddressError) {
      return cause;
    }
  }
  return null;
}

function statusFailure(status: number): Failure | null {
  if (status >= 200 && status < 300) {
    return null;
  }
  if (status >= 300 && status < 400) {
    return { outcome: 'http_error', error: `redirect ${status} not followed` };
  }
  return { outcome: 'http_error', error: `HTTP ${status}` };
}

// Takes the first bytes and hangs up: a receiver answering with a huge body must not cost memory or time.
async function readExcerpt(stream: Readable, maxBytes: number): Promise<string> {
  // A decoder holds back a trailing partial UTF-8 sequence instead of emitting a replacement character.
  const decoder = new StringDecoder('utf8');
  let text = '';
  let remaining = maxBytes;
  try {
    for await (const chunk of stream) {
      const bytes: Buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
      text += decoder.write(bytes.subarray(0, remaining));
      remaining -= Math.min(bytes.length, remaining);
      if (remaining === 0) {
        break;
      }
    }
  } finally {
    stream.destroy();
  }
  return text;
}

export class WebhookHttpSender {
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;
  private readonly client: AxiosInstance;
  private readonly excerptBytes: number;

  constructor(private readonly opts: HttpSenderOptions) {
    const agentOptions = {
      keepAlive: true,
      maxSockets: opts.maxSocketsPerHost ?? DEFAULT_MAX_SOCKETS_PER_HOST,
      lookup: createGuardedLookup(opts.policy),
    };
    this.httpAgent = new http.Agent(agentOptions);
    this.httpsAgent = new https.Agent(agentOptions);
    this.excerptBytes = opts.maxResponseExcerptBytes ?? DEFAULT_EXCERPT_BYTES;
    this.client = axios.create({
      httpAgent: this.httpAgent,
      httpsAgent: this.httpsAgent,
      // An env HTTP(S)_PROXY would make the socket go to the proxy, bypassing the guarded lookup entirely.
      proxy: false,
      maxRedirects: 0,
      // Status codes are classified here, never thrown.
      validateStatus: null,
      responseType: 'stream',
      // axios's default JSON transform trims string bodies, which would break the signature over the exact bytes.
      transformRequest: [(data: string) => data],
    });
  }

  async send(req: SendRequest): Promise<SendResult> {
    const startedAt = performance.now();
    const finish = (statusCode: number | null, failure: Failure | null, responseExcerpt: string | null): SendResult => ({
      outcome: failure?.outcome ?? 'success',
      statusCode,
      durationMs: Math.round(performance.now() - startedAt),
      error: failure?.error ?? null,
      responseExcerpt,
    });

    const refused = refuseBeforeConnect(req.url, this.opts.policy);
    if (refused) {
      return finish(null, refused, null);
    }

    // axios's timeout is wall-clock only until the headers, then an idle timer: a body trickled a byte at a time
    // would never trip it. One deadline here covers connect, headers and body.
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.opts.timeoutMs);
    let statusCode: number | null = null;
    try {
      const response = await this.client.post<Readable>(req.url, req.body, {
        headers: { ...req.headers, 'Content-Type': 'application/json', 'User-Agent': this.opts.userAgent },
        timeout: this.opts.timeoutMs,
        signal: controller.signal,
      });
      statusCode = response.status;
      const body = response.data;
      const onAbort = (): void => {
        body.destroy();
      };
      controller.signal.addEventListener('abort', onAbort, { once: true });
      const excerpt = await readExcerpt(body, this.excerptBytes).finally(() =>
        controller.signal.removeEventListener('abort', onAbort),
      );
      if (timedOut) {
        return finish(statusCode, this.timeoutFailure(), excerpt);
      }
      return finish(statusCode, statusFailure(statusCode), excerpt);
    } catch (err: unknown) {
      return finish(statusCode, this.errorFailure(err, timedOut), null);
    } finally {
      clearTimeout(timer);
    }
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  private timeoutFailure(): Failure {
    return { outcome: 'timeout', error: `timeout after ${this.opts.timeoutMs} ms` };
  }

  private errorFailure(err: unknown, timedOut: boolean): Failure {
    const code = err instanceof AxiosError ? err.code : undefined;
    if (timedOut || (code !== undefined && AXIOS_TIMEOUT_CODES.has(code))) {
      return this.timeoutFailure();
    }
    const forbidden = forbiddenCause(err);
    if (forbidden) {
      return { outcome: 'forbidden_address', error: forbidden.message };
    }
    const message = err instanceof Error ? err.message : String(err);
    return { outcome: 'connection_error', error: code ?? (message || 'connection failed') };
  }
}
