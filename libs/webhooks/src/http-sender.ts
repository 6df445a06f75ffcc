import { isIP } from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import type { Socket } from 'node:net';
import { Agent, buildConnector, Dispatcher, errors as undiciErrors } from 'undici';
import { ForbiddenAddressError, createGuardedLookup } from './guarded-lookup';
import { systemResolver, type HostResolver } from './host-resolver';
import { isAddressAllowed, type UrlPolicy } from './url-policy';
import { RETRY_AFTER_STATUSES } from './retry-after';

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
  /** The `Retry-After` header of a 429 or 503 answer, as sent (null otherwise). */
  retryAfter: string | null;
}

export interface HttpSenderOptions {
  timeoutMs: number;
  policy: UrlPolicy;
  userAgent: string;
  maxResponseExcerptBytes?: number;
  maxSocketsPerHost?: number;
  /** Where host names are resolved (DNS_SERVERS); the system resolver by default. */
  resolve?: HostResolver;
}

const DEFAULT_EXCERPT_BYTES = 1024;
/** An error text comes from the network stack and may quote what the receiver sent: kept short in the attempt log. */
const MAX_ERROR_CHARS = 500;
const DEFAULT_MAX_SOCKETS_PER_HOST = 50;
const TIMEOUT_CODES: ReadonlySet<string> = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ABORT_ERR']);

type Failure = Pick<SendResult, 'outcome' | 'error'>;

/** Where a checked URL is posted: undici's dispatch takes the origin and the path apart. */
interface Target {
  origin: string;
  path: string;
}

/** What came back from one POST, before it is judged. */
interface RawAnswer {
  statusCode: number | null;
  retryAfter: string | null;
  excerpt: string | null;
  error: unknown;
  timedOut: boolean;
}

function toTarget(raw: string): Target {
  const url = new URL(raw);
  return { origin: url.origin, path: `${url.pathname}${url.search}` };
}

/** Largest piece of a socket read handed to undici's parser at once (see sliceReads). */
const MAX_PARSE_CHUNK_BYTES = 1024;

/**
 * undici (7.x) notices a response's headers passing maxHeaderSize and destroys the socket, but lets its parser
 * finish the buffer in hand, building a new HeadersOverflowError (with a stack trace) for every further header in
 * it: a receiver answering 10,000 short headers cost ~170 ms of CPU per call, so ten at once stalled the event
 * loop past every other delivery's deadline. undici pulls with `socket.read()`, which hands over everything
 * buffered (even after a destroy); handing over small pieces, and nothing once destroyed, the parser stops
 * within one piece of the overflow. Webhook answers are small, so the common case is unchanged.
 */
function sliceReads(socket: Socket): void {
  const read = socket.read.bind(socket);
  socket.read = (size?: number): unknown => {
    // A destroyed socket still hands out what it had buffered: nothing of it is wanted.
    if (socket.destroyed) return null;
    if (size !== undefined) return read(size);
    return socket.readableLength > MAX_PARSE_CHUNK_BYTES ? read(MAX_PARSE_CHUNK_BYTES) : read();
  };
}

/**
 * PostgreSQL text cannot hold NUL: one in a receiver's answer would make the attempt unstorable, and the
 * chunk holding it (with other endpoints' deliveries) would be retried forever.
 */
function storableText(text: string, maxChars: number = Number.MAX_SAFE_INTEGER): string {
  const cut = text.length > maxChars ? `${text.slice(0, maxChars)}…` : text;
  return cut.replace(/\u0000/g, '\uFFFD');
}

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
  // An HTTP client would turn these into an Authorization header the endpoint owner never configured.
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
/**
 * POSTs one signed webhook. Built on undici rather than axios for CPU per request (decision 0006,
 * bench/http-client.bench.ts). undici also ignores HTTP(S)_PROXY and follows no redirects unless
 * asked, which is what an SSRF-safe sender wants.
 */
export class WebhookHttpSender {
  private readonly dispatcher: Agent;
  private readonly excerptBytes: number;
  /** URL checks and parsing are pure but not free; the same endpoint URL recurs on every delivery. */
  private readonly targets = new Map<string, Target | Failure>();

  constructor(private readonly opts: HttpSenderOptions) {
    // The check runs on the answer the socket connects to (DNS rebinding safe).
    const connectGuarded = buildConnector({ lookup: createGuardedLookup(opts.policy, opts.resolve ?? systemResolver), timeout: opts.timeoutMs });
    this.dispatcher = new Agent({
      connections: opts.maxSocketsPerHost ?? DEFAULT_MAX_SOCKETS_PER_HOST,
      keepAliveTimeout: 30_000,
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
      connect: (options, callback) =>
        connectGuarded(options, (err, socket) => {
          if (socket) sliceReads(socket);
          (callback as (err: Error | null, socket: Socket | null) => void)(err, socket);
        }),
    });
    this.excerptBytes = opts.maxResponseExcerptBytes ?? DEFAULT_EXCERPT_BYTES;
  }

