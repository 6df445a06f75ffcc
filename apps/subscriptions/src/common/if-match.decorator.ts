import { BadRequestException, createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';

/**
 * The endpoint version a write is conditional on, from `If-Match: "<version>"` (the ETag the API
 * returned); undefined when the header is absent or `*`, i.e. the write applies to whatever is there.
 */
export const IfMatchVersion = createParamDecorator((_data: unknown, context: ExecutionContext): number | undefined => {
  const raw = context.switchToHttp().getRequest<Request>().headers['if-match'];
  if (raw === undefined || raw.trim() === '*') return undefined;
  const match = /^\s*"?([1-9][0-9]{0,8})"?\s*$/.exec(raw);
  if (!match) throw new BadRequestException(['If-Match must be the ETag (quoted version) of the resource, such as "3"']);
  return Number(match[1]);
});

export function etagOf(version: number): string {
  return `"${version}"`;
}
