import { HttpException, HttpStatus } from '@nestjs/common';

/**
 * The machine-readable `code` of every error answer (SPEC §13). Clients branch on these, so a code is
 * never renamed; new ones may be added. Each status has a default (`DEFAULT_CODES`); a thrower names a
 * more precise one where clients would act differently.
 */
export const ERROR_CODES = {
  invalid_field: 'A field, query parameter or header has a value the API does not accept; `param` names it.',
  invalid_json: 'The body is not valid JSON, or could not be read as its headers say.',
  invalid_request: 'The request as a whole cannot be served (its path, or a combination of fields); `param` names the part when one is at fault.',
  unauthorized: 'No valid API key (or platform token) was given.',
  not_found: 'No such resource in your organization (another organization\'s resources answer this too).',
  conflict: 'The resource is not in a state that allows this call; the message says why.',
  version_conflict: 'If-Match named a version that is no longer current; read the resource again.',
  endpoint_disabled: 'The endpoint is disabled; enable it first.',
  idempotency_conflict: 'This Idempotency-Key was used with another request (method, path or body) within 24 h.',
  idempotency_in_progress: 'A request with this Idempotency-Key is still being processed; retry after Retry-After.',
  body_too_large: 'The body is larger than the API reads.',
  unsupported_media_type: 'The body is not JSON, or not in an encoding or charset the API reads.',
  headers_too_large: 'The request line and headers are too large.',
  request_timeout: 'The request did not arrive in time.',
  rate_limited: 'Too many requests; retry after Retry-After seconds.',
  database_unavailable: 'PostgreSQL cannot be reached right now; retry after Retry-After seconds.',
  kafka_unavailable: 'The Kafka broker did not take the message in time; the call was not carried out (a retry may rarely be a duplicate, which webhook-ids let receivers drop); retry after Retry-After seconds.',
  service_unavailable: 'The service is not ready (GET /health/ready names what it waits for).',
  internal_error: 'An unexpected error; it is logged.',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

const DEFAULT_CODES: Partial<Record<number, ErrorCode>> = {
  400: 'invalid_field',
  401: 'unauthorized',
  404: 'not_found',
  408: 'request_timeout',
  409: 'conflict',
  413: 'body_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  431: 'headers_too_large',
  503: 'service_unavailable',
};

export function defaultCode(status: number): ErrorCode {
  return DEFAULT_CODES[status] ?? (status >= 500 ? 'internal_error' : 'invalid_request');
}

/** The error body every answer >= 400 has. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string[];
  code: ErrorCode;
  param?: string;
}

/** An HTTP error with a code (and the field at fault): the filter puts both in the body. */
export function apiError(status: HttpStatus, code: ErrorCode, message: string, param?: string): HttpException {
  return new HttpException({ message: [message], code, ...(param !== undefined ? { param } : {}) }, status);
}

/**
 * The field a message names at its start ("url must be ...", "headers.x-a: ...", "\"a.b\": ..."): every
 * 400 of the API begins with the field at fault (the fuzz suite holds it to that), so `param` follows
 * from the message where the thrower did not name it.
 */
export function leadingField(message: string): string | undefined {
  const quoted = /^("(?:[^"\\]|\\.)*")(?=[\s:.[]|$)/.exec(message);
  if (quoted) {
    try {
      return JSON.parse(quoted[1]) as string;
    } catch {
      return undefined;
    }
  }
  const plain = /^([A-Za-z_$][\w$-]*(?:(?:\.[A-Za-z_$][\w$-]*)|(?:\[\d+\]))*)(?=[\s:]|$)/.exec(message);
  return plain?.[1];
}
