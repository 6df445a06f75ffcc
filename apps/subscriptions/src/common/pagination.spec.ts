import { BadRequestException } from '@nestjs/common';
import { decodeCursor, encodeCursor, toPage } from './pagination';

const EP = 'ep_01jd0000000000000000000000';
const rows = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `ep_01jd00000000000000000000${String(i).padStart(2, '0')}` }));

describe('cursor pagination', () => {
  it('should read back the id a cursor was made from when it is decoded for the same kind of id', () => {
    expect(decodeCursor(encodeCursor(EP), 'ep')).toBe(EP);
    expect(decodeCursor(undefined, 'ep')).toBeUndefined();
  });

  it.each([
    ['an id of another kind', encodeCursor('key_01jd0000000000000000000000')],
    ['a truncated id', encodeCursor(EP.slice(0, -1))],
    ['an id with upper case', encodeCursor(EP.toUpperCase().replace('EP_', 'ep_'))],
    ['free text', encodeCursor("' OR 1=1 --")],
    ['a raw id, not encoded', EP],
    ['an empty string', ''],
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
    if (more) expect(decodeCursor(page.nextCursor!, 'ep')).toBe(page.data[page.data.length - 1]);
  });
});
