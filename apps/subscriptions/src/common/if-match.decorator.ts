import { BadRequestException, createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';

export function etagOf(version: number): string {
  return `"${version}"`;
}

/**
 * The version named by an `If-Match` header (the ETag the API returned, quoted or not); undefined when
 * the header is absent or `*`, i.e. the write applies to whatever is there; null when it is malformed.
 */
export function parseIfMatch(raw: string | undefined): number | undefined | null {
  if (raw === undefined || raw.trim() === '*') return undefined;
  const match = /^\s*("?)([1-9][0-9]{0,8})\1\s*$/.exec(raw);
  return match ? Number(match[2]) : null;
}

/** The endpoint version a write is conditional on (see parseIfMatch); a malformed header is a 400. */
export const IfMatchVersion = createParamDecorator((_data: unknown, context: ExecutionContext): number | undefined => {
  const version = parseIfMatch(context.switchToHttp().getRequest<Request>().headers['if-match']);
  if (version === null) throw new BadRequestException(['If-Match must be the ETag (quoted version) of the resource, such as "3"']);
  return version;
});
