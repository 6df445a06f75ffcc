import { BadRequestException } from '@nestjs/common';
import { decodeCursor, encodeCursor, Position, toPage } from './pagination';

const EP = 'ep_01jd0000000000000000000000';
const rows = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `ep_01jd00000000000000000000${String(i).padStart(2, '0')}` }));

describe('cursor pagination', () => {
  it('should read back the id a cursor was made from when it is decoded for the same kind of id', () => {
    expect(decodeCursor(encodeCursor(EP), 'ep')).toEqual({ key: EP, direction: 'next' });
    expect(decodeCursor(encodeCursor(EP, 'prev'), 'ep')).toEqual({ key: EP, direction: 'prev' });
    expect(decodeCursor(undefined, 'ep')).toBeUndefined();
  });

  it.each([
    ['an id of another kind', encodeCursor('key_01jd0000000000000000000000')],
    ['a truncated id', encodeCursor(EP.slice(0, -1))],
    ['an id with upper case', encodeCursor(EP.toUpperCase().replace('EP_', 'ep_'))],
    ['free text', encodeCursor("' OR 1=1 --")],
    ['a raw id, not encoded', EP],
    ['an empty string', ''],
    ['a prev cursor of another kind', encodeCursor('key_01jd0000000000000000000000', 'prev')],
  ])('should refuse %s with a 400 naming the cursor', (_name, cursor) => {
    let refusal: unknown;
    try {
      decodeCursor(cursor, 'ep');
    } catch (err) {
      refusal = err;
    }
    expect(refusal).toBeInstanceOf(BadRequestException);
    expect((refusal as BadRequestException).getResponse()).toEqual(expect.objectContaining({ message: [expect.stringMatching(/^cursor /)] }));
  });

  it.each<[number, number, number, boolean]>([
    [0, 5, 0, false],
    [3, 5, 3, false],
    [5, 5, 5, false],
    [6, 5, 5, true],
  ])('should keep %i rows of a limit-%i query as %i items, more pages=%s', (fetched, limit, kept, more) => {
    const page = toPage(rows(fetched), limit, (r) => r.id);

    expect(page.data).toHaveLength(kept);
    expect(page.nextCursor === null).toBe(!more);
    if (more) expect(decodeCursor(page.nextCursor!, 'ep')).toEqual({ key: page.data[page.data.length - 1], direction: 'next' });
    expect(page.prevCursor).toBeNull();
    expect(page.hasMore).toBe(more);
  });

  // Rows as the repository returns them: in list order, read from the position in its direction.
  it.each<[string, Position<string> | undefined, number, number, string[], boolean, boolean]>([
    ['the first page', undefined, 6, 5, ['00', '04'], true, false],
    ['a middle page reached going forward', { key: 'x', direction: 'next' }, 6, 5, ['00', '04'], true, true],
    ['the last page reached going forward', { key: 'x', direction: 'next' }, 3, 5, ['00', '02'], false, true],
    ['a page reached going back, more before it', { key: 'x', direction: 'prev' }, 6, 5, ['01', '05'], true, true],
    ['the first page reached going back', { key: 'x', direction: 'prev' }, 4, 5, ['00', '03'], true, false],
  ])('should link %s', (_what, from, fetched, limit, [first, last], hasNext, hasPrev) => {
    const page = toPage(rows(fetched), limit, (r) => r.id, from);

    expect(page.data[0].endsWith(first)).toBe(true);
    expect(page.data[page.data.length - 1].endsWith(last)).toBe(true);
    expect(page.hasMore).toBe(hasNext);
    if (hasNext) expect(decodeCursor(page.nextCursor!, 'ep')).toEqual({ key: page.data[page.data.length - 1], direction: 'next' });
    else expect(page.nextCursor).toBeNull();
    if (hasPrev) expect(decodeCursor(page.prevCursor!, 'ep')).toEqual({ key: page.data[0], direction: 'prev' });
    else expect(page.prevCursor).toBeNull();
  });
});
