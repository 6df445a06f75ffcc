import { Client } from 'pg';
import { randomUUID } from 'node:crypto';

/** A brand-new, empty database on the test PostgreSQL (a fresh install as far as the services can tell). */
export interface FreshDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

export async function createFreshDatabase(prefix = 'startup'): Promise<FreshDatabase> {
  const base = process.env.DATABASE_URL;
  if (!base) throw new Error('DATABASE_URL is not set: run the integration tests through `npm test`');
  const name = `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const adminUrl = new URL(base);
  adminUrl.pathname = '/postgres';
  await onAdmin(adminUrl.toString(), `CREATE DATABASE "${name}"`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    // FORCE: a service that hung (the bug under test) may still hold sessions.
    drop: () => onAdmin(adminUrl.toString(), `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
}

async function onAdmin(url: string, sql: string): Promise<void> {
  const db = new Client({ connectionString: url });
  await db.connect();
  try {
    await db.query(sql);
  } finally {
    await db.end();
  }
}

/** One session of its own (the migration lock is per session), named so a waiting service's log can name it. */
export async function session(url: string, applicationName: string): Promise<Client> {
  const db = new Client({ connectionString: url, application_name: applicationName });
  db.on('error', () => undefined);
  await db.connect();
  return db;
}
