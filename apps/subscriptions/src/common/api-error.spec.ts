import { defaultCode, leadingField } from './api-error';

describe('leadingField', () => {
  it.each<[string, string | undefined]>([
    ['url must be a URL address', 'url'],
    ['headers.x-a: must be shorter than or equal to 500 characters', 'headers.x-a'],
    ['eventTypes[0] must be one of the following values', 'eventTypes[0]'],
    ['"a.b": property "a.b" should not exist', 'a.b'],
    ['"": property  should not exist', ''],
    ['If-Match must be the ETag (quoted version) of the resource', 'If-Match'],
    ['body: nested deeper than 32 levels', 'body'],
    ['cursor', 'cursor'],
    ['', undefined],
    ['   leading space', undefined],
  ])('should read %j as naming %j', (message, field) => {
    expect(leadingField(message)).toBe(field);
  });
});

describe('defaultCode', () => {
  it.each<[number, string]>([
    [400, 'invalid_field'],
    [401, 'unauthorized'],
    [404, 'not_found'],
    [409, 'conflict'],
    [413, 'body_too_large'],
    [415, 'unsupported_media_type'],
    [429, 'rate_limited'],
    [503, 'service_unavailable'],
    [500, 'internal_error'],
    [502, 'internal_error'],
    [418, 'invalid_request'],
  ])('should give %i the code %s', (status, code) => {
    expect(defaultCode(status)).toBe(code);
  });
});
