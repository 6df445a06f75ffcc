import { HttpException, HttpStatus, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Counter } from 'prom-client';
import { RateLimiterAbstract, RateLimiterMemory, RateLimiterPostgres, RateLimiterRes, RLWrapperTimeouts } from 'rate-limiter-flexible';
import { DataSource } from 'typeorm';
import { SubscriptionsConfig } from '@app/config';
import { MetricsRegistry } from '@app/observability';

/** Created by the ApiRateLimits migration. */
const TABLE = 'api_rate_limits';
// A counter that takes longer than this (the database is down or swamped) is kept in this instance's
// memory instead: the request goes on to be answered (or refused) by the database check that follows.
const STORE_TIMEOUT_MS = 1_000;

interface Limit {
  limiter: RateLimiterAbstract;
  points: number;
}

/**
 * Fixed-window limits of the admin API, counted in PostgreSQL so they hold across instances:
 * requests per API key, and requests without a valid key per client address. Only the latter is
 * checked before a key is looked up, so an address that failed too often learns nothing more, not
 * even whether its next guess is right, until the window ends.
 */
@Injectable()
export class AdminRateLimiter {
  private readonly perKey: Limit | null;
  private readonly perAddress: Limit | null;
  private readonly windowSeconds: number;
  private readonly refused: Counter<'limit'>;

  constructor(dataSource: DataSource, @Inject(SubscriptionsConfig) config: SubscriptionsConfig, metrics: MetricsRegistry) {
    this.refused = new Counter({
      name: 'webhooks_http_rate_limited_total',
      help: 'Admin API requests answered 429, by the limit they ran into (api_key: API_RATE_LIMIT_PER_KEY; failed_auth: API_RATE_LIMIT_FAILED_AUTH_PER_IP)',
      labelNames: ['limit'],
      registers: [metrics.registry],
    });
    this.windowSeconds = config.API_RATE_LIMIT_WINDOW_SECONDS;
    const limit = (keyPrefix: string, points: number): Limit | null => {
      if (points === 0) return null;
      const options = { keyPrefix, points, duration: this.windowSeconds };
      const shared = new RateLimiterPostgres({
        ...options,
        storeClient: dataSource,
        storeType: 'typeorm',
        tableName: TABLE,
        tableCreated: true,
        insuranceLimiter: new RateLimiterMemory(options),
      });
      return { limiter: new RLWrapperTimeouts({ limiter: shared, timeoutMs: STORE_TIMEOUT_MS }), points };
    };
    this.perKey = limit('key', config.API_RATE_LIMIT_PER_KEY);
    this.perAddress = limit('address', config.API_RATE_LIMIT_FAILED_AUTH_PER_IP);
  }

  /**
   * Runs one authentication under both limits: `attempt` returns the key to count the request
   * against, or the refusal to answer with (which counts against the client address instead).
   */
  async authenticate<R extends Request>(req: R, res: Response, attempt: (req: R) => Promise<string | UnauthorizedException>): Promise<void> {
    // TRUST_PROXY decides whether X-Forwarded-For gives req.ip.
    const address = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    await this.refuseExhaustedAddress(address, res);
    const outcome = await attempt(req);
    if (outcome instanceof UnauthorizedException) {
      if (this.perAddress) await this.perAddress.limiter.penalty(address, 1);
      throw outcome;
    }
    await this.consume(outcome, res);
  }

  /** Answers 429 when this address used up its failed authentications for the window. */
  private async refuseExhaustedAddress(address: string, res: Response): Promise<void> {
    if (!this.perAddress) return;
    const state = await this.perAddress.limiter.get(address);
    if (state && state.consumedPoints >= this.perAddress.points) {
      this.refused.inc({ limit: 'failed_auth' });
      throw this.tooMany(res, state, `too many requests without a valid API key from this address (at most ${this.perAddress.points} per ${this.windowSeconds} s)`);
    }
  }

  /** Counts one request of this key (an API key id, or the platform token); 429 past the limit. */
  private async consume(key: string, res: Response): Promise<void> {
    if (!this.perKey) return;
    let state: RateLimiterRes;
    try {
      state = await this.perKey.limiter.consume(key, 1);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      this.refused.inc({ limit: 'api_key' });
      throw this.tooMany(res, rejection, `too many requests for this API key (at most ${this.perKey.points} per ${this.windowSeconds} s)`);
    }
    res.setHeader('RateLimit-Limit', String(this.perKey.points));
    res.setHeader('RateLimit-Remaining', String(state.remainingPoints));
    res.setHeader('RateLimit-Reset', String(secondsUntil(state)));
  }

  private tooMany(res: Response, state: RateLimiterRes, what: string): HttpException {
    const retryAfter = secondsUntil(state);
    res.setHeader('Retry-After', String(retryAfter));
    return new HttpException({ message: [`${what}; retry after ${retryAfter} s`] }, HttpStatus.TOO_MANY_REQUESTS);
  }
}

function secondsUntil(state: RateLimiterRes): number {
  return Math.max(1, Math.ceil(state.msBeforeNext / 1000));
}
