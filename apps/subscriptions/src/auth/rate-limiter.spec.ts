import { HttpException, UnauthorizedException } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { DataSource } from 'typeorm';
import { SubscriptionsConfig } from '@app/config';
import { AdminRateLimiter } from './rate-limiter';

// The limits against a database that does not answer (hangs) or refuses: each instance then counts in
// memory, so the admin API keeps limiting instead of failing. The counts in a real PostgreSQL are
// tested in test/subscriptions/rate-limit.int-spec.ts.
const config = { API_RATE_LIMIT_PER_KEY: 2, API_RATE_LIMIT_FAILED_AUTH_PER_IP: 1, API_RATE_LIMIT_WINDOW_SECONDS: 60 } as SubscriptionsConfig;
const database = (query: () => Promise<unknown>) => ({ driver: { master: { query } } }) as unknown as DataSource;

function answer(): Response & { headers: Record<string, string> } {
  const headers: Record<string, string> = {};
  const fake = { headers, setHeader: (name: string, value: string) => void (headers[name] = value) };
  return fake as unknown as Response & { headers: Record<string, string> };
}

const request = (ip: string) => ({ ip, socket: {} }) as Request;

describe('AdminRateLimiter when PostgreSQL does not answer', () => {
  it.each<[string, () => Promise<unknown>]>([
    ['hangs', () => new Promise(() => undefined)],
    ['refuses connections', () => Promise.reject(new Error('connect ECONNREFUSED'))],
  ])('should still limit a key, counting in memory, when the database %s', async (_how, query) => {
    // The store's answer is awaited for at most a second per call: fake time passes it at once.
    jest.useFakeTimers();
    try {
      const limiter = new AdminRateLimiter(database(query), config);
      const settled = async <T>(promise: Promise<T>): Promise<PromiseSettledResult<T>> => {
        const outcome = Promise.allSettled([promise]);
        await jest.advanceTimersByTimeAsync(5_000);
        return (await outcome)[0];
      };
      const refused = answer();

      const outcomes = [
        await settled(limiter.authenticate(request('10.0.0.1'), answer(), async () => 'key_1')),
        await settled(limiter.authenticate(request('10.0.0.1'), answer(), async () => 'key_1')),
        await settled(limiter.authenticate(request('10.0.0.1'), refused, async () => 'key_1')),
      ];

      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
      const third = outcomes[2] as PromiseRejectedResult;
      expect(third.reason).toBeInstanceOf(HttpException);
      expect((third.reason as HttpException).getStatus()).toBe(429);
      expect(Number(refused.headers['Retry-After'])).toBeGreaterThan(0);
    } finally {
      jest.useRealTimers();
    }
  });

  it('should refuse an address after its failed authentications without trying the next one', async () => {
    const limiter = new AdminRateLimiter(database(() => Promise.reject(new Error('connect ECONNREFUSED'))), config);
    const attempts: string[] = [];
    const fail = async () => {
      attempts.push('tried');
      return new UnauthorizedException('the API key is unknown or revoked');
    };

    await expect(limiter.authenticate(request('10.0.0.2'), answer(), fail)).rejects.toMatchObject({ status: 401 });
    await expect(limiter.authenticate(request('10.0.0.2'), answer(), fail)).rejects.toMatchObject({ status: 429 });
    expect(attempts).toHaveLength(1);
    await expect(limiter.authenticate(request('10.0.0.3'), answer(), async () => 'key_2')).resolves.toBeUndefined();
  });

  it('should not count at all when both limits are 0', async () => {
    const limiter = new AdminRateLimiter(database(() => new Promise(() => undefined)), { ...config, API_RATE_LIMIT_PER_KEY: 0, API_RATE_LIMIT_FAILED_AUTH_PER_IP: 0 } as SubscriptionsConfig);
    const res = answer();

    for (let i = 0; i < 5; i++) await limiter.authenticate(request('10.0.0.4'), res, async () => 'key_3');

    expect(res.headers).toEqual({});
  });
});
