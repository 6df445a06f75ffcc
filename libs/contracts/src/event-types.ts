// The catalog is data (table event_types); this list only seeds it in the first migration.
export const SEED_EVENT_TYPES: ReadonlyArray<{ name: string; description: string }> = [
  { name: 'order.new', description: 'A customer placed an order' },
  { name: 'order.updated', description: 'An order changed (status, items, shipping)' },
  { name: 'customer.created', description: 'A customer account was created' },
  { name: 'customer.updated', description: 'A customer account changed' },
  { name: 'product.created', description: 'A product was added to the catalog' },
  { name: 'product.updated', description: 'A product changed' },
  { name: 'product.deleted', description: 'A product was removed from the catalog' },
];

/** `*` in an endpoint's event types means every type, present and future. */
export const ALL_EVENT_TYPES = '*';

/** Event type names double as topic names, so they must be valid Kafka topic names too. */
export const EVENT_TYPE_NAME_PATTERN = /^[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)+$/;
