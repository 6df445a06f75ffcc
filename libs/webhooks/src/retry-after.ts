/**
 * A receiver's `Retry-After` (RFC 9110 §10.2.3): delta-seconds or an HTTP date. Only 429 and 503
 * answers are asked about it: on other statuses the header means nothing for a retry.
 */
export const RETRY_AFTER_STATUSES: ReadonlySet<number> = new Set([429, 503]);

/** A value so large it is nonsense (or an overflow attempt): still "wait as long as you may". */
const MAX_REASONABLE_SECONDS = 10 * 365 * 24 * 3600;

// IMF-fixdate and RFC 850 start with a day name and a comma; asctime with two words. Anything else
// that Date.parse would accept ("-5", "2026", ISO strings) is not an HTTP date.
const HTTP_DATE = /^(?:[A-Za-z]{3,9}, |[A-Za-z]{3} [A-Za-z]{3} )/;

/** Seconds the receiver asked to wait, rounded up; 0 for a date in the past; null when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | null {
  if (value === null || value === undefined) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Math.min(Number(text), MAX_REASONABLE_SECONDS);
  if (!HTTP_DATE.test(text)) return null;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return null;
  return Math.min(Math.max(0, Math.ceil((at - nowMs) / 1000)), MAX_REASONABLE_SECONDS);
}
