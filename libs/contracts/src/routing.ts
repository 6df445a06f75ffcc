import { ALL_EVENT_TYPES } from './event-types';
import { EndpointStatus, Mode } from './modes';
import { isOperationalEventType } from './operational-events';

/** The fields of an endpoint that decide whether it receives an event. */
export interface RoutableEndpoint {
  status: EndpointStatus;
  mode: Mode;
  eventTypes: readonly string[];
}

/**
 * An enabled endpoint of the event's mode that asked for its type, or for every type. `*` does not
 * include the operational types (`webhook.*`): an integration built for domain events would
 * otherwise start receiving the platform's notices about itself.
 */
export function endpointWantsEvent(endpoint: RoutableEndpoint, event: { type: string; mode: Mode }): boolean {
  if (endpoint.status !== 'enabled' || endpoint.mode !== event.mode) return false;
  if (endpoint.eventTypes.includes(event.type)) return true;
  return endpoint.eventTypes.includes(ALL_EVENT_TYPES) && !isOperationalEventType(event.type);
}
