import type { ListenOutcome } from '@app/contracts';

export interface DeliveryLine {
  at: Date;
  eventType: string;
  eventId: string;
  attempt: number;
  outcome: ListenOutcome;
  statusCode: number | null;
  durationMs: number;
}

const GREEN = '\u001b[32m';
const RED = '\u001b[31m';
const DIM = '\u001b[2m';
const RESET = '\u001b[0m';

/**
 * One line per delivery: local time, type, event id, what the local server answered, how long it took,
 * and the attempt number from the second on (a retry per the schedule). Colour only on a terminal,
 * so piped output stays plain text.
 */
export function formatDeliveryLine(line: DeliveryLine, colour: boolean): string {
  const ok = line.outcome === 'success';
  const answer = line.statusCode !== null ? `[${line.statusCode}]` : `[${NO_STATUS[line.outcome]}]`;
  const paint = (code: string, text: string) => (colour ? `${code}${text}${RESET}` : text);
  const parts = [
    paint(DIM, clock(line.at)),
    line.eventType.padEnd(18),
    line.eventId,
    paint(ok ? GREEN : RED, answer),
    `${Math.round(line.durationMs)} ms`,
  ];
  if (line.attempt > 1) parts.push(`(attempt ${line.attempt})`);
  return parts.join('  ');
}

const NO_STATUS: Record<ListenOutcome, string> = {
  success: 'ok',
  http_error: 'error',
  timeout: 'timeout',
  connection_error: 'refused',
};

function clock(at: Date): string {
  return [at.getHours(), at.getMinutes(), at.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}
