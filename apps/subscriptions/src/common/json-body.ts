import { BadRequestException } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

/**
 * Runs right after the JSON body parser. Nest would turn a parse failure into a bare "Unexpected token"
 * message; this one says it is the body. No route takes a JSON array, so one is refused here as a whole
 * instead of being reported as unknown properties "0", "1", ...
 */
export function explainJsonBody(err: unknown, _req: Request, _res: Response, next: NextFunction): void {
  const parseFailed = (err as { type?: string } | null)?.type === 'entity.parse.failed';
  next(parseFailed ? new BadRequestException([`body is not valid JSON: ${(err as Error).message}`]) : err);
}

export function refuseJsonArrayBody(req: Request, _res: Response, next: NextFunction): void {
  next(Array.isArray(req.body) ? new BadRequestException(['body must be a JSON object, not an array']) : undefined);
}
