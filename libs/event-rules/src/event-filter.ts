import sift from 'sift';

/** A MongoDB-style query over the event body (`{"data.total": {"$gte": 100}}`), as stored on an endpoint. */
export type EventFilter = Record<string, unknown>;

/** Whether an event body passes a filter. */
export type FilterTest = (event: object) => boolean;

export type FilterCheck = { ok: true } | { ok: false; problem: string };

/**
 * The operators a filter may use. Left out on purpose: `$where` (sift runs a string as code),
 * `$regex` (one pattern with catastrophic backtracking would stall the fan-out for every tenant),
 * `$type`, `$mod` and the aggregation operators (no one asked; each is one more thing to keep).
 */
export const FILTER_OPERATORS = ['$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin', '$exists', '$and', '$or', '$nor', '$not', '$all', '$size', '$elemMatch'] as const;

const LOGICAL = new Set(['$and', '$or', '$nor']);
const COMPARISON = new Set(['$gt', '$gte', '$lt', '$lte']);
const LISTS = new Set(['$in', '$nin', '$all']);
const KNOWN = new Set<string>(FILTER_OPERATORS);

/** Bounds that keep one filter's cost per event small: the fan-out tests every event against it. */
export const FILTER_LIMITS = { maxDepth: 8, maxNodes: 200, maxListItems: 100, maxPathLength: 200, maxStringLength: 1000 } as const;

class FilterProblem extends Error {}

interface Walk {
  nodes: number;
}

