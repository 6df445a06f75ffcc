import type { NextFunction, Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';

// JSON answers never load anything, so they allow nothing: a response rendered as a page by mistake
// runs no script and cannot be framed.
const API_POLICY = {
  defaultSrc: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'none'"],
  frameAncestors: ["'none'"],
};

// Swagger UI at /docs: its own scripts and styles from this origin (it also sets inline styles), the
// document embedded in its init script, "try it out" calls to the same origin.
const DOCS_POLICY = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'", "'unsafe-inline'"],
  imgSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

export interface SecurityHeaderOptions {
  /** 0 leaves Strict-Transport-Security out: right for plain-http local use, where browsers would pin https. */
  hstsMaxAgeSeconds: number;
}

/**
 * Security headers on every response, errors included: no MIME sniffing, no framing, no referrer,
 * no X-Powered-By, a content security policy per kind of page (the dashboard sets its own, stricter
 * one), HSTS only when asked for, and no caching of API answers (some carry secrets and keys).
 */
export function securityHeaders(options: SecurityHeaderOptions): RequestHandler[] {
  const common = helmet({
    contentSecurityPolicy: false,
    strictTransportSecurity: options.hstsMaxAgeSeconds > 0 ? { maxAge: options.hstsMaxAgeSeconds, includeSubDomains: true } : false,
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
  });
  const apiPolicy = helmet.contentSecurityPolicy({ useDefaults: false, directives: API_POLICY });
  const docsPolicy = helmet.contentSecurityPolicy({ useDefaults: false, directives: DOCS_POLICY });
  const perPage = (req: Request, res: Response, next: NextFunction): void => {
    const isDocs = req.path === '/docs' || req.path.startsWith('/docs/');
    if (!isDocs) res.setHeader('Cache-Control', 'no-store');
    (isDocs ? docsPolicy : apiPolicy)(req, res, next);
  };
  return [common, perPage];
}
