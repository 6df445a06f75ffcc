import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Admin, Kafka } from 'kafkajs';
import { FanoutConfig } from '@app/config';
import { domainTopics, ensureTopics, KAFKA } from '@app/messaging';
import { EventTypeRepository } from '@app/persistence';
import { isInternalTopic, selectDomainTopics } from './domain-topics';

/**
 * Which domain topics the fan-out consumes right now: the configured list (default: the event-type
 * catalog, read from the database each time, so a type added to the catalog needs no release),
 * created if missing, plus existing topics matching the configured pattern.
 */
@Injectable()
export class DomainTopicDiscovery implements OnApplicationShutdown {
  private admin: Admin | null = null;

  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(FanoutConfig) private readonly config: FanoutConfig,
    private readonly eventTypes: EventTypeRepository,
  ) {}

  async current(): Promise<string[]> {
    const admin = await this.connectedAdmin();
    const configured = this.config.fanoutTopics;
    const listed = (configured.length > 0 ? configured : (await this.eventTypes.list()).map((t) => t.name)).filter((t) => !isInternalTopic(t));
    let existing = new Set(await admin.listTopics());
    const missing = listed.filter((t) => !existing.has(t));
    if (missing.length > 0) {
      const layout = this.config.topicLayout;
      await ensureTopics(this.kafka, domainTopics(layout, missing));
      existing = new Set(await admin.listTopics());
    }
    return selectDomainTopics(existing, listed, this.config.fanoutTopicPattern);
  }

  private async connectedAdmin(): Promise<Admin> {
    if (!this.admin) {
      const admin = this.kafka.admin();
      await admin.connect();
      this.admin = admin;
    }
    return this.admin;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.admin?.disconnect();
    this.admin = null;
  }
}
