import { Client } from 'pg';
import { Kafka } from 'kafkajs';
import { Topics } from '@app/contracts';
import { createApiClient } from '@app/api-client';
import { testKafka } from '../support/stack';

// What "a refused request changes nothing" is compared on: every row of every table the service writes
// and the end offsets of the topics it publishes to.

// The limiter's counters change on every request by design.
const VOLATILE_TABLES = new Set(['schema_migrations', 'api_rate_limits']);
const PUBLISHED_TOPICS = [Topics.deliveries, Topics.endpointChanges];

export class StoredWorld {
  private constructor(
    private readonly db: Client,
    private readonly kafkaAdmin: ReturnType<Kafka['admin']>,
    private readonly fingerprintSql: string,
  ) {}

  static async open(): Promise<StoredWorld> {
    const db = new Client({ connectionString: process.env.DATABASE_URL });
    await db.connect();
    const { rows } = await db.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`,
    );
    const tables = rows.map((r) => r.table_name).filter((t) => !VOLATILE_TABLES.has(t));
    const sql = tables
      .map((t) => `SELECT '${t}' AS table_name, md5(coalesce(string_agg(r::text, '|' ORDER BY r::text), '')) AS digest FROM "${t}" r`)
      .join(' UNION ALL ');
    const kafkaAdmin = testKafka().admin();
    await kafkaAdmin.connect();
    return new StoredWorld(db, kafkaAdmin, sql);
  }

  /** One digest per table and one end offset list per topic: equal fingerprints mean nothing was written. */
  async fingerprint(): Promise<Record<string, string>> {
    const [tables, ...topics] = await Promise.all([
      this.db.query<{ table_name: string; digest: string }>(this.fingerprintSql),
      ...PUBLISHED_TOPICS.map(async (topic) => {
        const offsets = await this.kafkaAdmin.fetchTopicOffsets(topic);
        return [`topic ${topic}`, offsets.map((o) => `${o.partition}:${o.high}`).sort().join(',')] as const;
      }),
    ]);
    return Object.fromEntries([...tables.rows.map((r) => [r.table_name, r.digest] as const), ...topics]);
  }

  /**
   * A replay job writes in the background after its 202, and the endpoint-change outbox is relayed to
   * Kafka after the change commits: wait for both so their writes are not blamed on the next request.
   */
  async settleBackgroundWrites(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { rows } = await this.db.query<{ n: number }>(
        `SELECT (SELECT count(*) FROM replay_jobs WHERE status = 'running') + (SELECT count(*) FROM endpoint_change_outbox) AS n`,
      );
      if (Number(rows[0].n) === 0) return;
      if (Date.now() > deadline) throw new Error(`${rows[0].n} replay jobs running or endpoint changes not relayed after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async query<R extends Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<R[]> {
    return (await this.db.query<R>(sql, params)).rows;
  }

  async close(): Promise<void> {
    await this.kafkaAdmin.disconnect();
    await this.db.end();
  }
}

/** The names of the tables that differ between two fingerprints. */
export function changedParts(before: Record<string, string>, after: Record<string, string>): string[] {
  return [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((k) => before[k] !== after[k]);
}

/** One organization's resources of every kind the admin API addresses by id, made through the API itself. */
export interface OrgResources {
  endpoints: string[];
  'api-keys': string[];
  events: string[];
  deliveries: string[];
  replays: string[];
  /** CLI listen sessions (their path segment is `sessions`). */
  sessions: string[];
}

/**
 * Gives an organization one of every resource: endpoints, a spare API key (never the one it calls with),
 * a test event with its delivery, a finished replay, and a CLI listen session.
 */
export async function populate(apiUrl: string, apiKey: string, endpointUrl: string): Promise<OrgResources> {
  const client = createApiClient(apiUrl, { token: apiKey });
  const must = <T>(what: string, answer: { data?: T; error?: unknown; response: Response }): T => {
    if (!answer.response.ok || answer.data === undefined) throw new Error(`${what} answered ${answer.response.status}: ${JSON.stringify(answer.error)}`);
    return answer.data;
  };
  const live = must('createEndpoint', await client.POST('/v1/endpoints', { body: { url: endpointUrl, mode: 'live', eventTypes: ['order.new'] } }));
  const test = must('createEndpoint', await client.POST('/v1/endpoints', { body: { url: endpointUrl, mode: 'test' } }));
  const spareKey = must('createApiKey', await client.POST('/v1/api-keys', { body: { name: 'spare' } }));
  const sent = must('sendTestEvent', await client.POST('/v1/endpoints/{id}/test', { params: { path: { id: test.id } } }));
  const from = new Date(Date.now() - 3_600_000).toISOString();
  const replay = must('createReplay', await client.POST('/v1/endpoints/{id}/replay', { params: { path: { id: test.id } }, body: { from, to: new Date(Date.now() + 1000).toISOString() } }));
  // No CLI connects to it: the suites that call populate() set a long LISTEN_SESSION_GRACE_SECONDS so it is not reaped mid-test.
  const session = must('createListenSession', await client.POST('/v1/listen/sessions', { body: { forwardTo: 'http://localhost:4000/webhooks' } }));
  return { endpoints: [live.id, test.id], 'api-keys': [spareKey.id], events: [sent.eventId], deliveries: [sent.deliveryId], replays: [replay.id], sessions: [session.id] };
}
