import { decodeDomainEvent, Headers } from '@app/contracts';
import { decodeFailureKind, quarantine, QUARANTINE_MAX_VALUE_BYTES, QuarantineKind } from './quarantine';

const valid = { id: 'evt_1', type: 'order.new', organizationId: 'org_1', mode: 'live', occurredAt: '2026-11-28T10:00:00.000Z', data: {} };
const reasonFor = (value: Buffer | null): string => {
  const decoded = decodeDomainEvent('order.new', value);
  if (decoded.ok) throw new Error('expected a refusal');
  return decoded.reason;
};
const json = (v: unknown) => Buffer.from(JSON.stringify(v));

describe('decodeFailureKind', () => {
  // Driven by the decoder's real reasons, so a change of its wording shows up here.
  it.each<[string, Buffer | null, QuarantineKind]>([
    ['a null value', null, 'empty'],
    ['a value over 1 MiB', Buffer.alloc(1024 * 1024 + 1, 0x20), 'too_large'],
    ['broken JSON', Buffer.from('{"id":'), 'not_json'],
    ['a JSON array', json([valid]), 'not_json'],
    ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0x7d]), 'not_json'],
    ['JSON nested too deep', Buffer.from('['.repeat(1000) + ']'.repeat(1000)), 'too_deep'],
    ['a missing field', json({ ...valid, occurredAt: undefined }), 'invalid_field'],
    ['a field of the wrong type', json({ ...valid, organizationId: 42 }), 'invalid_field'],
    ['a type that does not match the topic', json({ ...valid, type: 'order.updated' }), 'type_mismatch'],
  ])('should classify %s', (_name, value, kind) => {
    expect(decodeFailureKind(reasonFor(value))).toBe(kind);
  });
});

describe('quarantine', () => {
  const record = { topic: 'order.new', partition: 3, offset: '42', key: Buffer.from('org_1'), value: Buffer.from('{"id":') };

  it('should keep key and value and put the reason and the source position in headers', () => {
    expect(quarantine(record, 'not_json', 'not valid JSON: oops')).toEqual({
      kind: 'not_json',
      message: {
        key: record.key,
        value: record.value,
        headers: {
          [Headers.quarantineReason]: 'not valid JSON: oops',
          [Headers.quarantineKind]: 'not_json',
          [Headers.sourceTopic]: 'order.new',
          [Headers.sourcePartition]: '3',
          [Headers.sourceOffset]: '42',
        },
      },
    });
  });

  it('should carry the particulars as JSON when there are some (a schema violation)', () => {
    const violations = [{ path: '/total', message: 'must be number' }];
    const { message } = quarantine(record, 'schema', 'data does not match the schema of order.new (version 2): /total must be number', violations);
    expect(message.headers?.[Headers.quarantineKind]).toBe('schema');
    expect(JSON.parse(String(message.headers?.[Headers.quarantineDetails]))).toEqual(violations);
  });

  it('should cut a value the quarantine topic could refuse, and say so in the reason', () => {
    const big = { ...record, value: Buffer.alloc(QUARANTINE_MAX_VALUE_BYTES + 1, 0x61) };
    const { message } = quarantine(big, 'too_large', 'value larger than 1048576 bytes');
    expect((message.value as Buffer).length).toBe(QUARANTINE_MAX_VALUE_BYTES);
    expect(message.headers?.[Headers.quarantineReason]).toBe(
      `value larger than 1048576 bytes (quarantined copy cut to the first ${QUARANTINE_MAX_VALUE_BYTES} of ${QUARANTINE_MAX_VALUE_BYTES + 1} bytes; the original is at the source position)`,
    );
  });
});
