import { HttpStatus } from '@nestjs/common';
import type { OpenAPIObject } from '@nestjs/swagger';
import { ERROR_CODES, ErrorCode } from './api-error';
import { IDEMPOTENCY_HEADER, REPLAYED_HEADER } from '../idempotency/idempotency.interceptor';

type Json = Record<string, unknown>;
interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  schema?: Json;
}
interface Operation {
  operationId?: string;
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: Json }> };
  responses: Record<string, Json>;
}

/** The calls that publish to Kafka while the client waits: they answer 503 kafka_unavailable when the broker is away. */
const PUBLISHING_OPERATIONS = new Set(['sendTestEvent', 'resendDelivery', 'triggerTestEvent', 'answerListenDelivery']);

/** 409s an operation has besides the idempotency ones. */
const CONFLICTS: Record<string, ErrorCode[]> = {
  updateEndpoint: ['version_conflict'],
  deleteEndpoint: ['version_conflict'],
  sendTestEvent: ['endpoint_disabled'],
  resendDelivery: ['endpoint_disabled', 'conflict'],
  createReplay: ['endpoint_disabled', 'conflict'],
  revokeApiKey: ['conflict'],
};

const SAMPLE_MESSAGES: Record<ErrorCode, string> = {
  invalid_field: 'url must be a URL address',
  invalid_json: 'body is not valid JSON: Unexpected end of JSON input',
  invalid_request: 'path /v1/endpoints/%E0%A4 is not valid percent-encoded UTF-8',
  unauthorized: 'the API key is unknown or revoked',
  not_found: 'endpoint ep_01kbcz3x3f5t9z6w8q2v7r4n1m not found',
  conflict: 'the resource is not in a state that allows this call',
  version_conflict: 'endpoint ep_01kbcz3x3f5t9z6w8q2v7r4n1m was changed meanwhile: If-Match named version 3, it is now at 4; read it again and retry',
  endpoint_disabled: 'endpoint ep_01kbcz3x3f5t9z6w8q2v7r4n1m is disabled; enable it first',
  idempotency_conflict: 'Idempotency-Key 6f1c... was used with another request (method, path or body) in the last 24 h; use a new key for a new request',
  idempotency_in_progress: 'Idempotency-Key 6f1c...: the first request with this key is still being processed; retry shortly',
  body_too_large: 'body is too large: 256kb at most',
  unsupported_media_type: 'Content-Type text/plain is not accepted; send the body as application/json',
  headers_too_large: 'the request line and headers are too large (16 KiB at most); shorten the URL or the headers',
  request_timeout: 'the request did not arrive in time; send it again',
  rate_limited: 'too many requests for this API key (at most 1200 per 60 s); retry after 12 s',
  database_unavailable: 'the database is unavailable (PostgreSQL cannot be reached); retry in 5 s',
  kafka_unavailable: 'Kafka (the message broker) is unavailable: the call was not carried out; retry in 5 s',
  service_unavailable: 'not ready: database',
  internal_error: 'internal error',
};

