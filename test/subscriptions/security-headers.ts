type Headers = Record<string, string | string[] | undefined>;

// What every answer of the admin API carries, refusals and parser errors included.
const API_HEADERS: Record<string, [string, (value: string | undefined) => boolean]> = {
  'x-content-type-options': ['nosniff', (v) => v === 'nosniff'],
  'x-frame-options': ['DENY', (v) => v === 'DENY'],
  'content-security-policy': ["a policy with frame-ancestors 'none'", (v) => v?.includes("frame-ancestors 'none'") === true],
  'referrer-policy': ['no-referrer', (v) => v === 'no-referrer'],
  'cache-control': ['no-store', (v) => v === 'no-store'],
  'x-powered-by': ['absent', (v) => v === undefined],
  'strict-transport-security': ['absent (HSTS_MAX_AGE_SECONDS is 0)', (v) => v === undefined],
};

/** The security headers an answer lacks or gets wrong, as "name: expected (got ...)". */
export function missingSecurityHeaders(headers: Headers, except: string[] = []): string[] {
  return Object.entries(API_HEADERS)
    .filter(([name]) => !except.includes(name))
    .map(([name, [expected, ok]]) => {
      const raw = headers[name];
      const value = raw === undefined ? undefined : String(raw);
      return ok(value) ? null : `${name}: ${expected} (got ${value ?? 'nothing'})`;
    })
    .filter((problem): problem is string => problem !== null);
}
