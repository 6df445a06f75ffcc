// The drills' settings (CHAOS_* variables; see run.ts) and the infrastructure control they use.
import path from 'node:path';

const num = (name: string, dflt: number) => (process.env[name] ? Number(process.env[name]) : dflt);

export const OPTIONS = {
  rate: num('CHAOS_RATE', 100),
  kills: num('CHAOS_KILLS', 5),
  brokerRestarts: num('CHAOS_BROKER_RESTARTS', 2),
  brokerDownMs: num('CHAOS_BROKER_DOWN_SECONDS', 10) * 1000,
  dbOutages: num('CHAOS_DB_OUTAGES', 1),
  dbDownMs: num('CHAOS_DB_DOWN_SECONDS', 90) * 1000,
  stormMs: num('CHAOS_STORM_SECONDS', 60) * 1000,
  minutes: num('CHAOS_MINUTES', 12),
  // A SIGKILLed member keeps its partitions until its session times out; 10 s instead of the default 30 s
  // keeps five kills per service inside the time budget (the broker's minimum is 6 s).
  sessionTimeoutMs: num('CHAOS_SESSION_TIMEOUT_SECONDS', 10) * 1000,
};
export const INFRA_DIR = process.env.INFRA_DIR ? path.resolve(process.env.INFRA_DIR) : path.join(__dirname, '..', '.infra');

// eslint-disable-next-line @typescript-eslint/no-require-imports -- scripts/infra.js is CommonJS without types
export const infra = require('../scripts/infra') as {
  up(options?: { brokers?: number }): Promise<Record<string, string>>;
  stopOne(which: string): Promise<unknown>;
  startOne(which: string): Promise<unknown>;
  status(): Promise<{ kafka: { brokerCount: number; nodes: Array<{ id: number; pid: number | null }>; activeController: number | null } }>;
};
