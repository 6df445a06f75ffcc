import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { SubscriptionsConfig } from '@app/config';
import { APP_LOGGER } from '@app/messaging';
import { RetainedTable, RetentionRepository } from '@app/persistence';

const DAY_MS = 24 * 3600 * 1000;
/** Rows per DELETE: small enough that each statement is over in milliseconds. */
export const RETENTION_BATCH_SIZE = 1000;
// A breath between statements leaves the database to the hot path even while a large backlog goes.
const PAUSE_BETWEEN_BATCHES_MS = 20;
/** The first run waits a little, so a starting fleet does not begin with a burst of deletes. */
const FIRST_RUN_DELAY_MS = 60_000;
// Children first: attempts and deliveries of an event are gone before the event.
const TABLES: RetainedTable[] = ['attempts', 'deliveries', 'events', 'replay_jobs'];

export type RetentionReport = Record<RetainedTable, number>;

/**
 * Removes events, attempts, deliveries idle for the retention period and finished replay jobs older
 * than RETENTION_DAYS, periodically, in batches. Every instance runs it; two instances deleting at
 * once only share the work.
 */
@Injectable()
export class RetentionService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private timer: NodeJS.Timeout | null = null;
  private current: Promise<RetentionReport> | null = null;
  private stopping = false;

  constructor(
    private readonly retention: RetentionRepository,
    @Inject(SubscriptionsConfig) private readonly config: SubscriptionsConfig,
    @Inject(APP_LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    const tick = () => {
      void this.runOnce().catch((err: unknown) => this.logger.error({ err }, 'retention run failed; the next run tries again'));
    };
    this.timer = setTimeout(() => {
      tick();
      this.timer = setInterval(tick, this.config.RETENTION_INTERVAL_SECONDS * 1000);
      this.timer.unref();
    }, FIRST_RUN_DELAY_MS);
    this.timer.unref();
  }

  /** One pass over every table; a call during a pass joins it. */
  runOnce(now: Date = new Date(), batchSize = RETENTION_BATCH_SIZE): Promise<RetentionReport> {
    this.current ??= this.pass(new Date(now.getTime() - this.config.RETENTION_DAYS * DAY_MS), batchSize).finally(() => (this.current = null));
    return this.current;
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    await this.current?.catch(() => undefined);
  }

  private async pass(cutoff: Date, batchSize: number): Promise<RetentionReport> {
    const report: RetentionReport = { attempts: 0, deliveries: 0, events: 0, replay_jobs: 0 };
    for (const table of TABLES) {
      for (;;) {
        if (this.stopping) return report;
        const deleted = await this.retention.deleteBatch(table, cutoff, batchSize);
        report[table] += deleted;
        if (deleted < batchSize) break;
        await new Promise((resolve) => setTimeout(resolve, PAUSE_BETWEEN_BATCHES_MS));
      }
    }
    if (Object.values(report).some((n) => n > 0)) this.logger.info({ cutoff: cutoff.toISOString(), deleted: report }, 'retention removed old history');
    return report;
  }
}
