import type { NextFunction, Request, Response } from 'express';
import { apiError } from './api-error';

/**
 * A path whose percent-encoding is not UTF-8 (`/v1/endpoints/%E0%A4`) is a 400 that says so, instead of
 * the router's "Failed to decode param".
 */
export function refuseUndecodablePath(req: Request, _res: Response, next: NextFunction): void {
  try {
    decodeURIComponent(req.path);
    next();
  } catch {
    next(apiError(400, 'invalid_request', `path ${req.path.slice(0, 100)} is not valid percent-encoded UTF-8`, 'path'));
  }
}
