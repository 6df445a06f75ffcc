import { Message } from 'kafkajs';
import { Headers, DeliveryStages } from '@app/contracts';

/** Why a domain message was quarantined: the label of the quarantine metric, so a small fixed set. */
export type QuarantineKind =
  | 'empty'
  | 'too_large'
  | 'not_json'
  | 'too_deep'
  | 'invalid_field'
  | 'type_mismatch'
  | 'unknown_organization'
  | 'undeliverable'
  | 'unstorable'
  /** `data` breaks its event type's JSON Schema (SPEC §10). */
  | 'schema';

export interface QuarantinedRecord {
  kind: QuarantineKind;
  message: Message;
}

export interface SourceRecord {
  topic: string;
  partition: number;
  offset: string;
  value: Buffer | null;
  key: Buffer | null;
  /** Where the record's latency stages start, carried on its first delivery messages. */
  stages?: DeliveryStages;
}

/**
 * Values above this are cut in the quarantine copy: the quarantine topic has the broker's default
 * 1 MiB limit, and a copy it refuses would fail the transaction on every re-read. The original
 * stays on its source topic, found by the source headers.
 */
export const QUARANTINE_MAX_VALUE_BYTES = 512 * 1024;

/** Maps `decodeDomainEvent`'s reason to a kind; the reasons are that function's fixed phrasings. */
export function decodeFailureKind(reason: string): QuarantineKind {
  if (reason.startsWith('empty value')) return 'empty';
  if (reason.startsWith('value larger than')) return 'too_large';
  if (reason.startsWith('JSON nested deeper')) return 'too_deep';
  if (reason.startsWith('not valid JSON') || reason.startsWith('value must be a JSON object')) return 'not_json';
  if (/^type .* does not match topic /.test(reason)) return 'type_mismatch';
  return 'invalid_field';
}

/** The original key and value, with the reason and the source position in headers. */
export function quarantine(record: SourceRecord, kind: QuarantineKind, reason: string, details?: unknown): QuarantinedRecord {
  let value = record.value;
  let fullReason = reason;
  if (value && value.length > QUARANTINE_MAX_VALUE_BYTES) {
    fullReason = `${reason} (quarantined copy cut to the first ${QUARANTINE_MAX_VALUE_BYTES} of ${value.length} bytes; the original is at the source position)`;
    value = value.subarray(0, QUARANTINE_MAX_VALUE_BYTES);
  }
  return {
    kind,
    message: {
      key: record.key,
      value,
      headers: {
        [Headers.quarantineReason]: fullReason,
        [Headers.quarantineKind]: kind,
        ...(details === undefined ? {} : { [Headers.quarantineDetails]: JSON.stringify(details) }),
        [Headers.sourceTopic]: record.topic,
        [Headers.sourcePartition]: String(record.partition),
        [Headers.sourceOffset]: record.offset,
      },
    },
  };
}
