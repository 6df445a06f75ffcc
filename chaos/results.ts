// What a phase records (episodes, checks) and how its result is judged and logged.
import { LedgerTally } from './ledger';

export const log = (msg: string) => process.stderr.write(`[chaos] ${new Date().toISOString().slice(11, 19)} ${msg}\n`);
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const between = (min: number, max: number) => Math.round(min + Math.random() * (max - min));
export const secs = (ms: number | null) => (ms === null ? 'never' : `${(ms / 1000).toFixed(1)} s`);

export type PhaseName = 'kill-subscriptions' | 'kill-fanout' | 'kill-delivery' | 'broker' | 'database' | 'rebalance-storm' | 'cluster';
export const PHASES: PhaseName[] = ['kill-subscriptions', 'kill-fanout', 'kill-delivery', 'broker', 'database', 'rebalance-storm'];
/** Phases run only when named: `cluster` needs the three-broker layout. */
export const NAMED_ONLY: PhaseName[] = ['cluster'];

export interface Episode {
  n: number;
  /** When the fault began (kill, broker stop, database stop). */
  at: string;
  /** How long the fault itself lasted, ms (kill: 0; outages: stop to healthy again). */
  faultMs: number;
  /** Fault end until every event scheduled before it was delivered everywhere; null = not within the limit. */
  drainedMs: number | null;
  /** Fault end until the first delivery of an event published after it. */
  flowingMs: number | null;
  /** Fault end until every service answered /health/ready with 200. */
  readyMs: number | null;
  /** Broker faults: from accepting connections until its group and transaction coordinators had loaded. */
  brokerLoadingMs?: number | null;
  note?: string;
}

export interface Check {
  what: string;
  ok: boolean;
  detail: string;
}

export interface ProbeSummary {
  route: string;
  statuses: Record<string, number>;
  retryAfterOnEvery503: boolean;
  maxMs: number;
}

export interface PhaseResult {
  phase: PhaseName;
  fault: string;
  tried: number;
  seconds: number;
  episodes: Episode[];
  tally: LedgerTally;
  probes?: ProbeSummary[];
  unplannedExits: string[];
  checks: Check[];
  ok: boolean;
}

export function baseChecks(tally: LedgerTally, exits: string[]): Check[] {
  return [
    { what: 'nothing lost', ok: tally.lost === 0, detail: `${tally.lost} of ${tally.expected} expected deliveries never arrived` },
    { what: 'nothing delivered that was not published', ok: tally.unexpected === 0, detail: `${tally.unexpected} unexpected webhook-ids` },
    { what: 'no service died unasked', ok: exits.length === 0, detail: exits.join('; ') || 'none' },
  ];
}

export function result(phase: PhaseName, fault: string, t0: number, episodes: Episode[], tally: LedgerTally, exits: string[], checks: Check[]): PhaseResult {
  const ok = checks.every((c) => c.ok);
  log(`${phase}: ${ok ? 'held' : 'BROKEN'} — published ${tally.eventsPublished} events, ${tally.delivered}/${tally.expected} deliveries, ${tally.duplicated} duplicates, ${tally.lost} lost`);
  for (const c of checks) if (!c.ok) log(`  FAILED: ${c.what}: ${c.detail}`);
  return { phase, fault, tried: episodes.length, seconds: Math.round((Date.now() - t0) / 1000), episodes, tally, unplannedExits: exits, checks, ok };
}
