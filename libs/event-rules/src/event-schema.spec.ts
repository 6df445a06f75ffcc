import { checkExample, compileEventSchema, describeViolations, SchemaTest } from './event-schema';

const orderSchema = {
  type: 'object',
  required: ['orderId', 'total'],
  properties: { orderId: { type: 'string' }, total: { type: 'number', minimum: 0 }, email: { type: 'string', format: 'email' } },
};

function compiled(schema: unknown): SchemaTest {
  const result = compileEventSchema(schema);
  if (!result.ok) throw new Error(result.problem);
  return result.value;
}

describe('compileEventSchema', () => {
  const invalid: Array<[string, unknown, string]> = [
    ['a string', 'object', 'schema must be a JSON Schema object'],
    ['an array', [], 'schema must be a JSON Schema object'],
    ['an unknown type', { type: 'objekt' }, 'schema is not a valid JSON Schema (draft-07): schema is invalid: data/type must be equal to one of the allowed values'],
    ['an unknown keyword', { type: 'object', requird: ['a'] }, 'unknown keyword: "requird"'],
    ['an unknown format', { type: 'string', format: 'colour' }, 'unknown format "colour"'],
    ['a remote reference', { $ref: 'https://example.com/schema.json' }, "can't resolve reference"],
    ['required not an array', { type: 'object', required: 'a' }, 'schema is invalid'],
  ];
  it.each(invalid)('should refuse %s, naming schema', (_name, schema, problem) => {
    const result = compileEventSchema(schema);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.problem).toContain(problem);
  });

  const data: Array<[string, unknown, string | null]> = [
    ['a matching body', { orderId: 'o1', total: 10, email: 'a@example.com' }, null],
    ['a missing field', { orderId: 'o1' }, "(data) must have required property 'total'"],
    ['a wrong type', { orderId: 'o1', total: '10' }, '/total must be number'],
    ['a bad format', { orderId: 'o1', total: 1, email: 'nope' }, '/email must match format "email"'],
    ['every problem at once', { total: -1 }, "(data) must have required property 'orderId'; /total must be >= 0"],
  ];
  it.each(data)('should judge %s', (_name, body, expected) => {
    const broken = compiled(orderSchema)(body);
    expect(broken === null ? null : describeViolations(broken)).toBe(expected);
  });
});

describe('checkExample', () => {
  const cases: Array<[string, unknown, boolean, string]> = [
    ['a matching example', { orderId: 'o1', total: 3 }, true, ''],
    ['an example breaking the schema', { orderId: 1 }, false, "example does not match the schema: (data) must have required property 'total'; /orderId must be string"],
    ['a non-object example', 'hello', false, 'example must be a JSON object (the data of an event)'],
  ];
  it.each(cases)('should judge %s', (_name, example, ok, problem) => {
    const result = checkExample(compiled(orderSchema), example);
    expect(result.ok).toBe(ok);
    if (!result.ok) expect(result.problem).toBe(problem);
  });

  it('should accept any object example when the type has no schema', () => {
    expect(checkExample(null, { anything: true }).ok).toBe(true);
  });
});
