import type { PoolClient } from 'pg';
import type { Logger } from 'pino';
import { DataSource, DataSourceOptions } from 'typeorm';
import { MigrationExecutor } from 'typeorm/migration/MigrationExecutor';
import { describeHolder, LockHolder, pendingMigrations, waitForMigrationLock } from './migration-lock';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';

export function dataSourceOptions(databaseUrl: string, applicationName: string): DataSourceOptions {
  return {
    type: 'postgres',
    url: databaseUrl,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'schema_migrations',
    synchronize: false,
    migrationsRun: false,
    applicationName,
    extra: { max: 10, connectionTimeoutMillis: 5000 },
  };
}

// Any fixed number: every service takes this lock before migrating so that three services
// starting together do not race each other through the same migration.
export const MIGRATION_LOCK_KEY = 727_447_001;

export interface RunMigrationsOptions {
  /** Warnings while waiting for the lock or while a migration waits; none when absent. */
  logger?: Logger;
  /** MIGRATION_LOCK_TIMEOUT_SECONDS, in ms. */
  lockTimeoutMs?: number;
  pollMs?: number;
  warnAfterMs?: number;
  warnEveryMs?: number;
}

/**
 * Runs pending migrations under a PostgreSQL advisory lock; safe to call from every service at boot,
 * in any number and order, with `CREATE INDEX CONCURRENTLY` among the migrations (see
 * docs/decisions/0001-migrations-at-start.md):
 * - the lock is taken and the migrations run on one connection, idle between statements, so no
 *   other connection of this process holds anything a concurrent index build would wait for;
 * - waiters poll `pg_try_advisory_lock` (see migration-lock.ts) instead of blocking in `pg_advisory_lock`;
 * - a database with nothing pending is not locked at all, so restarts of a migrated fleet never queue.
 */
export async function runMigrations(dataSource: DataSource, options: RunMigrationsOptions = {}): Promise<string[]> {
  const all = dataSource.migrations.map((m) => m.name ?? m.constructor.name);
  if (pendingMigrations(all, await appliedMigrations(dataSource)).length === 0) return [];

  const runner = dataSource.createQueryRunner();
  const client = (await runner.connect()) as PoolClient;
  let locked = false;
  try {
    await waitForMigrationLock(
      {
        tryLock: async () => ((await runner.query('SELECT pg_try_advisory_lock($1) AS ok', [MIGRATION_LOCK_KEY])) as Array<{ ok: boolean }>)[0].ok === true,
        holder: () => lockHolder(dataSource),
        log: { warn: (fields, message) => options.logger?.warn(fields, message) },
      },
      {
        timeoutMs: options.lockTimeoutMs ?? 300_000,
        pollMs: options.pollMs,
        warnAfterMs: options.warnAfterMs,
        warnEveryMs: options.warnEveryMs,
      },
    );
    locked = true;
    const [{ pid: ownPid }] = (await runner.query('SELECT pg_backend_pid() AS pid')) as Array<{ pid: number }>;
    const executor = new MigrationExecutor(dataSource, runner);
    executor.transaction = 'each';
    const watch = watchMigration(dataSource, ownPid, options);
    try {
      return (await executor.executePendingMigrations()).map((m) => m.name);
    } finally {
      clearInterval(watch);
    }
  } finally {
    let released = !locked;
    if (locked) {
      released = await runner
        .query('SELECT pg_advisory_unlock($1) AS ok', [MIGRATION_LOCK_KEY])
        .then((rows: Array<{ ok: boolean }>) => rows[0].ok === true, () => false);
    }
    // A session lock survives on a pooled connection: close one we could not unlock, so the pool
    // drops it and PostgreSQL releases the lock with the session.
    if (!released) {
      await client.end().catch(() => undefined);
    }
    await runner.release();
  }
}

async function appliedMigrations(dataSource: DataSource): Promise<string[]> {
  const [{ exists }] = await dataSource.query<Array<{ exists: boolean }>>(`SELECT to_regclass('schema_migrations') IS NOT NULL AS exists`);
  if (!exists) return [];
  const rows: Array<{ name: string }> = await dataSource.query('SELECT name FROM schema_migrations');
  return rows.map((r) => r.name);
}

async function lockHolder(dataSource: DataSource): Promise<LockHolder | null> {
  // A bigint advisory key shows in pg_locks as classid (high half), objid (low half), objsubid 1.
  const rows: Array<{ pid: number; application_name: string; state: string | null; query: string | null; query_seconds: number | null; blocked_by: number[] }> =
    await dataSource.query(
      `SELECT a.pid, a.application_name, a.state, left(regexp_replace(a.query, '\\s+', ' ', 'g'), 160) AS query,
              extract(epoch FROM now() - a.query_start)::float8 AS query_seconds, pg_blocking_pids(a.pid) AS blocked_by
         FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 0 AND l.objid = $1::bigint::oid AND l.objsubid = 1
          AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      [MIGRATION_LOCK_KEY],
    );
  if (rows.length === 0) return null;
  const r = rows[0];
  return { pid: r.pid, applicationName: r.application_name, state: r.state, query: r.query, querySeconds: r.query_seconds, blockedBy: r.blocked_by };
}

/** While migrating: every warnEveryMs, what the migration runs and whom it waits for (a concurrent index build waits out old transactions). */
function watchMigration(dataSource: DataSource, pid: number, options: RunMigrationsOptions): NodeJS.Timeout {
  const timer = setInterval(() => {
    void lockHolder(dataSource).then(
      (self) => {
        if (self && self.pid === pid) options.logger?.warn({ migration: self }, `still migrating the database: ${describeHolder(self)}`);
      },
      () => undefined,
    );
  }, options.warnEveryMs ?? 10_000);
  timer.unref();
  return timer;
}
