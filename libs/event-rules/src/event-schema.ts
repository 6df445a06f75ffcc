import Ajv, { ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';

/** A JSON Schema (draft-07, ajv's default) for the `data` of one event type. */
export type EventSchema = Record<string, unknown>;

/** `null` when `data` matches; otherwise the problems, as ajv reports them. */
export type SchemaTest = (data: unknown) => SchemaViolation[] | null;

export interface SchemaViolation {
  /** JSON Pointer into `data` ("" for `data` itself). */
  path: string;
  message: string;
}

export type SchemaCheck<T> = { ok: true; value: T } | { ok: false; problem: string };

/** At most this many violations are listed (a quarantine header, a 400 message). */
export const MAX_LISTED_VIOLATIONS = 10;

/**
 * A fresh ajv per compile: ajv keeps every schema it compiled (keyed by its text) for its lifetime,
 * so one shared instance would grow with every catalog version. Compiling is rare (once per schema
 * version per process), validating is the hot path.
 * Strict about the schema itself (an unknown keyword or format is a mistake to report), not about
 * type combinations a valid schema may leave loose.
 */
function newAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false, strictTuples: false, strictRequired: false, logger: false });
  addFormats(ajv);
  return ajv;
}

function violations(errors: ErrorObject[] | null | undefined): SchemaViolation[] {
  return (errors ?? []).slice(0, MAX_LISTED_VIOLATIONS).map((e) => ({ path: e.instancePath, message: e.message ?? e.keyword }));
}

/** One line: `/total must be number; /currency must be equal to one of the allowed values`. */
export function describeViolations(list: readonly SchemaViolation[]): string {
  return list.map((v) => `${v.path || '(data)'} ${v.message}`).join('; ');
}

/** Compiles a schema, or says what is wrong with it (`schema: ...`). */
export function compileEventSchema(schema: unknown, name = 'schema'): SchemaCheck<SchemaTest> {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return { ok: false, problem: `${name} must be a JSON Schema object` };
  try {
    const validate = newAjv().compile(schema);
    return { ok: true, value: (data) => (validate(data) ? null : violations(validate.errors)) };
  } catch (err) {
    return { ok: false, problem: `${name} is not a valid JSON Schema (draft-07): ${err instanceof Error ? err.message : String(err)}` };
  }
}

/** An example must pass its own type's schema (when there is one). */
export function checkExample(test: SchemaTest | null, example: unknown, name = 'example'): SchemaCheck<unknown> {
  if (typeof example !== 'object' || example === null || Array.isArray(example)) return { ok: false, problem: `${name} must be a JSON object (the data of an event)` };
  const broken = test?.(example);
  if (broken) return { ok: false, problem: `${name} does not match the schema: ${describeViolations(broken)}` };
  return { ok: true, value: example };
}
