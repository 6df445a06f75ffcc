// `sourcehub-webhooks trigger <type>` without --data sends the catalog's example. The catalog has no
// example column yet (SPEC §10 plans one), so the seeded types carry a small built-in example here and
// any other type gets `{}`. When the catalog gains examples, they take precedence over this list.
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
