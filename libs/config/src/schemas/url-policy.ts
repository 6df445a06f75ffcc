import { Transform } from 'class-transformer';
import { IsBoolean } from 'class-validator';
import { parseAllowedNetworks } from '@app/webhooks';
import { CommonConfig } from './common';
import { IsDnsServerList, ParsesWith, toBoolean } from './validators';

/** Settings that decide which webhook targets are allowed (SPEC §5). */
export class UrlPolicyConfig extends CommonConfig {
  /** CIDRs that may be targeted although private (development and tests only). Parsed by @app/webhooks. */
  @ParsesWith(parseAllowedNetworks)
  WEBHOOK_ALLOWED_PRIVATE_NETWORKS: string = '';

  @Transform(toBoolean)
  @IsBoolean()
  WEBHOOK_ALLOW_HTTP_IN_LIVE: boolean = false;

  /**
   * DNS servers that resolve webhook host names at registration and at connect (`ip[:port]`, comma-separated).
   * Empty: the system resolver. Parsed by @app/webhooks.
   */
  @IsDnsServerList()
  DNS_SERVERS: string = '';
}
