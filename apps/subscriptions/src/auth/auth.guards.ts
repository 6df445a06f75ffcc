import { CanActivate, createParamDecorator, ExecutionContext, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import { SubscriptionsConfig } from '@app/config';
import { ApiKeyRepository } from '@app/persistence';
import { hashApiKey } from './api-key-hasher';
import { AdminRateLimiter } from './rate-limiter';

/** Who is calling: every service method that touches tenant data takes this first. */
export interface OrgAuth {
  organizationId: string;
  apiKeyId: string;
}

/** What the guards leave on the request: the organization, or that the platform token was used. */
export type AuthedRequest = Request & { auth?: OrgAuth; platformAdmin?: boolean };

function bearer(req: Request): string | null {
  const header = req.headers.authorization;
  if (!header) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match ? match[1] : null;
}

@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly keys: ApiKeyRepository,
    private readonly limiter: AdminRateLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    await this.limiter.authenticate(http.getRequest<AuthedRequest>(), http.getResponse<Response>(), async (req: AuthedRequest) => {
      const token = bearer(req);
      const key = token ? await this.keys.findActiveByHash(hashApiKey(token)) : null;
      if (!key) return new UnauthorizedException(token ? 'the API key is unknown or revoked' : 'Authorization: Bearer <api key> is required');
      req.auth = { organizationId: key.organizationId, apiKeyId: key.id };
      return key.id;
    });
    return true;
  }
}

/** The platform token's requests share one per-key budget. */
const PLATFORM_RATE_LIMIT_KEY = 'platform-admin';

@Injectable()
export class PlatformAdminGuard implements CanActivate {
  constructor(
    @Inject(SubscriptionsConfig) private readonly config: SubscriptionsConfig,
    private readonly limiter: AdminRateLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    await this.limiter.authenticate(http.getRequest<AuthedRequest>(), http.getResponse<Response>(), async (req: AuthedRequest) => {
      const expected = Buffer.from(this.config.PLATFORM_ADMIN_TOKEN);
      const given = Buffer.from(bearer(req) ?? '');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        return new UnauthorizedException('Authorization: Bearer <platform admin token> is required');
      }
      req.platformAdmin = true;
      return PLATFORM_RATE_LIMIT_KEY;
    });
    return true;
  }
}

export const Auth = createParamDecorator((_data: unknown, context: ExecutionContext): OrgAuth => {
  const auth = context.switchToHttp().getRequest<AuthedRequest>().auth;
  if (!auth) throw new UnauthorizedException();
  return auth;
});
