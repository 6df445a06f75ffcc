import { BadRequestException } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { IdPrefix } from '@app/contracts';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** `?limit=&cursor=` of every paginated list. */
export class PageQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit: number = DEFAULT_PAGE_SIZE;

  @ApiPropertyOptional({ description: 'The `nextCursor` or `prevCursor` of a page of this list.' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{1,200}$/, { message: 'cursor must be the nextCursor or prevCursor of a page of this list' })
  cursor?: string;
}

export interface Page<T> {
  data: T[];
  /** Pass as `cursor` for the page after this one; null on the last page. */
  nextCursor: string | null;
  /** Pass as `cursor` for the page before this one; null on the first page. */
  prevCursor: string | null;
  /** Whether a page follows this one (nextCursor is not null). */
  hasMore: boolean;
}

/** Which way a cursor pages: `next` continues after its key, `prev` goes back before it. */
export type Direction = 'next' | 'prev';

/** Where a page starts: none (the first page), or a key and the direction of travel from it. */
export interface Position<K> {
  key: K;
  direction: Direction;
}

/** The OpenAPI properties every page has besides `data`. */
export const PAGE_LINKS = {
  nextCursor: { type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last page.' },
  prevCursor: { type: String, nullable: true, description: 'Pass as `cursor` for the previous page; null on the first page.' },
  hasMore: { type: Boolean, description: 'Whether another page follows this one (nextCursor is not null).' },
} as const;

const PREV = 'prev:';

// The cursor is an id of the page's edge (keyset pagination on time-sortable ids): a row added while a
// client pages sorts after every existing one, so it is seen at most once and no existing row is skipped
// or repeated. It is wrapped so clients treat it as opaque rather than build their own.
export function encodeCursor(id: string, direction: Direction = 'next'): string {
  return Buffer.from(direction === 'prev' ? PREV + id : id, 'utf8').toString('base64url');
}

/** Where the page starts, or undefined for the first page. */
export function decodeCursor(cursor: string | undefined, prefix: IdPrefix): Position<string> | undefined {
  if (cursor === undefined) return undefined;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const direction: Direction = text.startsWith(PREV) ? 'prev' : 'next';
  const id = direction === 'prev' ? text.slice(PREV.length) : text;
  if (!new RegExp(`^${prefix}_[0-9a-z]{26}$`).test(id)) {
    throw new BadRequestException(['cursor must be the nextCursor or prevCursor of a page of this list']);
  }
  return { key: id, direction };
}

/**
 * Turns `limit + 1` rows, in list order, into a page. The rows were read from the position in its
 * direction, one more than the page holds: going forward the extra one is last, going back it is first.
 * A page reached by going back has a page after it (the one the client came from).
 */
export function pageOf<R, T, K>(
  rows: readonly R[],
  limit: number,
  from: Position<K> | undefined,
  keyOf: (row: R) => K,
  encode: (key: K, direction: Direction) => string,
  map: (row: R) => T,
): Page<T> {
  const back = from?.direction === 'prev';
  const extra = rows.length > limit;
  const items = back ? rows.slice(extra ? rows.length - limit : 0) : rows.slice(0, limit);
  const first = items[0];
  const last = items[items.length - 1];
  const hasNext = back ? true : extra;
  const hasPrev = back ? extra : from !== undefined;
  const nextCursor = hasNext && last !== undefined ? encode(keyOf(last), 'next') : null;
  return { data: items.map(map), nextCursor, prevCursor: hasPrev && first !== undefined ? encode(keyOf(first), 'prev') : null, hasMore: nextCursor !== null };
}

/** A page of a list in id order. */
export function toPage<R extends { id: string }, T>(rows: readonly R[], limit: number, map: (row: R) => T, from?: Position<string>): Page<T> {
  return pageOf(rows, limit, from, (r) => r.id, encodeCursor, map);
}
