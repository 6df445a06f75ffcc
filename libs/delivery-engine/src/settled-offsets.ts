/** Inclusive runs of message offsets, in increasing order and not overlapping. */
export interface OffsetRange {
  readonly from: bigint;
  readonly to: bigint;
}

/**
 * Kafka refuses a commit whose metadata is over `offset.metadata.max.bytes` (4,096 by default). The
 * metadata carries only what fits in less than half of that; the runs left out are called again by the
 * next owner, which at-least-once allows.
 */
export const SETTLED_METADATA_MAX_CHARS = 2_000;

const PREFIX = 's1:';

/**
 * The metadata of a commit at `point`: the runs of messages above it whose outcomes are durable, so that
 * the partition's next owner does not call them again (decision 0025). Each run is written as its gap
 * after the previous one (or after `point`) and its length less one, in base 36: `s1:<point>:<gap>[.<len>],...`.
 * The lowest runs are kept when they do not all fit. Null when there is nothing to say.
 */
export function encodeSettledOffsets(point: bigint, runs: Iterable<OffsetRange>, maxChars = SETTLED_METADATA_MAX_CHARS): string | null {
  let text = `${PREFIX}${point}:`;
  let next = point;
  let written = 0;
  for (const run of runs) {
    if (run.to < next) continue;
    const from = run.from < next ? next : run.from;
    const length = run.to - from;
    const part = `${written > 0 ? ',' : ''}${(from - next).toString(36)}${length > 0n ? `.${length.toString(36)}` : ''}`;
    if (text.length + part.length > maxChars) break;
    text += part;
    written++;
    next = run.to + 1n;
  }
  return written > 0 ? text : null;
}

/**
 * The runs a commit's metadata names as settled. Anything else (no metadata, another format, a
 * damaged string) names none: the worst that follows is a call made again, never a message skipped.
 */
export function decodeSettledOffsets(metadata: string | null | undefined): OffsetRange[] {
  if (!metadata?.startsWith(PREFIX)) return [];
  const [pointText, runsText, extra] = metadata.slice(PREFIX.length).split(':');
  if (extra !== undefined || !/^\d+$/.test(pointText ?? '') || !runsText) return [];
  const runs: OffsetRange[] = [];
  let next = BigInt(pointText);
  for (const part of runsText.split(',')) {
    const match = /^([0-9a-z]+)(?:\.([0-9a-z]+))?$/.exec(part);
    if (!match) return [];
    const from = next + parseBase36(match[1]);
    const to = from + (match[2] ? parseBase36(match[2]) : 0n);
    runs.push({ from, to });
    next = to + 1n;
  }
  return runs;
}

function parseBase36(text: string): bigint {
  let value = 0n;
  for (const digit of text) value = value * 36n + BigInt(parseInt(digit, 36));
  return value;
}
