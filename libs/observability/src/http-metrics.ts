import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { Counter, Histogram } from 'prom-client';
import { MetricsRegistry } from './health';

/** A request that matched no route: one label value, so a scan of random paths cannot grow the series. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * Rate, errors and duration of every HTTP request, by method, route template (`/v1/endpoints/:id`, never
 * the path with its ids) and status: the RED metrics. Registered on the Express app before the routes,
 * it sees every answer, the ones written by guards (401, 429), pipes (400) and the body parser (413) too.
 */
export function httpMetrics(metrics: MetricsRegistry): RequestHandler {
  const registers = [metrics.registry];
  const requests = new Counter({
    name: 'webhooks_http_requests_total',
    help: 'HTTP requests answered, by method, route template and status',
    labelNames: ['method', 'route', 'status'],
    registers,
  });
  const seconds = new Histogram({
    name: 'webhooks_http_request_duration_seconds',
    help: 'Time from receiving a request to the end of its answer, by method, route template and status class (2xx, 4xx, ...)',
    labelNames: ['method', 'route', 'status_class'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  return (req: Request, res: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      const route = routeTemplate(req);
      const status = res.statusCode;
      requests.inc({ method: req.method, route, status: String(status) });
      seconds.observe({ method: req.method, route, status_class: `${Math.floor(status / 100)}xx` }, Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  };
}

/** The matched route's template as Express knows it once routing ran; read when the answer is finished. */
export function routeTemplate(req: Request): string {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  return typeof path === 'string' ? `${req.baseUrl}${path}` : UNMATCHED_ROUTE;
}