const RETRY_AFTER = { 'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'integer' } } };

function example(status: number, code: ErrorCode, param?: string): Json {
  const value = { statusCode: status, error: HttpStatus[status], message: [SAMPLE_MESSAGES[code]], code, ...(param ? { param } : {}) };
  return { summary: ERROR_CODES[code], value };
}

/** The field a 400 example blames: the operation's first body field, else its first query parameter. */
function sampleParam(op: Operation, body: Json | undefined): string {
  const fields = Object.keys((body?.properties as Json | undefined) ?? {});
  const query = (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
  return fields[0] ?? query[0] ?? 'path';
}

/**
 * Adds what every operation of the API shares to the document Nest builds from the controllers
 * (SPEC §13): the error body with its codes, every error answer an operation can give with an example
 * per code, and `Idempotency-Key` on every POST. One place, so no route can miss them.
 */
export function describeApiConventions(doc: OpenAPIObject): OpenAPIObject {
  const schemas = (doc.components ??= {}).schemas ?? (doc.components.schemas = {});
  schemas.Error = {
    type: 'object',
    required: ['statusCode', 'error', 'message', 'code'],
    properties: {
      statusCode: { type: 'integer', example: 400 },
      error: { type: 'string', example: 'BAD_REQUEST' },
      message: { type: 'array', items: { type: 'string' }, description: 'What is wrong, for people; each message about a field starts with its name.' },
      code: {
        type: 'string',
        enum: Object.keys(ERROR_CODES),
        description: 'What is wrong, for programs: ' + Object.entries(ERROR_CODES).map(([c, d]) => `\`${c}\`: ${d}`).join(' '),
      },
      param: { type: 'string', description: 'The field, query parameter or header at fault, when one is (`url`, `headers.x-a`, `Idempotency-Key`).' },
    },
  };
  const bodySchema = (op: Operation): Json | undefined => {
    const schema = op.requestBody?.content?.['application/json']?.schema;
    const ref = typeof schema?.$ref === 'string' ? schema.$ref.replace('#/components/schemas/', '') : undefined;
    return ref ? (schemas[ref] as Json) : schema;
  };

  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, raw] of Object.entries(methods as Record<string, Operation>)) {
      const op = raw;
      const name = op.operationId ?? '';
      const body = bodySchema(op);
      const paramFor = (c: ErrorCode): string | undefined =>
        ({ invalid_field: sampleParam(op, body), invalid_json: 'body', version_conflict: 'If-Match', idempotency_conflict: IDEMPOTENCY_HEADER, idempotency_in_progress: IDEMPOTENCY_HEADER })[c as string];
      const errors = new Map<number, ErrorCode[]>([
        [400, body ? ['invalid_field', 'invalid_json'] : ['invalid_field']],
        [401, ['unauthorized']],
        [429, ['rate_limited']],
        [503, PUBLISHING_OPERATIONS.has(name) ? ['database_unavailable', 'kafka_unavailable'] : ['database_unavailable']],
      ]);
      if (path.includes('{')) errors.set(404, ['not_found']);
      if (body) {
        errors.set(413, ['body_too_large']);
        errors.set(415, ['unsupported_media_type']);
      }
      const conflicts = [...(CONFLICTS[name] ?? []), ...(method === 'post' ? (['idempotency_conflict', 'idempotency_in_progress'] as ErrorCode[]) : [])];
      if (conflicts.length > 0) errors.set(409, conflicts);

      for (const [status, codes] of [...errors.entries()].sort(([a], [b]) => a - b)) {
        const existing = op.responses[String(status)] as { description?: string } | undefined;
        op.responses[String(status)] = {
          description: existing?.description || codes.map((c) => ERROR_CODES[c]).join(' '),
          ...(status === 429 || status === 503 ? { headers: RETRY_AFTER } : {}),
          content: {
            'application/json': {
              schema: { $ref: '#/components/schemas/Error' },
              examples: Object.fromEntries(codes.map((c) => [c, example(status, c, paramFor(c))])),
            },
          },
        };
      }

      if (method === 'post') {
        op.parameters = [
          ...(op.parameters ?? []),
          {
            name: IDEMPOTENCY_HEADER,
            in: 'header',
            required: false,
            description:
              'Makes the POST safe to retry: within 24 h the same key with the same request answers what the first one answered ' +
              `(same status and body, \`${REPLAYED_HEADER}: true\`) without doing it again; with another request it is a 409 idempotency_conflict. ` +
              "Scoped to your organization. Only successful answers are kept: after an error the key may be used again.",
            schema: { type: 'string', minLength: 1, maxLength: 255, example: '6f1c3b8e-8d2a-4d7e-9a51-0c2f3e4b5a69' },
          },
        ];
      }
    }
  }
  return doc;
}
