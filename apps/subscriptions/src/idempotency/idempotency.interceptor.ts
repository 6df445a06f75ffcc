import { BeforeApplicationShutdown, CallHandler, ExecutionContext, Inject, Injectable, NestInterceptor, OnApplicationBootstrap } from '@nestjs/common';
import type { Response } from 'express';
import type { Logger } from 'pino';
import { concatMap, from, Observable, of, catchError, throwError } from 'rxjs';
import { SubscriptionsConfig } from '@app/config';
import { APP_LOGGER } from '@app/messaging';
import { IdempotencyKeyRepository, Reservation } from '@app/persistence';
import type { AuthedRequest } from '../auth/auth.guards';
import { apiError } from '../common/api-error';
import { IDEMPOTENCY_KEY_PATTERN, keyDigest, openAnswer, requestFingerprint, sealAnswer } from './request-fingerprint';

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
/** Set on an answer that is the replay of an earlier one. */
export const REPLAYED_HEADER = 'Idempotent-Replayed';
/** A request holds its key this long; a key still "processing" after it (its instance died) is taken over. */
const PROCESSING_LOCK_MS = 60_000;
/** How long a duplicate waits for the first request to finish before it answers 409 idempotency_in_progress. */
const WAIT_FOR_FIRST_MS = 10_000;
const POLL_MS = 50;
const PURGE_INTERVAL_MS = 10 * 60_000;
const PURGE_BATCH = 1_000;

/**
 * `Idempotency-Key` on every POST (SPEC §13), Stripe's rules: within the key's lifetime the same key
 * with the same request (method, path, body) answers what the first one answered, status and body,
 * without running it again; with another request it is a 409 `idempotency_conflict`. Keys are scoped
 * to the caller's organization, or to the platform token. Only answers below 400 are kept: a refused
 * request changed nothing, so its key is released and may be used again, e.g. once the input is fixed
 * or Kafka is back. The key is reserved by an INSERT before the request runs: of two concurrent
 * requests the database lets one run; the other waits for its answer.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor, OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly ttlMs: number;
  private purgeTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly keys: IdempotencyKeyRepository,
    @Inject(SubscriptionsConfig) config: SubscriptionsConfig,
    @Inject(APP_LOGGER) private readonly logger: Logger,
  ) {
    this.ttlMs = config.IDEMPOTENCY_KEY_TTL_SECONDS * 1000;
  }

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const http = context.switchToHttp();
    const req = http.getRequest<AuthedRequest>();
    const res = http.getResponse<Response>();
    const key = req.headers[IDEMPOTENCY_HEADER.toLowerCase()];
    if (req.method !== 'POST' || key === undefined) return next.handle();
    if (typeof key !== 'string' || !IDEMPOTENCY_KEY_PATTERN.test(key)) {
      throw apiError(400, 'invalid_field', `${IDEMPOTENCY_HEADER} must be 1 to 255 visible ASCII characters (a UUID, say), sent once`, IDEMPOTENCY_HEADER);
    }
    const scope = req.auth ? `org:${req.auth.organizationId}` : req.platformAdmin ? 'platform' : null;
    // Only authenticated routes take a key (every POST is one); a guard refused the others already.
    if (!scope) return next.handle();

    // The database keeps the key's digest and the answer sealed under the key (see sealAnswer).
    const digest = keyDigest(key);
    const found = await this.reserve(scope, digest, requestFingerprint(req.method, req.originalUrl, req.body));
    switch (found.kind) {
      case 'mismatch':
        throw apiError(409, 'idempotency_conflict', `${IDEMPOTENCY_HEADER} ${key.slice(0, 100)} was used with another request (method, path or body) in the last ${this.ttlMs / 3_600_000} h; use a new key for a new request`, IDEMPOTENCY_HEADER);
      case 'processing':
        res.setHeader('Retry-After', '1');
        throw apiError(409, 'idempotency_in_progress', `${IDEMPOTENCY_HEADER} ${key.slice(0, 100)}: the first request with this key is still being processed; retry shortly`, IDEMPOTENCY_HEADER);
      case 'completed': {
        res.status(found.answer.status);
        if (found.answer.etag) res.setHeader('ETag', found.answer.etag);
        res.setHeader(REPLAYED_HEADER, 'true');
        return of(found.answer.body === null ? undefined : (JSON.parse(openAnswer(key, scope, found.answer.body)) as unknown));
      }
      case 'reserved':
        return next.handle().pipe(
          concatMap((body: unknown) => from(this.complete(scope, key, digest, res, body))),
          catchError((err: unknown) => from(this.release(scope, digest)).pipe(concatMap(() => throwError(() => err)))),
        );
    }
  }

  /** Reserves the key, or waits while another request holds it, up to WAIT_FOR_FIRST_MS. */
  private async reserve(scope: string, digest: string, hash: string): Promise<Reservation> {
    const deadline = Date.now() + WAIT_FOR_FIRST_MS;
    for (;;) {
      const found = await this.keys.reserve(scope, digest, hash, this.ttlMs, PROCESSING_LOCK_MS);
      if (found.kind !== 'processing' || Date.now() > deadline) return found;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  private async complete(scope: string, key: string, digest: string, res: Response, body: unknown): Promise<unknown> {
    const etag = res.getHeader('ETag');
    const text = body === undefined ? null : JSON.stringify(body);
    try {
      await this.keys.complete(scope, digest, { status: res.statusCode, body: text === null ? null : sealAnswer(key, scope, text), etag: typeof etag === 'string' ? etag : null });
    } catch (err) {
      // The work is done and answered; a retry with this key waits out PROCESSING_LOCK_MS, then runs again.
      this.logger.warn({ err, scope }, 'could not record the answer of an idempotent request');
    }
    return body;
  }

  private async release(scope: string, digest: string): Promise<void> {
    try {
      await this.keys.release(scope, digest);
    } catch (err) {
      this.logger.warn({ err, scope }, 'could not release the Idempotency-Key of a failed request; it is free again after the processing lock');
    }
  }

  onApplicationBootstrap(): void {
    this.purgeTimer = setInterval(() => void this.purge(), PURGE_INTERVAL_MS);
    this.purgeTimer.unref();
  }

  /** Keys past their lifetime are ignored by `reserve` already; this keeps the table small. */
  async purge(): Promise<number> {
    let total = 0;
    try {
      for (let n = PURGE_BATCH; n === PURGE_BATCH; total += n) n = await this.keys.purgeExpired(this.ttlMs, PURGE_BATCH);
    } catch (err) {
      this.logger.warn({ err }, 'could not purge expired idempotency keys; the next run tries again');
    }
    return total;
  }

  beforeApplicationShutdown(): void {
    if (this.purgeTimer) clearInterval(this.purgeTimer);
  }
}
