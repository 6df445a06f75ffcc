/**
 * A position in a list ordered by (timestamp, id): the keyset of history pages and of a replay's
 * progress. The time is text with microseconds, as PostgreSQL stores it: a JavaScript Date keeps
 * milliseconds only, and a key rounded to them would skip or repeat rows.
 */
export interface TimeKey {
  at: string;
  id: string;
}

/** SQL for a timestamptz column as a TimeKey `at` (UTC, microseconds). */
export function timeKeySql(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}

export const TIME_KEY_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/**
 * A page read by keyset: the first page, or the rows after (`next`) or before (`prev`) a key, in list
 * order. Repositories read `limit` rows in the direction of travel and return them in list order.
 */
export interface KeysetPage<K> {
  from?: { key: K; direction: 'next' | 'prev' };
  limit: number;
}
