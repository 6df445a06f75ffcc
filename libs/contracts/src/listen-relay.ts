// Messages between the delivery service, the admin API instances and the CLI for listen sessions
// (SPEC §11). The delivery service signs exactly as for a public endpoint; the CLI replays these
// headers and body byte for byte, so receivers verify with `standardwebhooks` unchanged.

/** What kind of endpoint a row is: an ordinary URL, or a temporary `sourcehub-webhooks listen` session. */
export const ENDPOINT_KINDS = ['webhook', 'cli'] as const;
export type EndpointKind = (typeof ENDPOINT_KINDS)[number];

/** A delivery handed to whichever admin API instance holds the session's connection. */
export interface ListenRequest {
  /** Random, unguessable: the reply is matched by it. */
  requestId: string;
  organizationId: string;
  /** The session's endpoint id. */
  sessionId: string;
  deliveryId: string;
  eventId: string;
  eventType: string;
  attempt: number;
  /** The full set of headers a public endpoint gets (content-type, user-agent, webhook-*). */
  headers: Record<string, string>;
  body: string;
  /** How long the local call may take: the delivery timeout, as for any endpoint. */
  timeoutMs: number;
}

/** What the local receiver did with one request, as the CLI saw it. */
export type ListenOutcome = 'success' | 'http_error' | 'timeout' | 'connection_error';
export const LISTEN_OUTCOMES: readonly ListenOutcome[] = ['success', 'http_error', 'timeout', 'connection_error'];

export interface ListenReply {
  requestId: string;
  organizationId: string;
  sessionId: string;
  outcome: ListenOutcome;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
  responseExcerpt: string | null;
}

export function encodeListenMessage(message: ListenRequest | ListenReply): Buffer {
  return Buffer.from(JSON.stringify(message));
}

/**
 * Only our own services write these topics, but a reader must never crash on one bad record (it
 * would stop every session of the instance): null means "not for anyone, skip it".
 */
export function decodeListenRequest(value: Buffer | null): ListenRequest | null {
  const parsed = parseObject(value);
  if (!parsed) return null;
  const ok =
    ['requestId', 'organizationId', 'sessionId', 'deliveryId', 'eventId', 'eventType', 'body'].every((k) => typeof parsed[k] === 'string') &&
    typeof parsed.attempt === 'number' &&
    typeof parsed.timeoutMs === 'number' &&
    isStringRecord(parsed.headers);
  return ok ? (parsed as unknown as ListenRequest) : null;
}

export function decodeListenReply(value: Buffer | null): ListenReply | null {
  const parsed = parseObject(value);
  if (!parsed) return null;
  const ok =
    ['requestId', 'organizationId', 'sessionId'].every((k) => typeof parsed[k] === 'string') &&
    LISTEN_OUTCOMES.includes(parsed.outcome as ListenOutcome) &&
    typeof parsed.durationMs === 'number' &&
    (parsed.statusCode === null || typeof parsed.statusCode === 'number');
  return ok ? (parsed as unknown as ListenReply) : null;
}

function parseObject(value: Buffer | null): Record<string, unknown> | null {
  if (!value) return null;
  try {
    const parsed: unknown = JSON.parse(value.toString('utf8'));
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'string');
}
