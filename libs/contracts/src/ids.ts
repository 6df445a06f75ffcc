import { createHash } from 'node:crypto';
import { monotonicFactory } from 'ulid';

// Typed, prefixed, time-sortable ids (ULID): the prefix tells a reader what an id names,
// and sortability gives cursor pagination a stable order.
export type IdPrefix = 'org' | 'key' | 'ep' | 'evt' | 'del' | 'job';

const nextUlid = monotonicFactory();

export function newId(prefix: IdPrefix): string {
  return `${prefix}_${nextUlid().toLowerCase()}`;
}

/**
 * A delivery is one event bound for one endpoint; deriving its id from that pair makes every
 * re-processing of the same event (crash, duplicate publish) land on the same delivery and the
 * same `webhook-id`, so receivers can drop duplicates.
 */
export function deliveryIdFor(organizationId: string, eventId: string, endpointId: string): string {
  const digest = createHash('sha256').update(`${organizationId}\u0000${eventId}\u0000${endpointId}`).digest('hex');
  return `del_${digest.slice(0, 32)}`;
}
