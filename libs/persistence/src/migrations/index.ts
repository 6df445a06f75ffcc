import { InitialSchema1764300000000 } from './1764300000000-initial-schema';
import { HistoryAndReplays1764400000000 } from './1764400000000-history-and-replays';
import { ApiRateLimits1764450000000 } from './1764450000000-api-rate-limits';
import { EndpointHealth1764500000000 } from './1764500000000-endpoint-health';
import { ListenSessions1764517000000 } from './1764517000000-listen-sessions';
import { EndpointPacing1764661616000 } from './1764661616000-endpoint-pacing';
import { EndpointFilter1796187000000 } from './1796187000000-endpoint-filter';
import { EventTypeSchemas1796187100000 } from './1796187100000-event-type-schemas';
import { IdempotencyAndOutbox1796187146000 } from './1796187146000-idempotency-and-outbox';
import { DeliveryPartitions1796189580000 } from './1796189580000-delivery-partitions';

/** Every migration, oldest first. Listed by class (not a glob) so the webpack bundles carry them. */
export const MIGRATIONS = [
  InitialSchema1764300000000,
  HistoryAndReplays1764400000000,
  ApiRateLimits1764450000000,
  EndpointHealth1764500000000,
  ListenSessions1764517000000,
  EndpointPacing1764661616000,
  EndpointFilter1796187000000,
  EventTypeSchemas1796187100000,
  IdempotencyAndOutbox1796187146000,
  DeliveryPartitions1796189580000,
];
