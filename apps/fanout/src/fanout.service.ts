import { Injectable } from '@nestjs/common';
import { Message } from 'kafkajs';
import {
  decodeDomainEvent,
  deliveryIdFor,
  DeliveryMessage,
  encodeDeliveryMessage,
  endpointWantsEvent,
  Headers,
} from '@app/contracts';
import { EndpointDirectory, EventRepository, IncomingEvent, OrganizationRepository } from '@app/persistence';

export interface SourceRecord {
  topic: string;
  partition: number;
  offset: string;
  value: Buffer | null;
  key: Buffer | null;
}

/** What one batch of domain records turns into; the consumer writes it in one Kafka transaction. */
export interface FanoutResult {
  deliveries: Message[];
  quarantined: Message[];
  accepted: number;
  duplicates: number;
}

@Injectable()
export class FanoutService {
  /** Organizations seen to exist; organizations are not deleted while events flow. */
  private readonly knownOrganizations = new Set<string>();

  constructor(
    private readonly events: EventRepository,
    private readonly organizations: OrganizationRepository,
    private readonly directory: EndpointDirectory,
  ) {}

  async process(records: readonly SourceRecord[]): Promise<FanoutResult> {
    const quarantined: Message[] = [];
    const valid: Array<{ record: SourceRecord; incoming: IncomingEvent }> = [];
    for (const record of records) {
      const decoded = decodeDomainEvent(record.topic, record.value);
      if (!decoded.ok) quarantined.push(quarantine(record, decoded.reason));
      else valid.push({ record, incoming: { event: decoded.event, topic: record.topic, partition: record.partition, offset: record.offset } });
    }

    await this.rememberExistingOrganizations(valid.map((v) => v.incoming.event.organizationId));
    const known: IncomingEvent[] = [];
    for (const { record, incoming } of valid) {
      const organizationId = incoming.event.organizationId;
      if (this.knownOrganizations.has(organizationId)) known.push(incoming);
      else quarantined.push(quarantine(record, `unknown organization ${organizationId}`));
    }

    const fresh = await this.events.recordBatch(known);
    const deliveries: Message[] = [];
    for (const { event } of fresh) {
      for (const endpoint of await this.directory.enabledFor(event.organizationId)) {
        if (!endpointWantsEvent(endpoint, event)) continue;
        const message: DeliveryMessage = {
          deliveryId: deliveryIdFor(event.organizationId, event.id, endpoint.id),
          organizationId: event.organizationId,
          endpointId: endpoint.id,
          attempt: 1,
          event,
          trigger: 'event',
        };
        deliveries.push({ key: endpoint.id, value: encodeDeliveryMessage(message) });
      }
    }
    return { deliveries, quarantined, accepted: fresh.length, duplicates: known.length - fresh.length };
  }

  private async rememberExistingOrganizations(ids: string[]): Promise<void> {
    const unseen = [...new Set(ids)].filter((id) => !this.knownOrganizations.has(id));
    for (const id of await this.organizations.existing(unseen)) this.knownOrganizations.add(id);
  }
}

function quarantine(record: SourceRecord, reason: string): Message {
  return {
    key: record.key,
    value: record.value,
    headers: {
      [Headers.quarantineReason]: reason,
      [Headers.sourceTopic]: record.topic,
      [Headers.sourcePartition]: String(record.partition),
      [Headers.sourceOffset]: record.offset,
    },
  };
}
