import { ALL_EVENT_TYPES } from './event-types';
import { EndpointStatus, Mode } from './modes';

/** The fields of an endpoint that decide whether it receives an event. */
export interface RoutableEndpoint {
  status: EndpointStatus;
  mode: Mode;
  eventTypes: readonly string[];
}

/** An enabled endpoint of the event's mode that asked for its type (or for every type). */
export function endpointWantsEvent(endpoint: RoutableEndpoint, event: { type: string; mode: Mode }): boolean {
  return (
    endpoint.status === 'enabled' &&
    endpoint.mode === event.mode &&
    (endpoint.eventTypes.includes(ALL_EVENT_TYPES) || endpoint.eventTypes.includes(event.type))
  );
}
