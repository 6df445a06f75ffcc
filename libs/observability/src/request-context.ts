import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

/** The header a request id comes in and goes back out with. */
export const REQUEST_ID_HEADER = 'x-request-id';

const storage = new AsyncLocalStorage<{ requestId: string }>();

/** The id of the request (or the message it caused) being worked on, if any. */
export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}

/** Runs `fn` with `requestId` as the current one: every log line written meanwhile carries it (createLogger). */
export function withRequestId<T>(requestId: string | undefined, fn: () => T): T {
  return requestId ? storage.run({ requestId }, fn) : fn();
}

/** A caller's id is kept when it is a plain token (a proxy's or a client's); anything else is replaced. */
const ACCEPTABLE = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Gives every HTTP request an id: the caller's `X-Request-Id` when it is a plain token, else a new
 * `req_...`. It is answered in `X-Request-Id`, carried on every log line of the request, and put into
 * what the request causes (endpoint change notices, delivery messages) so their logs carry it too.
 */
export function requestIds(req: Request, res: Response, next: NextFunction): void {
  const given = req.headers[REQUEST_ID_HEADER];
  const requestId = typeof given === 'string' && ACCEPTABLE.test(given) ? given : `req_${randomUUID().replace(/-/g, '')}`;
  res.setHeader('X-Request-Id', requestId);
  storage.run({ requestId }, next);
}
