// What a benchmark or chaos report names as the code and the parts it measured.
import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';

/** The commit (with -dirty for uncommitted changes), Node, Kafka (and how many brokers), PostgreSQL, the client libraries. */
export async function versions(repo: string): Promise<Record<string, string>> {
  const pkg = (name: string) => (JSON.parse(readFileSync(path.join(repo, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  const kafka = /<kafka\.version>([^<]+)</.exec(readFileSync(path.join(repo, 'infra', 'kafka', 'pom.xml'), 'utf8'))?.[1] ?? 'unknown';
  let postgresql = 'unknown';
  const db = new Client({ connectionString: process.env.DATABASE_URL });
  try {
    await db.connect();
    postgresql = (await db.query<{ server_version: string }>('SHOW server_version')).rows[0].server_version;
  } catch {
    /* the report still names everything else */
  } finally {
    await db.end().catch(() => undefined);
  }
  let commit = 'unknown';
  try {
    commit = execSync('git rev-parse --short HEAD', { cwd: repo }).toString().trim() + (uncommittedChanges(repo).length > 0 ? '-dirty' : '');
  } catch {
    /* not a git checkout */
  }
  const brokers = String(process.env.KAFKA_BROKERS ?? '').split(',').filter(Boolean).length;
  return { commit, node: process.version, kafka: `${kafka} (${brokers} broker${brokers === 1 ? '' : 's'})`, postgresql, kafkajs: pkg('kafkajs'), undici: pkg('undici'), pg: pkg('pg') };
}

/** Tracked files changed and not committed, outside the results folders the runs write. */
export function uncommittedChanges(repo: string): string[] {
  const out = execSync("git status --porcelain --untracked-files=no -- . ':!bench/results' ':!chaos/results'", { cwd: repo }).toString();
  return out.split('\n').filter(Boolean).map((line) => line.slice(3));
}
