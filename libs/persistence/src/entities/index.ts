import { ApiKeyEntity } from './api-key.entity';
import { AttemptEntity } from './attempt.entity';
import { DeliveryEntity } from './delivery.entity';
import { EndpointEntity } from './endpoint.entity';
import { EventTypeEntity } from './event-type.entity';
import { EventEntity } from './event.entity';
import { OrganizationEntity } from './organization.entity';

export { ApiKeyEntity, AttemptEntity, DeliveryEntity, EndpointEntity, EventEntity, EventTypeEntity, OrganizationEntity };
export { deliveryPartitionOf } from './endpoint.entity';

export const ENTITIES = [OrganizationEntity, ApiKeyEntity, EventTypeEntity, EndpointEntity, EventEntity, DeliveryEntity, AttemptEntity];
