import { Type } from 'class-transformer';
import { IsInt, IsNotEmpty, IsString, Max, Min } from 'class-validator';
import { parseRetrySchedule } from '@app/webhooks';
import { UrlPolicyConfig } from './url-policy';
import { ParsesWith } from './validators';

/** The delivery's settings (apps/delivery). */
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
   * Offset commits start at most this often; outcomes are durable before, so a crash re-delivers at
   * most this long's worth of deliveries. 0 commits after every durable round.
   */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  DELIVERY_COMMIT_INTERVAL_MS: number = 100;

  /**
   * Outcomes (attempt log, retry messages) are written in rounds starting at most this often; a crash
   * before a round re-delivers its deliveries. 0 writes a round as soon as an outcome is in.
   */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  DELIVERY_PERSIST_INTERVAL_MS: number = 50;

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
  DELIVERY_MAX_BUFFERED_BYTES: number = 4 * 1024 * 1024;

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
