import { BadRequestException } from '@nestjs/common';
import { TIME_KEY_PATTERN, TimeKey } from '@app/persistence';
import { Page } from '../common/pagination';

/** The history lists: a cursor of one is refused by the other. */
export type HistoryList = 'events' | 'deliveries';

const MAX_ID_LENGTH = 255;

// History is ordered by time, then id (event ids are the producers', delivery ids are hashes: neither
// sorts by time), so the cursor carries both. It is wrapped so clients treat it as opaque.
export function encodeTimeCursor(list: HistoryList, key: TimeKey): string {
  return Buffer.from(JSON.stringify([list, key.at, key.id]), 'utf8').toString('base64url');
}

/** The position after which the page starts, or undefined for the first page. */
export function decodeTimeCursor(cursor: string | undefined, list: HistoryList): TimeKey | undefined {
  if (cursor === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = null;
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 3 ||
    parsed[0] !== list ||
    typeof parsed[1] !== 'string' ||
    !TIME_KEY_PATTERN.test(parsed[1]) ||
    Number.isNaN(Date.parse(parsed[1])) ||
    typeof parsed[2] !== 'string' ||
    parsed[2].length === 0 ||
    parsed[2].length > MAX_ID_LENGTH ||
    parsed[2].includes('\u0000')
  ) {
    throw new BadRequestException(['cursor must be the nextCursor of a previous page of this list']);
  }
  return { at: parsed[1], id: parsed[2] };
}

/** Turns `limit + 1` rows (the extra one only tells that another page exists) into a page. */
export function toTimePage<R extends { key: TimeKey }, T>(list: HistoryList, rows: readonly R[], limit: number, map: (row: R) => T): Page<T> {
  const items = rows.slice(0, limit);
  const more = rows.length > limit && items.length > 0;
  return { data: items.map(map), nextCursor: more ? encodeTimeCursor(list, items[items.length - 1].key) : null };
}
