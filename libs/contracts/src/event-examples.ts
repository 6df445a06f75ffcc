import { ALL_EVENT_TYPES } from './event-types';
import { isOperationalEventType } from './operational-events';

// `sourcehub-webhooks trigger <type>` without --data sends the catalog's example (PUT /v1/event-types).
// A type without one in the catalog falls back to the small built-in example here (the seeded types),
// any other type to `{}`.
const EXAMPLES: Readonly<Record<string, Record<string, unknown>>> = {
  'order.new': { orderId: 'ord_example', customerId: 'cus_example', total: 42.5, currency: 'EUR', items: [{ sku: 'SKU-1', qty: 2 }] },
  'order.updated': { orderId: 'ord_example', status: 'shipped' },
  'customer.created': { customerId: 'cus_example', email: 'jane@example.com', name: 'Jane Example' },
  'customer.updated': { customerId: 'cus_example', email: 'jane.new@example.com' },
  'product.created': { productId: 'prod_example', name: 'Example mug', price: 12, currency: 'EUR' },
  'product.updated': { productId: 'prod_example', price: 14 },
  'product.deleted': { productId: 'prod_example' },
};

/** The `data` of a test event of `type` when the caller gave none (a fresh copy each time). */
export function exampleEventData(type: string): Record<string, unknown> {
  return structuredClone(EXAMPLES[type] ?? {});
}

/** A catalog entry as far as test events care. */
export interface ExampleSource {
  name: string;
  example: Record<string, unknown> | null;
}

/**
 * The type a test event to an endpoint is sent as (SPEC §10: "a test event uses the type's example"):
 * the type asked for, if it has an example; else the first type the endpoint names that has one; for an
 * endpoint of every type (`*`), the first such type of the catalog by name. Operational types are never
 * chosen unasked. Null: no example applies, the caller sends its generic test event.
 */
export function testEventExample(endpointTypes: readonly string[], catalog: readonly ExampleSource[], requested?: string): ExampleSource | null {
  const withExample = new Map(catalog.filter((t) => t.example !== null).map((t) => [t.name, t]));
  if (requested !== undefined) return withExample.get(requested) ?? null;
  for (const type of endpointTypes) {
    const found = withExample.get(type);
    if (found && !isOperationalEventType(type)) return found;
  }
  if (!endpointTypes.includes(ALL_EVENT_TYPES)) return null;
  return [...withExample.values()].filter((t) => !isOperationalEventType(t.name)).sort((a, b) => a.name.localeCompare(b.name))[0] ?? null;
}
