import { BadRequestException } from '@nestjs/common';
import { TIME_KEY_PATTERN, TimeKey } from '@app/persistence';
import { Direction, Page, pageOf, Position } from '../common/pagination';

/** The history lists: a cursor of one is refused by the other. */
export type HistoryList = 'events' | 'deliveries';

const MAX_ID_LENGTH = 255;

// History is ordered by time, then id (event ids are the producers', delivery ids are hashes: neither
// sorts by time), so the cursor carries both. It is wrapped so clients treat it as opaque.
export function encodeTimeCursor(list: HistoryList, key: TimeKey, direction: Direction = 'next'): string {
  return Buffer.from(JSON.stringify(direction === 'prev' ? [list, key.at, key.id, 'prev'] : [list, key.at, key.id]), 'utf8').toString('base64url');
}

/** Where the page starts, or undefined for the first page. */
export function decodeTimeCursor(cursor: string | undefined, list: HistoryList): Position<TimeKey> | undefined {
  if (cursor === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = null;
  }
  if (
    !Array.isArray(parsed) ||
    !(parsed.length === 3 || (parsed.length === 4 && parsed[3] === 'prev')) ||
    parsed[0] !== list ||
    typeof parsed[1] !== 'string' ||
    !TIME_KEY_PATTERN.test(parsed[1]) ||
    Number.isNaN(Date.parse(parsed[1])) ||
    typeof parsed[2] !== 'string' ||
    parsed[2].length === 0 ||
    parsed[2].length > MAX_ID_LENGTH ||
    parsed[2].includes('\u0000')
  ) {
    throw new BadRequestException(['cursor must be the nextCursor or prevCursor of a page of this list']);
  }
  return { key: { at: parsed[1], id: parsed[2] }, direction: parsed.length === 4 ? 'prev' : 'next' };
}

/** A page of a history list (see pageOf). */
export function toTimePage<R extends { key: TimeKey }, T>(list: HistoryList, rows: readonly R[], limit: number, map: (row: R) => T, from?: Position<TimeKey>): Page<T> {
  return pageOf(rows, limit, from, (r) => r.key, (key, direction) => encodeTimeCursor(list, key, direction), map);
}
