import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsNotEmpty, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { hostname } from 'node:os';

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
