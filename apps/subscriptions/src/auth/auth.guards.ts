import { CanActivate, createParamDecorator, ExecutionContext, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { SubscriptionsConfig } from '@app/config';
import { ApiKeyRepository } from '@app/persistence';
import { hashApiKey } from './api-key-hasher';

/** Who is calling: every service method that touches tenant data takes this first. */
export interface OrgAuth {
  organizationId: string;
  apiKeyId: string;
}

type AuthedRequest = Request & { auth?: OrgAuth };

function bearer(req: Request): string | null {
  const header = req.headers.authorization;
  if (!header) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match ? match[1] : null;
}

@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(private readonly keys: ApiKeyRepository) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<AuthedRequest>();
    const token = bearer(req);
    if (!token) throw new UnauthorizedException('Authorization: Bearer <api key> is required');
    const key = await this.keys.findActiveByHash(hashApiKey(token));
    if (!key) throw new UnauthorizedException('the API key is unknown or revoked');
    req.auth = { organizationId: key.organizationId, apiKeyId: key.id };
    return true;
  }
}

@Injectable()
export class PlatformAdminGuard implements CanActivate {
  constructor(@Inject(SubscriptionsConfig) private readonly config: SubscriptionsConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const token = bearer(context.switchToHttp().getRequest<Request>());
    const expected = Buffer.from(this.config.PLATFORM_ADMIN_TOKEN);
    const given = Buffer.from(token ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new UnauthorizedException('Authorization: Bearer <platform admin token> is required');
    }
    return true;
  }
}

export const Auth = createParamDecorator((_data: unknown, context: ExecutionContext): OrgAuth => {
  const auth = context.switchToHttp().getRequest<AuthedRequest>().auth;
  if (!auth) throw new UnauthorizedException();
  return auth;
});
