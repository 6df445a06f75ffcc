import { deliveryIdFor, endpointWantsEvent } from '@app/contracts';
import { BenchReceiver } from '../bench/support/receiver';

/** An endpoint of one phase, registered through the admin API, receiving at `path` of the receiver. */
export interface LedgerEndpoint {
  path: string;
  id: string;
  eventTypes: string[];
}

interface Expected {
  path: string;
  /** The event's scheduled publish time (open loop), also its `occurredAt`. */
  scheduledAt: number;
}

export interface EndpointTally {
  path: string;
  eventTypes: string[];
  expected: number;
  delivered: number;
  duplicated: number;
  lost: number;
  unexpected: number;
}

export interface LedgerTally {
  eventsPublished: number;
  eventsUncertain: number;
  expected: number;
  delivered: number;
  duplicated: number;
  lost: number;
  unexpected: number;
  endpoints: EndpointTally[];
}

/**
 * What one phase published and what each of its endpoints must therefore receive: the
 * `webhook-id` of every (event, matching endpoint) pair, derived the way the pipeline derives it.
 * Events whose publish failed are "uncertain" (Kafka may or may not have them): neither required
 * nor counted against the pipeline when they arrive.
 */
export class Ledger {
  private readonly expected = new Map<string, Expected>();
  private readonly uncertain = new Set<string>();
  /** Expected ids not received yet, in publish order (pruned as they arrive). */
  private outstanding: string[] = [];
  eventsPublished = 0;
  eventsUncertain = 0;

  constructor(
    readonly organizationId: string,
    readonly endpoints: LedgerEndpoint[],
    private readonly receiver: BenchReceiver,
  ) {}

  published(events: Array<{ id: string; type: string; scheduledAt: number }>): void {
    for (const e of events) {
      this.eventsPublished++;
      for (const ep of this.matching(e.type)) {
        const id = deliveryIdFor(this.organizationId, e.id, ep.id);
        this.expected.set(id, { path: ep.path, scheduledAt: e.scheduledAt });
        this.outstanding.push(id);
      }
    }
  }

  failedToPublish(events: Array<{ id: string; type: string }>): void {
    for (const e of events) {
      this.eventsUncertain++;
      for (const ep of this.matching(e.type)) this.uncertain.add(deliveryIdFor(this.organizationId, e.id, ep.id));
    }
  }

  get expectedCount(): number {
    return this.expected.size;
  }

  /** Expected deliveries received so far (distinct webhook-ids). */
  delivered(): number {
    this.prune();
    return this.expected.size - this.outstanding.length;
  }

  /** Expected deliveries of events scheduled up to `t` that have not arrived yet. */
  outstandingUpTo(t: number): number {
    this.prune();
    let n = 0;
    for (const id of this.outstanding) if (this.expected.get(id)!.scheduledAt <= t) n++;
    return n;
  }

  /** The earliest arrival of a delivery of an event scheduled after `t`, or null. */
  firstArrivalOfEventsAfter(t: number): number | null {
    let first: number | null = null;
    for (const [id, e] of this.expected) {
      if (e.scheduledAt <= t) continue;
      const at = this.receiver.firstReceiptById.get(id);
      if (at !== undefined && (first === null || at < first)) first = at;
    }
    return first;
  }

  tally(): LedgerTally {
    const endpoints = this.endpoints.map((ep): EndpointTally => {
      const received = this.receiver.idsByPath.get(ep.path) ?? new Set<string>();
      let expected = 0;
      let delivered = 0;
      for (const [id, e] of this.expected) {
        if (e.path !== ep.path) continue;
        expected++;
        if (received.has(id)) delivered++;
      }
      let unexpected = 0;
      for (const id of received) if (!this.expected.has(id) && !this.uncertain.has(id)) unexpected++;
      return {
        path: ep.path,
        eventTypes: ep.eventTypes,
        expected,
        delivered,
        duplicated: (this.receiver.requestsByPath.get(ep.path) ?? 0) - received.size,
        lost: expected - delivered,
        unexpected,
      };
    });
    const sum = (k: 'expected' | 'delivered' | 'duplicated' | 'lost' | 'unexpected') => endpoints.reduce((n, e) => n + e[k], 0);
    return {
      eventsPublished: this.eventsPublished,
      eventsUncertain: this.eventsUncertain,
      expected: sum('expected'),
      delivered: sum('delivered'),
      duplicated: sum('duplicated'),
      lost: sum('lost'),
      unexpected: sum('unexpected'),
      endpoints,
    };
  }

  private matching(type: string): LedgerEndpoint[] {
    return this.endpoints.filter((ep) => endpointWantsEvent({ status: 'enabled', mode: 'live', eventTypes: ep.eventTypes }, { type, mode: 'live' }));
  }

  private prune(): void {
    const first = this.receiver.firstReceiptById;
    if (this.outstanding.some((id) => first.has(id))) this.outstanding = this.outstanding.filter((id) => !first.has(id));
  }
}