  async send(req: SendRequest): Promise<SendResult> {
    const startedAt = performance.now();
    const finish = (statusCode: number | null, failure: Failure | null, responseExcerpt: string | null, retryAfter: string | null = null): SendResult => ({
      outcome: failure?.outcome ?? 'success',
      statusCode,
      durationMs: Math.round(performance.now() - startedAt),
      error: failure?.error ?? null,
      responseExcerpt,
      retryAfter,
    });

    let target = this.targets.get(req.url);
    if (target === undefined) {
      target = refuseBeforeConnect(req.url, this.opts.policy) ?? toTarget(req.url);
      if (this.targets.size >= 10_000) this.targets.clear();
      this.targets.set(req.url, target);
    }
    if ('outcome' in target) {
      return finish(null, target, null);
    }

    const answer = await this.post(target, { ...req.headers, 'content-type': 'application/json', 'user-agent': this.opts.userAgent }, req.body);
    if (answer.timedOut) return finish(answer.statusCode, this.timeoutFailure(), null);
    if (answer.error !== null) return finish(answer.statusCode, this.errorFailure(answer.error), null);
    return finish(answer.statusCode, statusFailure(answer.statusCode as number), answer.excerpt, answer.retryAfter);
  }

  /**
   * One POST through undici's dispatcher with a handler of our own rather than `request()`: no
   * AbortSignal, response stream or async iteration per call, the larger part of the sender's CPU
   * per request (decision 0006). Settles once: on the
   * deadline, on an error, on the end of the answer, or as soon as the excerpt is full (the rest
   * of the answer is not read: the request is aborted and its socket closed).
   */
  private post(target: Target, headers: Record<string, string>, body: string): Promise<RawAnswer> {
    return new Promise<RawAnswer>((resolve) => {
      let controller: Dispatcher.DispatchController | null = null;
      let statusCode: number | null = null;
      let retryAfter: string | null = null;
      let excerpt = '';
      let remaining = this.excerptBytes;
      const decoder = new StringDecoder('utf8');
      let settled = false;
      const settle = (answer: Omit<RawAnswer, 'statusCode' | 'retryAfter'>): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ statusCode, retryAfter, ...answer });
      };
      const giveUp = (why: string): void => controller?.abort(new undiciErrors.RequestAbortedError(why));
      // undici's own timeouts are per phase (and the body one is an idle timer): a body trickled a byte at a time
      // would never trip them. One deadline here covers connect, headers and body.
      const timer = setTimeout(() => {
        settle({ excerpt: null, error: null, timedOut: true });
        giveUp('delivery deadline passed');
      }, this.opts.timeoutMs);

      const handler: Dispatcher.DispatchHandler = {
        onRequestStart: (c) => {
          controller = c;
          // Still queued for a connection when the deadline passed: it must not go out later.
          if (settled) giveUp('delivery deadline passed');
        },
        onResponseStart: (_c, status, headers) => {
          statusCode = status;
          if (RETRY_AFTER_STATUSES.has(status)) {
            const value = headers['retry-after'];
            // Bounded: the value is stored with the attempt only as the seconds it means, but must not cost memory.
            retryAfter = typeof value === 'string' ? value.slice(0, 100) : null;
          }
        },
        onResponseData: (_c, chunk) => {
          if (settled) return;
          excerpt += decoder.write(chunk.subarray(0, remaining));
          remaining -= Math.min(chunk.length, remaining);
          if (remaining === 0) {
            settle({ excerpt: storableText(excerpt), error: null, timedOut: false });
            giveUp('response excerpt complete');
          }
        },
        onResponseEnd: () => settle({ excerpt: storableText(excerpt), error: null, timedOut: false }),
        onResponseError: (_c, err) => settle({ excerpt: null, error: err, timedOut: false }),
      };
      try {
        // The exact string that was signed, sent as is.
        this.dispatcher.dispatch({ origin: target.origin, path: target.path, method: 'POST', headers, body }, handler);
      } catch (err) {
        settle({ excerpt: null, error: err, timedOut: false });
      }
    });
  }

  close(): void {
    void this.dispatcher.destroy();
  }

  private timeoutFailure(): Failure {
    return { outcome: 'timeout', error: `timeout after ${this.opts.timeoutMs} ms` };
  }

  private errorFailure(err: unknown): Failure {
    const code = errorCode(err);
    if ((code !== undefined && TIMEOUT_CODES.has(code)) || err instanceof undiciErrors.RequestAbortedError) {
      return this.timeoutFailure();
    }
    const forbidden = forbiddenCause(err);
    if (forbidden) {
      return { outcome: 'forbidden_address', error: forbidden.message };
    }
    const message = err instanceof Error ? err.message : String(err);
    return { outcome: 'connection_error', error: storableText(code ?? (message || 'connection failed'), MAX_ERROR_CHARS) };
  }
}

/**
 * The most specific error code on an error, its causes, or the attempts of an AggregateError
 * (Node's happy-eyeballs connect reports one error per address tried).
 */
function errorCode(err: unknown): string | undefined {
  // Duck-typed, not `instanceof Error`: errors raised inside Node's socket layer may come from another realm.
  type ErrorLike = { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  for (let e = err as ErrorLike | undefined; e && typeof e === 'object'; e = e.cause as ErrorLike | undefined) {
    if (typeof e.code === 'string' && e.code.length > 0) return e.code;
    if (Array.isArray(e.errors)) {
      const inner = e.errors.map(errorCode).find((c) => c !== undefined);
      if (inner) return inner;
    }
    const fromMessage = typeof e.message === 'string' ? /\b(E[A-Z]{3,})\b/.exec(e.message)?.[1] : undefined;
    if (fromMessage) return fromMessage;
  }
  return undefined;
}
