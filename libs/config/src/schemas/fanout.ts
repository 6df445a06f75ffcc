import { Type } from 'class-transformer';
import { IsInt, IsNotEmpty, IsString, Matches, Max, Min } from 'class-validator';
import { CommonConfig } from './common';
import { IsRegExpSource } from './validators';

/** The fan-out's settings (apps/fanout). */
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
   * The coordinator aborts a fan-out transaction open longer. A killed instance's open transaction holds back
   * read-committed readers of the deliveries topic, and the next owner of its partitions, until then (unless
   * it restarts with the same INSTANCE_ID, which aborts it at once). A transaction normally lasts milliseconds.
   */
  @Type(() => Number)
  @IsInt()
  @Min(2_000)
  @Max(900_000)
  FANOUT_TRANSACTION_TIMEOUT_MS: number = 10_000;

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
