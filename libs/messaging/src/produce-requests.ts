import { Message } from 'kafkajs';

/**
 * The broker refuses a record batch over `message.max.bytes` (1 MiB by default), and the client puts
 * every message for one partition of a request into one batch. A large round of outcomes (thousands
 * of deferrals at once) is therefore split into requests of at most `maxBytes` of keys and values.
 * A message larger than `maxBytes` travels alone.
 */
export function splitIntoRequests(batches: ReadonlyArray<{ topic: string; messages: readonly Message[] }>, maxBytes: number): Array<Array<{ topic: string; messages: Message[] }>> {
  const requests: Array<Array<{ topic: string; messages: Message[] }>> = [];
  let current: Array<{ topic: string; messages: Message[] }> = [];
  let bytes = 0;
  for (const { topic, messages } of batches) {
    let entry: { topic: string; messages: Message[] } | null = null;
    for (const message of messages) {
      const size = sizeOf(message.key) + sizeOf(message.value);
      if (bytes > 0 && bytes + size > maxBytes) {
        requests.push(current);
        current = [];
        bytes = 0;
        entry = null;
      }
      if (!entry) current.push((entry = { topic, messages: [] }));
      entry.messages.push(message);
      bytes += size;
    }
  }
  if (current.length > 0) requests.push(current);
  return requests;
}

function sizeOf(part: Message['key'] | Message['value']): number {
  if (part === null || part === undefined) return 0;
  return typeof part === 'string' ? Buffer.byteLength(part) : part.length;
}
