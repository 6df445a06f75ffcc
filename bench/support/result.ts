import type { Ledger } from './receiver';

/** One measured run: its numbers, the settings it ran with, and its ledger (void unless balanced). */
export interface Result {
  scenario: string;
  /** What the numbers are, for the report. */
  summary: string;
  ledger: Omit<Ledger, 'balanced'> & { balanced: boolean };
  /** Settings given to the services for this run, beyond the defaults. */
  settings?: Record<string, string>;
  metrics: Record<string, number | string | Record<string, number>>;
}

export const log = (msg: string): void => void process.stderr.write(`[bench] ${msg}\n`);

/** Progress printer for a count that grows towards `expected`, at most every 2 s. */
export function progress(what: string, expected: number): (n: number) => void {
  let last = 0;
  return (n) => {
    if (Date.now() - last < 2_000 && n < expected) return;
    last = Date.now();
    log(`  ${what}: ${n}/${expected} (${Math.round((100 * n) / expected)}%)`);
  };
}

export const round = (n: number, digits = 2): number => Math.round(n * 10 ** digits) / 10 ** digits;
