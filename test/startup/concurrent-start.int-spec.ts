import { readFileSync } from 'node:fs';
import { Client } from 'pg';
import { MIGRATION_LOCK_KEY } from '@app/persistence';
import { MIGRATIONS } from '../../libs/persistence/src/migrations';
import { freePort } from '../fanout/fanout-kit';
import { ServiceName, ServiceProcess } from '../support/service-process';
import { api, eventually, PLATFORM_ADMIN_TOKEN, testEnv } from '../support/stack';
import { createFreshDatabase, FreshDatabase, session } from './fresh-database';

/*
 * Issue 13: services starting together against a database with a pending CREATE INDEX CONCURRENTLY
 * deadlocked (the lock holder's index build waited for the others' sessions blocked in
 * pg_advisory_lock). These run the built services as processes, as `npm start` and production do.
 */

const READY_WITHIN_MS = 30_000;
const ROUNDS = 5;
const ALL: ServiceName[] = ['subscriptions', 'fanout', 'delivery'];

let db: FreshDatabase | null = null;
let running: ServiceProcess[] = [];

afterEach(async () => {
  await Promise.all(running.map((s) => s.stop()));
  running = [];
  await db?.drop();
  db = null;
});

async function service(name: ServiceName, databaseUrl: string, overrides: Record<string, string> = {}): Promise<ServiceProcess> {
  const proc = new ServiceProcess(name, await freePort(), { ...process.env, ...testEnv({ DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn', ...overrides }) });
  running.push(proc);
  return proc;
}

function log(proc: ServiceProcess): string {
  try {
    return readFileSync(proc.logFile, 'utf8');
  } catch {
    return '';
  }
}

async function migrated(url: string): Promise<{ migrations: string[]; invalidIndexes: string[] }> {
  const c = await session(url, 'test-check');
  try {
    const migrations = (await c.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY id')).rows.map((r) => r.name);
    const invalidIndexes = (
      await c.query<{ relname: string }>('SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE NOT i.indisvalid')
    ).rows.map((r) => r.relname);
    return { migrations, invalidIndexes };
  } finally {
    await c.end();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('three services starting at the same moment on a new database', () => {
  it(`are all ready within ${READY_WITHIN_MS / 1000} s, ${ROUNDS} times in a row`, async () => {
    const times: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      db = await createFreshDatabase();
      const procs = await Promise.all(ALL.map((name) => service(name, db!.url)));
      const t0 = Date.now();
      // All three spawned in the same tick, before any of them has connected.
      const outcome = await Promise.allSettled(procs.map((p) => p.start(READY_WITHIN_MS)));
      const failed = outcome.flatMap((o, i) => (o.status === 'rejected' ? [`${procs[i].name}: ${(o.reason as Error).message}`] : []));
      expect({ round, failed }).toEqual({ round, failed: [] });
      times.push(Date.now() - t0);

      const state = await migrated(db.url);
      // Every migration the services ship, in order (a new one needs no edit here).
      expect(state.migrations).toEqual(MIGRATIONS.map((m) => new m().name));
      expect(state.invalidIndexes).toEqual([]);

      await Promise.all(running.map((s) => s.stop()));
      running = [];
      await db.drop();
      db = null;
    }
    process.stderr.write(`[startup] rounds ready after ${times.map((t) => `${(t / 1000).toFixed(1)} s`).join(', ')}\n`);
  }, ROUNDS * (READY_WITHIN_MS + 20_000));
});

describe('a concurrent index build under the migration lock while services run and start', () => {
  it('completes, the admin API keeps answering, and the waiting services say whom they wait for, then start', async () => {
    db = await createFreshDatabase();
    const subscriptions = await (await service('subscriptions', db.url)).start(READY_WITHIN_MS);
    // A migration is pending again (this one is idempotent), so starting services go for the lock.
    const setup = await session(db.url, 'test-setup');
    await setup.query(`DELETE FROM schema_migrations WHERE name = 'ApiRateLimits1764450000000'`);
    await setup.end();

    // Another migrator (named so the waiting services' logs can be checked), holding the lock.
    const holder: Client = await session(db.url, 'test-migration-holder');
    try {
      await holder.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
      const waiting = await Promise.all((['fanout', 'delivery'] as const).map((n) => service(n, db!.url)));
      const starts = waiting.map((p) => p.start(READY_WITHIN_MS + 20_000));
      for (const s of starts) s.catch(() => undefined);
      // Both have connected (so they are at their migration step, the first thing they do in the database).
      await eventually(async () => {
        const { rows } = await holder.query<{ n: number }>(
          `SELECT count(DISTINCT application_name)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name IN ('fanout', 'delivery')`,
        );
        return rows[0].n === 2 ? true : undefined;
      }, 20_000, 'fanout and delivery connected');
      await sleep(1_000);

      // What the first migrating service does: a concurrent index build on a hot table, lock held.
      await holder.query(`SET statement_timeout = '20s'`);
      const t0 = Date.now();
      const building = holder.query('CREATE INDEX CONCURRENTLY startup_test_cic_idx ON events (type)');
      const org = await api(subscriptions.url, 'POST', '/v1/organizations', { token: PLATFORM_ADMIN_TOKEN, body: { name: 'during the index build' } });
      await building;
      const buildMs = Date.now() - t0;
      expect(org.status).toBe(201);
      expect(buildMs).toBeLessThan(10_000);

      // Warned within seconds, naming the holder.
      const warning = /"level":"warn"[^\n]*waiting for the migration lock[^\n]*application_name \\"test-migration-holder\\"/;
      for (const p of waiting) {
        await eventually(async () => (warning.test(log(p)) ? true : undefined), 10_000, `${p.name}'s warning naming the lock holder`);
      }
      await holder.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
      await Promise.all(starts);
    } finally {
      await holder.end();
    }
    expect((await migrated(db.url)).migrations).toContain('ApiRateLimits1764450000000');
  }, 120_000);

  it('a service that cannot get the lock within MIGRATION_LOCK_TIMEOUT_SECONDS stops, naming the holder and what to do', async () => {
    db = await createFreshDatabase();
    const holder = await session(db.url, 'test-stuck-migrator');
    try {
      await holder.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
      const pid = (await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
      const fanout = await service('fanout', db.url, { MIGRATION_LOCK_TIMEOUT_SECONDS: '2' });
      const t0 = Date.now();
      await expect(fanout.start(READY_WITHIN_MS)).rejects.toThrow(/exited with 1/);
      expect(Date.now() - t0).toBeLessThan(15_000);
      const text = log(fanout);
      expect(text).toContain('gave up waiting for the migration lock after 2 s (MIGRATION_LOCK_TIMEOUT_SECONDS)');
      expect(text).toContain('test-stuck-migrator');
      expect(text).toContain(`pg_terminate_backend(${pid})`);
    } finally {
      await holder.end();
    }
  }, 60_000);
});
