import { BadRequestException, HttpException } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { apiError } from './api-error';
import { fieldName } from './field-name';

/** The largest JSON body the API reads; a larger one is a 413. */
export const JSON_BODY_LIMIT = '256kb';
/** No route takes more than a few levels; thousands would overflow the validator's recursion (a 500). */
export const MAX_BODY_DEPTH = 32;

interface BodyParserError {
  type?: string;
  status?: number;
  message?: string;
  encoding?: string;
  charset?: string;
}

/**
 * Runs right after the JSON body parser and says what is wrong with the body in the API's words
 * (naming the body or the header at fault) instead of the parser's bare "Bad Request".
 */
export function explainJsonBody(err: unknown, _req: Request, _res: Response, next: NextFunction): void {
  if (err instanceof HttpException) return next(err);
  const e = (err ?? {}) as BodyParserError;
  if (typeof e.status !== 'number' || e.status >= 500) return next(err);
  switch (e.type) {
    case 'entity.parse.failed':
      return next(apiError(400, 'invalid_json', `body is not valid JSON: ${e.message}`, 'body'));
    case 'entity.too.large':
      return next(apiError(413, 'body_too_large', `body is too large: ${JSON_BODY_LIMIT} at most`, 'body'));
    case 'encoding.unsupported':
      return next(apiError(415, 'unsupported_media_type', `Content-Encoding ${String(e.encoding).slice(0, 50)} is not supported; send the body as identity, gzip, deflate or br`, 'Content-Encoding'));
    case 'charset.unsupported':
      return next(apiError(415, 'unsupported_media_type', `Content-Type charset ${String(e.charset).slice(0, 50)} is not supported; send JSON in UTF-8`, 'Content-Type'));
    case 'request.size.invalid':
      return next(apiError(400, 'invalid_json', 'body length does not match Content-Length', 'body'));
    case 'request.aborted':
      return next(apiError(400, 'invalid_json', 'body was not received completely', 'body'));
    default:
      // A compressed body that does not decompress has no type of its own.
      return next(apiError(400, 'invalid_json', 'body could not be read: check that it is encoded as its Content-Encoding says', 'body'));
  }
}

/** Where a parsed body is unfit for any route: an array, nesting past MAX_BODY_DEPTH, a `__proto__` key. */
export function hostileShape(body: unknown): string | null {
  if (Array.isArray(body)) return 'body must be a JSON object, not an array';
  // Iterative: the body may be nested thousands of levels deep.
  const pending: Array<{ value: unknown; path: string; depth: number }> = [{ value: body, path: 'body', depth: 0 }];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const { value, path, depth } = next;
    if (value === null || typeof value !== 'object') continue;
    if (depth >= MAX_BODY_DEPTH) return `${path}: nested deeper than ${MAX_BODY_DEPTH} levels`;
    for (const [key, child] of Object.entries(value)) {
      const childPath = Array.isArray(value) ? `${path}[${key}]` : path === 'body' ? fieldName(key) : `${path}.${fieldName(key)}`;
      // JSON.parse keeps "__proto__" as a plain key, but copying the body onto a DTO would set a prototype.
      if (key === '__proto__') return `${childPath}: a field named __proto__ is not accepted`;
      pending.push({ value: child, path: childPath, depth: depth + 1 });
    }
  }
  return null;
}

/** Refuses what the JSON parser left unread (a body of another type) and parsed bodies of a hostile shape. */
export function refuseUnfitBody(req: Request, _res: Response, next: NextFunction): void {
  const length = Number(req.headers['content-length'] ?? 0);
  const sentBody = length > 0 || req.headers['transfer-encoding'] !== undefined;
  if (sentBody && req.body === undefined) {
    const type = (req.headers['content-type'] ?? '(none)').slice(0, 100);
    return next(apiError(415, 'unsupported_media_type', `Content-Type ${type} is not accepted; send the body as application/json`, 'Content-Type'));
  }
  const problem = hostileShape(req.body);
  next(problem ? new BadRequestException([problem]) : undefined);
}
