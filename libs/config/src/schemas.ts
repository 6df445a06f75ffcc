import 'reflect-metadata';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsNotEmpty, IsOptional, IsString, Matches, Max, Min, MinLength, ValidateBy } from 'class-validator';
import { Resolver } from 'node:dns';
import { hostname } from 'node:os';
import { parseAllowedNetworks, parseRetrySchedule } from '@app/webhooks';

const toBoolean = ({ value }: { value: unknown }) => value === true || value === 'true' || value === '1';

/** A comma-separated list Node's resolver accepts as DNS servers (`ip`, `ip:port`, `[ipv6]:port`); empty allowed. */
/**
 * A setting kept as the string the operator wrote but checked at start by the very parser that reads it
 * later, so a bad value exits naming the variable instead of failing inside a service.
 */
function ParsesWith(parse: (raw: string) => unknown): PropertyDecorator {
  let problem = '';
  return ValidateBy({
    name: 'parsesWith',
    validator: {
      validate: (value: unknown) => {
        if (typeof value !== 'string') return false;
        try {
          parse(value);
          return true;
        } catch (err) {
          problem = (err as Error).message;
          return false;
        }
      },
      defaultMessage: () => problem,
    },
  });
}

function IsDnsServerList(): PropertyDecorator {
  return ValidateBy({
    name: 'isDnsServerList',
    validator: {
      validate: (value: unknown) => {
        if (typeof value !== 'string') return false;
        const servers = value.split(',').map((s) => s.trim()).filter(Boolean);
        try {
          new Resolver().setServers(servers);
          return true;
        } catch {
          return false;
        }
      },
      defaultMessage: () => '$property must be a comma-separated list of DNS server addresses such as 10.0.0.2 or 127.0.0.1:5353',
    },
  });
}

/** Settings every service shares. */
export class CommonConfig {
  /** Comma-separated host:port list. */
  @Matches(/^[^,\s]+:\d+(,[^,\s]+:\d+)*$/, { message: 'KAFKA_BROKERS must be host:port[,host:port...]' })
  KAFKA_BROKERS: string;

  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL: string;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT: number;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace'])
  LOG_LEVEL: string = 'info';

  /** Partitions of the topics the project creates; bounds how many consumers can share the work. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  KAFKA_TOPIC_PARTITIONS: number = 12;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  KAFKA_REPLICATION_FACTOR: number = 1;

  /**
   * In-sync replicas a write to the project's topics needs (every producer waits for all of them). Unset: one less
   * than the replication factor, at least 1 (RF 3 -> 2: one broker may be down without stopping writes).
   */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  KAFKA_MIN_INSYNC_REPLICAS?: number;

  /**
   * How long a starting service waits for another one to finish migrating the database before it
   * gives up with a message naming the holder of the migration lock (it warns from 3 s on).
   */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  MIGRATION_LOCK_TIMEOUT_SECONDS: number = 300;

  /** Names this process among its siblings (transactional id, cache-feed group). */
  @IsString()
  @IsNotEmpty()
  INSTANCE_ID: string = `${hostname()}-${process.pid}`;

  get kafkaBrokers(): string[] {
    return this.KAFKA_BROKERS.split(',');
  }

  /** How the project's topics are created: partitions, replication and the in-sync replicas a write needs. */
  get topicLayout(): { partitions: number; replicationFactor: number; minInsyncReplicas: number } {
    const replicationFactor = this.KAFKA_REPLICATION_FACTOR;
    const minInsyncReplicas = Math.min(this.KAFKA_MIN_INSYNC_REPLICAS ?? Math.max(1, replicationFactor - 1), replicationFactor);
    return { partitions: this.KAFKA_TOPIC_PARTITIONS, replicationFactor, minInsyncReplicas };
  }
}

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

/** A setting that must compile as a JavaScript regular expression (empty allowed: "none"). */
function IsRegExpSource(): PropertyDecorator {
  return ValidateBy({
    name: 'isRegExpSource',
    validator: {
      validate: (value: unknown) => {
        if (typeof value !== 'string') return false;
        try {
          new RegExp(value);
          return true;
        } catch {
          return false;
        }
      },
      defaultMessage: () => '$property must be a valid regular expression',
    },
  });
}

export class FanoutConfig extends CommonConfig {
  override PORT = 3001;

  @IsString()
  @IsNotEmpty()
  FANOUT_GROUP_ID: string = 'sourcehub-webhooks-fanout';

  /** Domain topics to consume, comma-separated. Empty: every type in the event_types catalog (read again on each refresh). */
  @Matches(/^([^,\s]+(,[^,\s]+)*)?$/, { message: 'FANOUT_TOPICS must be a comma-separated list of topic names' })
  FANOUT_TOPICS: string = '';

  /**
   * Existing topics whose name matches are consumed too, so a producer's new `product.*` topic needs no
   * release. Empty: none. Internal (`webhooks.`) and Kafka (`__`) topics never match, whatever the pattern.
   */
  @IsRegExpSource()
  FANOUT_TOPIC_PATTERN: string = '^(order|customer|product)\\.[a-z0-9_-]+(\\.[a-z0-9_-]+)*$';

  /** How often the topic list is read again to find new domain topics (kafkajs resolves a pattern only at subscribe time). */
  @Type(() => Number)
  @IsInt()
  @Min(500)
  FANOUT_TOPIC_REFRESH_MS: number = 30_000;

