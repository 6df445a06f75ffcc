import { BadRequestException } from '@nestjs/common';
import { decodeTimeCursor, encodeTimeCursor, toTimePage } from './history-cursor';

const KEY = { at: '2026-11-28T10:00:00.123456Z', id: 'evt_order/42' };
const rows = (n: number) => Array.from({ length: n }, (_, i) => ({ key: { at: KEY.at, id: `evt_${i}` } }));
const raw = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('history cursors', () => {
  it('should read back the time and id a cursor was made from when it is decoded for the same list', () => {
    expect(decodeTimeCursor(encodeTimeCursor('events', KEY), 'events')).toEqual({ key: KEY, direction: 'next' });
    expect(decodeTimeCursor(encodeTimeCursor('events', KEY, 'prev'), 'events')).toEqual({ key: KEY, direction: 'prev' });
    expect(decodeTimeCursor(undefined, 'events')).toBeUndefined();
  });

  it.each([
    ['a cursor of the other list', encodeTimeCursor('deliveries', KEY)],
    ['a time without microseconds', raw(['events', '2026-11-28T10:00:00.123Z', 'evt_1'])],
    ['an impossible date', raw(['events', '2026-13-45T10:00:00.123456Z', 'evt_1'])],
    ['an empty id', raw(['events', KEY.at, ''])],
    ['an id with NUL', raw(['events', KEY.at, 'evt_\u0000'])],
    ['an id too long', raw(['events', KEY.at, 'e'.repeat(256)])],
    ['a JSON object', raw({ at: KEY.at, id: 'evt_1' })],
    ['free text', Buffer.from("' OR 1=1 --").toString('base64url')],
    ['an endpoint-list cursor', Buffer.from('ep_01jd0000000000000000000000').toString('base64url')],
  ])('should refuse %s with a 400 naming the cursor', (_name, cursor) => {
    let refusal: unknown;
    try {
      decodeTimeCursor(cursor, 'events');
    } catch (err) {
      refusal = err;
    }
    expect(refusal).toBeInstanceOf(BadRequestException);
    expect((refusal as BadRequestException).getResponse()).toEqual(expect.objectContaining({ message: [expect.stringMatching(/^cursor /)] }));
  });

  it.each<[number, number, number, boolean]>([
    [0, 5, 0, false],
    [5, 5, 5, false],
    [6, 5, 5, true],
  ])('should keep %i rows of a limit-%i query as %i items with more pages=%s', (fetched, limit, kept, more) => {
    const page = toTimePage('events', rows(fetched), limit, (r) => r.key.id);

    expect(page.data).toHaveLength(kept);
    expect(page.nextCursor === null).toBe(!more);
    if (more) expect(decodeTimeCursor(page.nextCursor!, 'events')).toEqual({ key: { at: KEY.at, id: page.data[kept - 1] }, direction: 'next' });
    expect(page.prevCursor).toBeNull();
    expect(page.hasMore).toBe(more);
  });
});
