import { etagOf, parseIfMatch } from './if-match.decorator';

describe('parseIfMatch', () => {
  it.each<[string | undefined, number | undefined | null]>([
    [undefined, undefined],
    ['*', undefined],
    [' * ', undefined],
    ['"3"', 3],
    ['3', 3],
    [' "42" ', 42],
    [etagOf(7), 7],
    ['"999999999"', 999999999],
    ['W/"3"', null],
    ['"3', null],
    ['3"', null],
    ['"0"', null],
    ['"-1"', null],
    ['"1.5"', null],
    ['"3", "4"', null],
    ['"1234567890"', null],
    ['', null],
    ['abc', null],
  ])('should read %j as %j', (raw, expected) => {
    expect(parseIfMatch(raw)).toBe(expected);
  });
});