  /** Consumer-group session timeout: how long a killed instance's partitions wait before another instance takes them. */
  @Type(() => Number)
  @IsInt()
  @Min(6_000)
  @Max(300_000)
  FANOUT_SESSION_TIMEOUT_MS: number = 30_000;

  /**
   * Bytes of domain records per fetch. One fetch becomes one event-log INSERT and one Kafka
   * transaction, so this bounds their size (times the fan-out factor for the messages produced).
   */
  @Type(() => Number)
  @IsInt()
  @Min(16 * 1024)
  FANOUT_MAX_BYTES_PER_FETCH: number = 2 * 1024 * 1024;

  /** Safety net for an endpoint change notice that never arrived; the change feed normally acts within a second. */
  @Type(() => Number)
  @IsInt()
  @Min(1_000)
  FANOUT_ENDPOINT_CACHE_TTL_MS: number = 60_000;

  get fanoutTopics(): string[] {
    return this.FANOUT_TOPICS.split(',').filter((t) => t.length > 0);
  }

  get fanoutTopicPattern(): RegExp | null {
    return this.FANOUT_TOPIC_PATTERN === '' ? null : new RegExp(this.FANOUT_TOPIC_PATTERN);
  }
}

export class DeliveryConfig extends UrlPolicyConfig {
  override PORT = 3002;

  /** Waits between attempts, parsed and capped by @app/webhooks. */
  @ParsesWith(parseRetrySchedule)
  RETRY_SCHEDULE_SECONDS: string = '10,100,1000,10000';

  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(60000)
  DELIVERY_TIMEOUT_MS: number = 5000;

  @IsString()
  @IsNotEmpty()
  DELIVERY_GROUP_ID: string = 'sourcehub-webhooks-delivery';

  /** How long a silent delivery instance keeps its partitions before the group hands them to the others. */
  @Type(() => Number)
  @IsInt()
  @Min(6000)
  DELIVERY_SESSION_TIMEOUT_MS: number = 30_000;

  /** Consecutive failures after which an endpoint's calls are skipped for DELIVERY_BREAKER_OPEN_MS. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  DELIVERY_BREAKER_FAILURES: number = 5;

  @Type(() => Number)
  @IsInt()
  @Min(100)
  DELIVERY_BREAKER_OPEN_MS: number = 5_000;

  /**
   * An endpoint with no successful call for this long, every call in that time failing, is disabled
   * (`disabledReason: "failing"`). Judged when a call fails, so an endpoint receiving nothing is never disabled.
   */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  ENDPOINT_DISABLE_AFTER_SECONDS: number = 432_000;

  /** Retry waits are spread upwards by up to this percentage (never shorter than the schedule); 0 switches it off. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(10)
  RETRY_JITTER_PERCENT: number = 10;

  /** Requests in flight to one endpoint at a time, per delivery instance. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  DELIVERY_MAX_IN_FLIGHT_PER_ENDPOINT: number = 10;

  /**
   * An endpoint all of whose call slots have been out this long is hanging: its queued messages
   * are deferred to a retry tier (no attempt used) instead of holding up its partition's commits.
   */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  DELIVERY_LANE_STALL_MS: number = 1000;

  /**
   * How long the delivery trusts its in-memory endpoint list without a change notice; past it the
   * list is read again, and the last one read is still served while the database is away.
   */
  @Type(() => Number)
  @IsInt()
  @Min(100)
  DELIVERY_ENDPOINT_CACHE_TTL_MS: number = 60_000;

  /** Bytes of fetched, not yet settled delivery messages per instance above which fetching pauses. */
  @Type(() => Number)
  @IsInt()
  @Min(1024 * 1024)
  DELIVERY_MAX_BUFFERED_BYTES: number = 64 * 1024 * 1024;

  /**
   * Requests in flight at a time per delivery instance, all endpoints together: bounds one
   * instance's sockets and memory; more throughput comes from more instances (they share the partitions).
   */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  DELIVERY_MAX_IN_FLIGHT: number = 256;

  /**
   * A delivery to a CLI listen session waits DELIVERY_TIMEOUT_MS (the local call's budget, as for any
   * endpoint) plus this for the two relay hops (Kafka, admin API, the CLI's connection) before it counts
   * as timed out.
   */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(60_000)
  LISTEN_RELAY_ALLOWANCE_MS: number = 2_000;

  /**
   * A rate-limited endpoint's deliveries wait in memory for at most this many seconds' worth of its
   * limit; the ones beyond wait in the first retry tier instead (no attempt used), so a burst holds
   * neither the partition's commit point nor the buffer for long.
   */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(3600)
  DELIVERY_RATE_LIMIT_QUEUE_SECONDS: number = 10;

  /**
   * How often a delivery instance looks for strict-order endpoints whose queue has a due delivery and
   * no live drainer (a retry come due, or the queue of a stopped instance).
   */
  @Type(() => Number)
  @IsInt()
  @Min(50)
  @Max(60_000)
  DELIVERY_STRICT_POLL_MS: number = 1_000;
}

/** The terminal command's defaults for --api and --key (flags win). */
export class CliConfig {
  @IsOptional()
  @Matches(/^https?:\/\/\S+$/, { message: 'SOURCEHUB_API_URL must be an http(s) URL' })
  SOURCEHUB_API_URL?: string;

  @IsOptional()
  @IsString()
  SOURCEHUB_API_KEY?: string;
}