function fail(path: string, message: string): never {
  throw new FilterProblem(`${path}: ${message}`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function count(walk: Walk, path: string): void {
  if (++walk.nodes > FILTER_LIMITS.maxNodes) fail(path, `the filter has more than ${FILTER_LIMITS.maxNodes} conditions and values`);
}

/** A value compared with a field: JSON scalars, or arrays/objects for exact equality. */
function checkValue(value: unknown, path: string, depth: number, walk: Walk): void {
  count(walk, path);
  if (depth > FILTER_LIMITS.maxDepth) fail(path, `nested deeper than ${FILTER_LIMITS.maxDepth} levels`);
  if (typeof value === 'string') {
    if (value.length > FILTER_LIMITS.maxStringLength) fail(path, `strings are limited to ${FILTER_LIMITS.maxStringLength} characters`);
    return;
  }
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return;
  if (Array.isArray(value)) {
    if (value.length > FILTER_LIMITS.maxListItems) fail(path, `lists are limited to ${FILTER_LIMITS.maxListItems} items`);
    value.forEach((v, i) => checkValue(v, `${path}[${i}]`, depth + 1, walk));
    return;
  }
  if (isPlainObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (k.startsWith('$')) fail(`${path}.${k}`, `an operator cannot appear inside a value`);
      checkValue(v, `${path}.${k}`, depth + 1, walk);
    }
    return;
  }
  fail(path, 'must be a JSON value');
}

/** `{"$gte": 100, "$lt": 200}` or a plain value (equality). */
function checkCondition(condition: unknown, path: string, depth: number, walk: Walk): void {
  if (!isPlainObject(condition) || !Object.keys(condition).some((k) => k.startsWith('$'))) return checkValue(condition, path, depth, walk);
  count(walk, path);
  if (depth > FILTER_LIMITS.maxDepth) fail(path, `nested deeper than ${FILTER_LIMITS.maxDepth} levels`);
  const keys = Object.keys(condition);
  if (keys.length === 0) fail(path, 'an empty condition matches nothing useful; remove it');
  for (const op of keys) {
    const at = `${path}.${op}`;
    const operand = condition[op];
    if (!op.startsWith('$')) fail(at, `operators and field values cannot be mixed in one condition (use {"$eq": {...}} to compare with an object)`);
    if (!KNOWN.has(op)) fail(at, `unknown operator ${op} (allowed: ${FILTER_OPERATORS.join(' ')})`);
    if (LOGICAL.has(op)) fail(at, `${op} belongs at the top of a query or inside ${op === '$nor' ? '$and/$or' : '$and/$or/$nor'}, not under a field`);
    if (COMPARISON.has(op)) {
      if (typeof operand !== 'number' && typeof operand !== 'string') fail(at, `${op} needs a number or a string, not ${describe(operand)}`);
      checkValue(operand, at, depth + 1, walk);
    } else if (LISTS.has(op)) {
      if (!Array.isArray(operand)) fail(at, `${op} needs an array, not ${describe(operand)}`);
      checkValue(operand, at, depth + 1, walk);
    } else if (op === '$exists') {
      if (typeof operand !== 'boolean') fail(at, `$exists needs true or false, not ${describe(operand)}`);
    } else if (op === '$size') {
      if (!Number.isInteger(operand) || (operand as number) < 0) fail(at, `$size needs a non-negative integer, not ${describe(operand)}`);
    } else if (op === '$not') {
      if (!isPlainObject(operand) || !Object.keys(operand).every((k) => k.startsWith('$')) || Object.keys(operand).length === 0) {
        fail(at, '$not needs an operator condition such as {"$gte": 100}');
      }
      checkCondition(operand, at, depth + 1, walk);
    } else if (op === '$elemMatch') {
      if (!isPlainObject(operand)) fail(at, `$elemMatch needs a query object, not ${describe(operand)}`);
      if (Object.keys(operand).every((k) => k.startsWith('$') && !LOGICAL.has(k))) checkCondition(operand, at, depth + 1, walk);
      else checkQuery(operand, at, depth + 1, walk);
    } else {
      checkValue(operand, at, depth + 1, walk);
    }
  }
}

/** A query document: field paths and the logical operators. */
function checkQuery(query: unknown, path: string, depth: number, walk: Walk): void {
  if (!isPlainObject(query)) fail(path, `must be a query object, not ${describe(query)}`);
  count(walk, path);
  if (depth > FILTER_LIMITS.maxDepth) fail(path, `nested deeper than ${FILTER_LIMITS.maxDepth} levels`);
  for (const [key, value] of Object.entries(query)) {
    const at = `${path}.${key}`;
    if (key.startsWith('$')) {
      if (!KNOWN.has(key)) fail(at, `unknown operator ${key} (allowed: ${FILTER_OPERATORS.join(' ')})`);
      if (!LOGICAL.has(key)) fail(at, `${key} applies to a field: write {"<field>": {"${key}": ...}}`);
      if (!Array.isArray(value) || value.length === 0) fail(at, `${key} needs a non-empty array of queries`);
      if (value.length > FILTER_LIMITS.maxListItems) fail(at, `lists are limited to ${FILTER_LIMITS.maxListItems} items`);
      value.forEach((q, i) => checkQuery(q, `${at}[${i}]`, depth + 1, walk));
      continue;
    }
    if (key.length === 0 || key.length > FILTER_LIMITS.maxPathLength) fail(at, `field paths are 1 to ${FILTER_LIMITS.maxPathLength} characters`);
    if (key.split('.').some((part) => part.length === 0)) fail(at, 'a field path has an empty part (two dots, or a dot at an end)');
    if (key.split('.').includes('__proto__')) fail(at, '__proto__ is not a field');
    checkCondition(value, at, depth + 1, walk);
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`.slice(0, 60);
}

/**
 * Checks a filter before it is stored: only the operators above, each with the operand type it
 * needs, within bounds. The problem names where it is, from `filter` down (`filter.data.total.$gte:
 * $gte needs a number or a string, not an object`). The engine itself is lenient (sift accepts
 * `{"$in": 5}` and fails at match time), so nothing unchecked may reach it.
 */
export function checkFilter(filter: unknown, name = 'filter'): FilterCheck {
  try {
    checkQuery(filter, name, 0, { nodes: 0 });
    compileFilter(filter as EventFilter);
    return { ok: true };
  } catch (err) {
    if (err instanceof FilterProblem) return { ok: false, problem: err.message };
    return { ok: false, problem: `${name}: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/** Compiles a checked filter once; the function it returns is what runs per event. */
export function compileFilter(filter: EventFilter): FilterTest {
  return sift(filter) as FilterTest;
}
