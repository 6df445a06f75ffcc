import { Inject, Injectable } from '@nestjs/common';
import { Message } from 'kafkajs';
import type { Logger } from 'pino';
import { APP_LOGGER } from '@app/messaging';
import { decodeDomainEvent, deliveryIdFor, endpointWantsEvent } from '@app/contracts';
import { EndpointDirectory, EventRepository, IncomingEvent, OrganizationRepository } from '@app/persistence';
import { CompiledFilters, describeViolations, FilterTest } from '@app/event-rules';
import { DeliveryEncoder, newDeliveryEncoder } from './delivery-encoding';
import { EventSchemas } from './event-schemas';
import { FanoutMetrics } from './fanout.metrics';
import { decodeFailureKind, quarantine, QuarantinedRecord, SourceRecord } from './quarantine';

export type { SourceRecord } from './quarantine';

/** What one domain record turns into. */
export interface RecordOutcome {
  /** One message per endpoint that wants the event; empty for a duplicate or a quarantined record. */
  deliveries: Message[];
  quarantined: QuarantinedRecord | null;
  /** A first occurrence of its event id (or a re-read of the record that first stored it). */
  accepted: boolean;
  /** A repeat of an id the event log already holds from another record. */
  duplicate: boolean;
  /** Endpoints that wanted the event's type but whose filter did not match it. */
  filteredOut: number;
}

/**
 * A delivery message must fit the deliveries topic (broker default `max.message.bytes` 1 MiB with
 * framing); one that does not would fail the transaction on every re-read. The envelope around the
 * event (ids, attempt, trigger) stays well below the allowance subtracted here.
 */
const MAX_DELIVERY_EVENT_BYTES = 1_000_000 - 2_048;

interface Candidate {
  index: number;
  incoming: IncomingEvent;
  encoder: DeliveryEncoder;
}

@Injectable()
export class FanoutService {
  /** Organizations seen to exist; organizations are not deleted while events flow. */
  private readonly knownOrganizations = new Set<string>();
  /** Each endpoint's filter, compiled once per endpoint version. */
  readonly filters = new CompiledFilters();

  constructor(
    private readonly events: EventRepository,
    private readonly organizations: OrganizationRepository,
    private readonly directory: EndpointDirectory,
    private readonly schemas: EventSchemas,
    private readonly metrics: FanoutMetrics,
    @Inject(APP_LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * Decodes, validates and records a batch of domain records, and routes the new events.
   * Returns one outcome per record, in the records' order, so the caller can commit any prefix.
   * Throws only for infrastructure failures (database down): the caller must then not commit.
   */
  async process(records: readonly SourceRecord[]): Promise<RecordOutcome[]> {
    const outcomes: RecordOutcome[] = records.map(() => ({ deliveries: [], quarantined: null, accepted: false, duplicate: false, filteredOut: 0 }));
    const candidates: Candidate[] = [];
    records.forEach((record, index) => {
      const decoded = decodeDomainEvent(record.topic, record.value);
      if (!decoded.ok) {
        outcomes[index].quarantined = quarantine(record, decodeFailureKind(decoded.reason), decoded.reason);
        return;
      }
      const encoder = newDeliveryEncoder(decoded.event);
      if (encoder.eventBytes > MAX_DELIVERY_EVENT_BYTES) {
        const reason = `event of ${encoder.eventBytes} bytes does not fit a delivery message (max ${MAX_DELIVERY_EVENT_BYTES})`;
        outcomes[index].quarantined = quarantine(record, 'undeliverable', reason);
        return;
      }
      candidates.push({ index, encoder, incoming: { event: decoded.event, topic: record.topic, partition: record.partition, offset: record.offset } });
    });

    await this.rememberExistingOrganizations(candidates.map((c) => c.incoming.event.organizationId));
    const known = new Map<IncomingEvent, Candidate>();
    for (const candidate of candidates) {
      const { event } = candidate.incoming;
      if (!this.knownOrganizations.has(event.organizationId)) {
        outcomes[candidate.index].quarantined = quarantine(records[candidate.index], 'unknown_organization', `unknown organization ${event.organizationId}`);
        continue;
      }
      const broken = await this.schemas.check(event.type, event.data);
      if (broken) {
        const reason = `data does not match the schema of ${event.type} (version ${broken.version}): ${describeViolations(broken.violations)}`;
        outcomes[candidate.index].quarantined = quarantine(records[candidate.index], 'schema', reason, broken.violations);
        continue;
      }
      known.set(candidate.incoming, candidate);
    }

    const { toFanOut, refused } = await this.events.recordBatch([...known.keys()]);
    const fannedOut = new Set(toFanOut);
    const refusedSet = new Set(refused.map((r) => r.item));
    for (const { item, reason } of refused) {
      const { index } = known.get(item) as Candidate;
      outcomes[index].quarantined = quarantine(records[index], 'unstorable', `event log refused the event: ${reason}`);
    }
    for (const [incoming, { index }] of known) {
      if (!fannedOut.has(incoming) && !refusedSet.has(incoming)) outcomes[index].duplicate = true;
    }

    for (const incoming of toFanOut) {
      const { index, encoder } = known.get(incoming) as Candidate;
      const { event } = incoming;
      const outcome = outcomes[index];
      outcome.accepted = true;
      for (const endpoint of await this.directory.enabledFor(event.organizationId)) {
        if (!endpointWantsEvent(endpoint, event)) continue;
        if (!this.passes(this.filters.testFor(endpoint), event, endpoint.id)) {
          outcome.filteredOut++;
          continue;
        }
        const partition = endpoint.deliveryPartition ?? undefined;
        const value = encoder.encode(deliveryIdFor(event.organizationId, event.id, endpoint.id), endpoint.id, partition, records[index].stages);
        outcome.deliveries.push(partition === undefined ? { key: endpoint.id, value } : { key: endpoint.id, value, partition });
      }
    }
    return outcomes;
  }

  /**
   * A filter was checked before it was stored, so a throw here is a defect (of ours or the engine's):
   * the event is delivered rather than lost, and the defect is logged and counted.
   */
  private passes(test: FilterTest, event: object, endpointId: string): boolean {
    try {
      return test(event);
    } catch (err) {
      this.metrics.filterErrors.inc();
      this.logger.error({ err, endpointId }, 'an endpoint filter failed on an event; delivering it unfiltered');
      return true;
    }
  }

  private async rememberExistingOrganizations(ids: string[]): Promise<void> {
    const unseen = [...new Set(ids)].filter((id) => !this.knownOrganizations.has(id));
    for (const id of await this.organizations.existing(unseen)) this.knownOrganizations.add(id);
  }
}
