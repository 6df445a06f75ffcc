/** Published on `Topics.endpointChanges` whenever an endpoint is created, changed or deleted. */
export interface EndpointChange {
  organizationId: string;
  endpointId: string;
  change: 'created' | 'updated' | 'deleted';
}
