/**
 * Whether an error means PostgreSQL cannot be reached right now (stopped, restarting, connection
 * cut), as opposed to a bug or a bad request. The admin API answers those with 503 and
 * Retry-After, so clients wait and retry instead of treating the request as failed for good.
 */

/** How long clients are asked to wait (Retry-After) while the database is unavailable. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

/** Socket errors of a connect or of a connection that broke. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/**
 * SQLSTATEs of a server that is going away or not accepting connections yet: admin_shutdown,
 * crash_shutdown, cannot_connect_now ("starting up" / "shutting down"), too_many_connections.
 * Class 08 (connection exception) is matched as a whole.
 */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);

/** node-postgres reports a broken or timed-out connection with these messages and no code. */
const DRIVER_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|not queryable|Connection is not established/i;

interface ErrorLike {
  code?: unknown;
  message?: unknown;
  driverError?: unknown;
  cause?: unknown;
  errors?: unknown;
}

export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 5) return false;
  const e = error as ErrorLike;
  const code = typeof e.code === 'string' ? e.code : '';
  if (NETWORK_CODES.has(code) || UNAVAILABLE_SQLSTATES.has(code) || /^08[0-9A-Z]{3}$/.test(code)) return true;
  if (typeof e.message === 'string' && DRIVER_MESSAGES.test(e.message)) return true;
  // TypeORM wraps the driver's error; connecting to 127.0.0.1 and ::1 fails as an AggregateError.
  const nested: unknown[] = [e.driverError, e.cause, ...(Array.isArray(e.errors) ? (e.errors as unknown[]) : [])];
  return nested.some((inner) => inner !== error && isDatabaseUnavailable(inner, depth + 1));
}
