// What every answer of the admin API fuzz is held to, apart from the stored world: no leaked internals,
// a 400 that names a field of the request, built-in prototypes untouched.
import { gunzipSync } from 'node:zlib';
import { FuzzRequest } from './fuzz-requests';
import { Operation } from './openapi';

// What a stack trace, a driver message or a path on this machine looks like in a response.
export const LEAKS = [
  /\bat .+ \(?[^\s()]+:\d+:\d+\)?/,
  /node_modules|dist\/apps|\/work\/|\.ts:\d+/,
  /QueryFailedError|TypeError|RangeError|ReferenceError|EntityNotFound|Maximum call stack/,
  /typeorm|kafkajs|ECONNREFUSED|duplicate key|violates|relation "|column "|syntax error at or near|invalid input syntax/i,
  /Cannot read propert|is not a function|undefined is not/,
];

export const describeRequest = (r: FuzzRequest) => {
  const body = r.body ? r.body.raw.toString('utf8') : '';
  return `${r.method} ${r.path}${r.query ? `?${r.query}` : ''}`.slice(0, 300) + ` headers=${JSON.stringify(r.headers).slice(0, 300)} body(${r.body?.raw.length ?? 0} bytes)=${JSON.stringify(body.slice(0, 300))}`;
};

/** Every name a 400 may rightly blame: the schema's fields, what the request sent, and the parts of a request. */
export function blameableNames(op: Operation, req: FuzzRequest): Set<string> {
  const names = new Set(['body', 'path', 'cursor', 'If-Match', 'Content-Type', 'Content-Encoding', ...op.pathParams.map((p) => p.name), ...op.query.map((p) => p.name)]);
  for (const name of Object.keys(op.body?.properties ?? {})) names.add(name);
  const value = req.body && (req.body.value ?? parseOrUndefined((req.body.encoding === 'gzip' ? gunzipSync(req.body.raw) : req.body.raw).toString('utf8')));
  if (value && typeof value === 'object' && !Array.isArray(value)) for (const key of Object.keys(value)) names.add(key);
  for (const pair of req.query.split('&')) names.add(decodeURIComponentSafe(pair.split('=')[0]));
  return names;
}

function parseOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

// A field is named plainly, or quoted when its name is not an identifier ("", "a.b").
export function namesAField(message: string, names: Set<string>): boolean {
  return [...names].some((name) =>
    [name, JSON.stringify(name)].some((spelled) => spelled !== '' && message.startsWith(spelled) && /^[\s:.[]/.test(message.slice(spelled.length))),
  );
}

export const prototypeKeys = () => [Object.prototype, Array.prototype, Function.prototype].map((p) => Object.getOwnPropertyNames(p).sort().join(','));
