/** Published on `Topics.endpointChanges` whenever an endpoint is created, changed or deleted. */
export interface EndpointChange {
  organizationId: string;
  endpointId: string;
  change: 'created' | 'updated' | 'deleted';
  /** The admin API request that made the change, for the logs of the instances that learn of it. */
  requestId?: string;
}

/**
 * Published on the same topic (key = the type's name) when the platform operator changes an event
 * type's schema or example: fan-outs drop the compiled schema of that type. The same feed as endpoint
 * changes, so the same reader, resync and down handling apply.
 */
export interface EventTypeChange {
  eventType: string;
  change: 'updated';
}
