import { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { EndpointChange, EventTypeChange, Topics } from '@app/contracts';
import { BroadcastReader } from './broadcast-reader';

/**
 * What a cache owner does besides per-organization invalidation:
 * - `onResync`: drop everything. Called when the feed (re)starts reading at the topic's end (changes
 *   published before that point were never seen, so anything cached earlier may be stale) and when a
 *   notice cannot be read (we cannot tell which organization it was about).
 * - `onDown`: the feed is not reading; changes are being missed until the next `onResync`, so the
 *   cache should keep entries only briefly.
 */
export interface ChangeFeedLifecycle {
  onResync?(): void;
  onDown?(): void;
  /** An event type's schema or example changed; readers without it ignore such notices. */
  onEventTypeChange?(change: EventTypeChange): void;
}

/**
 * Every instance must see every change, so each one reads the change topic in a group of its own,
 * from the latest offset, committing nothing: a restarted instance starts with an empty cache anyway.
 */
export class EndpointChangeFeed {
  private readonly reader: BroadcastReader;

  constructor(
    kafka: Kafka,
    instanceId: string,
    private readonly logger: Logger,
  ) {
    this.reader = new BroadcastReader(kafka, { name: 'endpoint change feed', topic: Topics.endpointChanges, instanceId, logger });
  }

  /**
   * Resolves once the feed reads (offsets resolved after joining its group), so a cache filled
   * after this call cannot miss a change; or after `liveTimeoutMs`, with `onDown` called, so a slow
   * broker delays freshness, not the service's start.
   */
  async start(onChange: (change: EndpointChange) => void, lifecycle: ChangeFeedLifecycle = {}, liveTimeoutMs = 20_000): Promise<void> {
    const live = await this.reader.start(
      (message) => {
        const change = parseChange(message.value);
        if (change && 'eventType' in change) return lifecycle.onEventTypeChange?.(change);
        if (change) {
          this.logger.debug({ organizationId: change.organizationId, endpointId: change.endpointId, change: change.change, requestId: change.requestId }, 'endpoint change notice');
          return onChange(change);
        }
        this.logger.warn({ offset: message.offset }, 'unreadable endpoint change notice; dropping every cached organization');
        lifecycle.onResync?.();
      },
      { onLive: () => lifecycle.onResync?.(), onDown: () => lifecycle.onDown?.() },
      liveTimeoutMs,
    );
    // Until it reads, changes may be missed: caches stay short-lived.
    if (!live) lifecycle.onDown?.();
  }

  async stop(): Promise<void> {
    await this.reader.stop();
  }
}

function parseChange(value: Buffer | null): EndpointChange | EventTypeChange | null {
  if (!value) return null;
  try {
    const parsed = JSON.parse(value.toString('utf8')) as Partial<EndpointChange & EventTypeChange> | null;
    if (parsed && typeof parsed.eventType === 'string' && parsed.organizationId === undefined) return { eventType: parsed.eventType, change: 'updated' };
    return parsed && typeof parsed.organizationId === 'string' ? (parsed as EndpointChange) : null;
  } catch {
    return null;
  }
}
