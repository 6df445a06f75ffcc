import { isIP } from 'node:net';

export type Checked<T> = { ok: true; value: T } | { ok: false; error: string };

/**
 * `--forward-to` must name this machine: the relay exists so that nothing inbound is needed, and a CLI
 * that forwarded signed events to any host would be an open proxy for whoever can trigger events.
 * Only http(s), only `localhost` (and `*.localhost`, which resolves to loopback by RFC 6761) or a
 * loopback address literal (127.0.0.0/8, ::1, and ::ffff:127.x spellings).
 */
export function parseForwardTo(raw: string): Checked<URL> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, error: `--forward-to must be an absolute URL such as http://localhost:4000/webhooks, got "${raw}"` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { ok: false, error: `--forward-to must be an http:// or https:// URL, got ${url.protocol}` };
  }
  if (url.username !== '' || url.password !== '') {
    return { ok: false, error: '--forward-to must not carry credentials' };
  }
  if (!isLoopbackHost(url.hostname)) {
    return { ok: false, error: `--forward-to must be a local URL (localhost or a loopback address such as 127.0.0.1 or [::1]), got host ${url.hostname}` };
  }
  return { ok: true, value: url };
}

function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  // WHATWG URL parsing already turned decimal, octal and hex IPv4 spellings into dotted quads.
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || /^::ffff:(127\.|7f[0-9a-f]{2}:)/.test(host);
  return false;
}

/** `--events a,b`: event type names (the server checks them against the catalog). */
export function parseEventList(raw: string): Checked<string[]> {
  const names = raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (names.length === 0) return { ok: false, error: '--events needs at least one event type, e.g. --events order.new,customer.created' };
  const bad = names.filter((n) => n !== '*' && !/^[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)+$/.test(n));
  if (bad.length > 0) return { ok: false, error: `--events contains names that are not event types: ${bad.join(', ')} (expected names such as order.new)` };
  return { ok: true, value: [...new Set(names)] };
}

/** `--data '<json>'`: a JSON object, the event's `data`. */
export function parseEventData(raw: string): Checked<Record<string, unknown>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    return { ok: false, error: `--data must be JSON: ${(err as Error).message}` };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return { ok: false, error: '--data must be a JSON object, e.g. --data \'{"orderId":"ord_1"}\'' };
  }
  return { ok: true, value: parsed as Record<string, unknown> };
}

/** `--api`: the admin API's base URL. */
export function parseApiUrl(raw: string): Checked<string> {
  try {
    const url = new URL(raw);
    if (url.protocol === 'http:' || url.protocol === 'https:') return { ok: true, value: url.toString().replace(/\/+$/, '') };
  } catch {
    /* answered below */
  }
  return { ok: false, error: `--api must be the admin API's http(s) base URL such as http://127.0.0.1:3000, got "${raw}"` };
}
