/**
 * Waiting for the migration lock without taking part in a deadlock.
 *
 * A session blocked in `SELECT pg_advisory_lock(...)` sits inside an open statement (a transaction
 * with a snapshot). `CREATE INDEX CONCURRENTLY`, run by whoever holds the lock, waits for every such
 * transaction to end; they wait for the lock: a cycle PostgreSQL cannot see (issue 13). So waiters
 * poll `pg_try_advisory_lock`, a statement that returns at once, and hold nothing between polls.
 *
 * The waiting logic is here, apart from PostgreSQL, so its schedule and messages are unit-tested.
 */

/** Who holds the lock, as PostgreSQL reports it (pg_locks joined to pg_stat_activity). */
export interface LockHolder {
  pid: number;
  applicationName: string;
  state: string | null;
  /** What the holder runs (its current or last statement), shortened. */
  query: string | null;
  /** Seconds since the holder's current statement started. */
  querySeconds: number | null;
  /** Sessions the holder itself waits for (pg_blocking_pids), e.g. an old transaction a concurrent index build waits out. */
  blockedBy: number[];
}

export interface LockWaitLog {
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface LockWaitOptions {
  /** Give up after this long (MIGRATION_LOCK_TIMEOUT_SECONDS). */
  timeoutMs: number;
  pollMs?: number;
  /** First warning after this long, then one every `warnEveryMs`. */
  warnAfterMs?: number;
  warnEveryMs?: number;
}

export interface LockWaitDeps {
  tryLock: () => Promise<boolean>;
  /** null when nobody holds it any more (it was released between the poll and this look-up). */
  holder: () => Promise<LockHolder | null>;
  log: LockWaitLog;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

export class MigrationLockTimeoutError extends Error {
  constructor(
    readonly waitedMs: number,
    readonly holder: LockHolder | null,
  ) {
    super(lockTimeoutMessage(waitedMs, holder));
    this.name = 'MigrationLockTimeoutError';
  }
}

export function describeHolder(holder: LockHolder | null): string {
  if (!holder) return 'a session that released it while we looked';
  const parts = [`pid ${holder.pid}`, `application_name "${holder.applicationName || '(none)'}"`];
  if (holder.state) parts.push(`state ${holder.state}`);
  if (holder.query && holder.state === 'idle') parts.push(`last statement "${holder.query}"`);
  else if (holder.query) parts.push(`running "${holder.query}"${holder.querySeconds === null ? '' : ` for ${Math.round(holder.querySeconds)} s`}`);
  if (holder.blockedBy.length > 0) parts.push(`itself waiting for pid(s) ${holder.blockedBy.join(', ')}`);
  return parts.join(', ');
}

export function lockTimeoutMessage(waitedMs: number, holder: LockHolder | null): string {
  const seconds = Math.round(waitedMs / 1000);
  const who = describeHolder(holder);
  const fix = holder
    ? `If that migration is still making progress, start this service again or raise MIGRATION_LOCK_TIMEOUT_SECONDS; ` +
      `if that session is stuck, end it (SELECT pg_terminate_backend(${holder.pid})) and start this service again.`
    : 'Start this service again.';
  return `gave up waiting for the migration lock after ${seconds} s (MIGRATION_LOCK_TIMEOUT_SECONDS); it is held by ${who}. ${fix}`;
}

/**
 * Polls until the lock is ours. Warns after `warnAfterMs` naming the holder, then every `warnEveryMs`;
 * throws MigrationLockTimeoutError after `timeoutMs`. Resolves with how long it waited.
 */
export async function waitForMigrationLock(deps: LockWaitDeps, options: LockWaitOptions): Promise<number> {
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = deps.now ?? Date.now;
  const pollMs = options.pollMs ?? 250;
  const warnEveryMs = options.warnEveryMs ?? 10_000;
  const started = now();
  let nextWarnAt = started + (options.warnAfterMs ?? 3_000);
  for (;;) {
    if (await deps.tryLock()) return now() - started;
    const waited = now() - started;
    if (waited >= options.timeoutMs) throw new MigrationLockTimeoutError(waited, await deps.holder());
    if (now() >= nextWarnAt) {
      const holder = await deps.holder();
      deps.log.warn(
        { waitedSeconds: Math.round(waited / 1000), holder },
        `waiting for the migration lock (another process migrates the database): held by ${describeHolder(holder)}`,
      );
      nextWarnAt = now() + warnEveryMs;
    }
    await sleep(Math.min(pollMs, Math.max(1, options.timeoutMs - waited)));
  }
}

/** Migrations in `all` (oldest first) whose name `applied` does not list. */
export function pendingMigrations(all: readonly string[], applied: readonly string[]): string[] {
  const done = new Set(applied);
  return all.filter((name) => !done.has(name));
}
