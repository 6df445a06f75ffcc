/** Published on `Topics.endpointChanges` whenever an endpoint is created, changed or deleted. */
export interface EndpointChange {
  organizationId: string;
  endpointId: string;
  change: 'created' | 'updated' | 'deleted';
  /** The admin API request that made the change, for the logs of the instances that learn of it. */
  requestId?: string;
}
