import { Type } from 'class-transformer';
import { IsInt, IsString, Matches, Max, Min, MinLength } from 'class-validator';
import { UrlPolicyConfig } from './url-policy';

/** The admin API's settings (apps/subscriptions). */
export class SubscriptionsConfig extends UrlPolicyConfig {
  override PORT = 3000;

  @IsString()
  @MinLength(16, { message: 'PLATFORM_ADMIN_TOKEN must be at least 16 characters' })
  PLATFORM_ADMIN_TOKEN: string;

  /** How long the previous secret keeps signing after a rotation. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  SECRET_ROTATION_OVERLAP_SECONDS: number = 24 * 3600;

  /** Events, attempts and idle deliveries older than this are removed by the retention job. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(3650)
  RETENTION_DAYS: number = 30;

  /** How often the retention job runs (it deletes in small batches, so a run never holds long locks). */
  @Type(() => Number)
  @IsInt()
  @Min(10)
  RETENTION_INTERVAL_SECONDS: number = 3600;

  /** The most events one replay job may re-deliver; a larger range is refused with a 400. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  REPLAY_MAX_EVENTS: number = 100_000;

  /** Admin API requests one API key (or the platform token) may make per window; 0 switches the limit off. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  API_RATE_LIMIT_PER_KEY: number = 1_200;

  /**
   * Admin API requests without a valid key (none, unknown, revoked) one client address may make per
   * window; past it every request from that address gets 429 until the window ends, so keys cannot be
   * guessed at speed. 0 switches the limit off.
   */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  API_RATE_LIMIT_FAILED_AUTH_PER_IP: number = 60;

  /** The fixed window both limits count in. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(86_400)
  API_RATE_LIMIT_WINDOW_SECONDS: number = 60;

  /**
   * Which proxies to believe about the client address (X-Forwarded-For), as Express's "trust proxy":
   * empty (the connecting address is the client), a hop count, or addresses/CIDRs (`loopback`,
   * `10.0.0.0/8`, ...). The failed-auth limit counts per client address, so set it behind a proxy.
   */
  @Matches(/^(|true|false|\d+|(loopback|linklocal|uniquelocal|[0-9A-Fa-f:.]+(\/\d{1,3})?)(\s*,\s*(loopback|linklocal|uniquelocal|[0-9A-Fa-f:.]+(\/\d{1,3})?))*)$/, {
    message: 'TRUST_PROXY must be empty, true, false, a hop count, or a comma list of addresses, CIDRs, loopback, linklocal, uniquelocal',
  })
  TRUST_PROXY: string = '';

  /** Strict-Transport-Security max-age; 0 (default) sends none, right for plain-http local use. Set it when served over https. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  HSTS_MAX_AGE_SECONDS: number = 0;

  /**
   * How long a `sourcehub-webhooks listen` session outlives its connection: the instance holding it
   * renews its lease every third of this; a session whose lease ran out is removed (with its endpoint).
   * Also how long a CLI may take to reconnect without losing its session.
   */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(3600)
  LISTEN_SESSION_GRACE_SECONDS: number = 30;

  /**
   * How long an admin call waits for Kafka to take what it publishes (a test event, a resend, a
   * triggered event) before it answers 503 kafka_unavailable with Retry-After.
   */
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(30_000)
  KAFKA_PUBLISH_TIMEOUT_MS: number = 3_000;

  /** How often each instance relays the endpoint-change outbox to the change topic (it also relays right after each change it commits). */
  @Type(() => Number)
  @IsInt()
  @Min(50)
  @Max(60_000)
  OUTBOX_RELAY_INTERVAL_MS: number = 1_000;

  /** How long an Idempotency-Key is remembered. */
  @Type(() => Number)
  @IsInt()
  @Min(60)
  @Max(7 * 86_400)
  IDEMPOTENCY_KEY_TTL_SECONDS: number = 86_400;

  /** TRUST_PROXY as Express's `trust proxy` setting. */
  get trustProxy(): boolean | number | string {
    if (this.TRUST_PROXY === '' || this.TRUST_PROXY === 'false') return false;
    if (this.TRUST_PROXY === 'true') return true;
    return /^\d+$/.test(this.TRUST_PROXY) ? Number(this.TRUST_PROXY) : this.TRUST_PROXY;
  }
}
