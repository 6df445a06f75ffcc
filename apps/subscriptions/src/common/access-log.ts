import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';

/**
 * One debug line per admin request: method, path (no query string), status, duration and the key id
 * that made it. Never headers or bodies: they carry API keys, endpoint secrets and customers' header
 * values (test/subscriptions/secrets.int-spec.ts searches the logs for them).
 */
export function accessLog(logger: Logger): RequestHandler {
  if (!logger.isLevelEnabled('debug')) return (_req: Request, _res: Response, next: NextFunction) => next();
  return (req: Request, res: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const auth = (req as Request & { auth?: { apiKeyId: string } }).auth;
      logger.debug(
        { method: req.method, path: req.path.slice(0, 200), status: res.statusCode, ms: Number(process.hrtime.bigint() - started) / 1e6, apiKeyId: auth?.apiKeyId },
        'admin request',
      );
    });
    next();
  };
}
