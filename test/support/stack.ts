import { INestApplication } from '@nestjs/common';
import { AssignerProtocol, Kafka, logLevel, Partitioners, Producer } from 'kafkajs';
import { Client } from 'pg';
import { randomUUID } from 'node:crypto';
import { DeliveryConfig, FanoutConfig, loadConfig, SubscriptionsConfig } from '@app/config';
import { OPERATIONAL_EVENT_CATALOG, SEED_EVENT_TYPES } from '@app/contracts';
import { createLogger } from '@app/observability';
import { createSubscriptionsApp } from '../../apps/subscriptions/src/subscriptions.app';
import { createFanoutApp } from '../../apps/fanout/src/fanout.app';
import { createDeliveryApp } from '../../apps/delivery/src/delivery.app';

export const PLATFORM_ADMIN_TOKEN = 'test-platform-admin-token-0123456789';

/** Settings every test stack shares: loopback receivers allowed, a short retry schedule. */
export function testEnv(overrides: Record<string, string> = {}): NodeJS.ProcessEnv {
  const run = randomUUID().slice(0, 8);
  return {
    KAFKA_BROKERS: requireEnv('KAFKA_BROKERS'),
    DATABASE_URL: requireEnv('DATABASE_URL'),
    PORT: '0',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'error',
    PLATFORM_ADMIN_TOKEN,
    WEBHOOK_ALLOWED_PRIVATE_NETWORKS: '127.0.0.0/8',
    WEBHOOK_ALLOW_HTTP_IN_LIVE: 'true',
    RETRY_SCHEDULE_SECONDS: '1,2',
    DELIVERY_TIMEOUT_MS: '1000',
    KAFKA_TOPIC_PARTITIONS: '4',
    // Set by `infra up --brokers 3` (through global-setup): the suites then run on the replicated cluster.
    ...(process.env.KAFKA_REPLICATION_FACTOR ? { KAFKA_REPLICATION_FACTOR: process.env.KAFKA_REPLICATION_FACTOR } : {}),
    FANOUT_GROUP_ID: `test-fanout-${run}`,
    DELIVERY_GROUP_ID: `test-delivery-${run}`,
    INSTANCE_ID: `test-${run}`,
    // Every suite calls from 127.0.0.1, and the limiter's counters live in the shared database: the
    // suites' 401 checks alone would exhaust the failed-authentication budget of that address. The
    // limits themselves are tested with low values in test/subscriptions/rate-limit.int-spec.ts.
    API_RATE_LIMIT_PER_KEY: '1000000',
    API_RATE_LIMIT_FAILED_AUTH_PER_IP: '1000000',
    ...overrides,
  };
}

function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the integration tests through \`npm test\` (it starts the infrastructure)`);
  return value;
}

/**
 * Starts the three services in this process against the real Kafka and PostgreSQL, each on an
 * ephemeral port. Returns the admin API's base URL and a stop function.
 */
export async function startStack(env: NodeJS.ProcessEnv, only: Array<'subscriptions' | 'fanout' | 'delivery'> = ['subscriptions', 'fanout', 'delivery']) {
  const apps: INestApplication[] = [];
  let apiUrl = '';
  try {
    if (only.includes('subscriptions')) {
      const app = await createSubscriptionsApp(loadConfig(SubscriptionsConfig, env), createLogger('subscriptions', env.LOG_LEVEL));
      await app.listen(0, '127.0.0.1');
      apps.push(app);
      apiUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    }
    if (only.includes('fanout')) {
      const app = await createFanoutApp(loadConfig(FanoutConfig, env), createLogger('fanout', env.LOG_LEVEL));
      await app.listen(0, '127.0.0.1');
      apps.push(app);
    }
    if (only.includes('delivery')) {
      const app = await createDeliveryApp(loadConfig(DeliveryConfig, env), createLogger('delivery', env.LOG_LEVEL));
      await app.listen(0, '127.0.0.1');
      apps.push(app);
    }
  } catch (err) {
    await Promise.all(apps.map((a) => a.close()));
    throw err;
  }
  return { apiUrl, apps, stop: async () => void (await Promise.all(apps.reverse().map((a) => a.close()))) };
}

/**
 * A clean world for one test file: the project's data tables emptied and its topics deleted,
 * so messages left by an earlier file cannot reach this one's consumers.
 */
export async function resetWorld(): Promise<void> {
  const db = new Client({ connectionString: requireEnv('DATABASE_URL') });
  await db.connect();
  try {
    const { rows } = await db.query<{ exists: boolean }>(`SELECT to_regclass('public.organizations') IS NOT NULL AS exists`);
    if (rows[0].exists) await db.query('TRUNCATE organizations, api_keys, endpoints, events, deliveries, attempts CASCADE');
    const limits = await db.query<{ exists: boolean }>(`SELECT to_regclass('public.api_rate_limits') IS NOT NULL AS exists`);
    if (limits.rows[0].exists) await db.query('TRUNCATE api_rate_limits');
    const strict = await db.query<{ exists: boolean }>(`SELECT to_regclass('public.strict_queue') IS NOT NULL AS exists`);
    if (strict.rows[0].exists) await db.query('TRUNCATE strict_queue, strict_leases');
    // Schemas and examples in the catalog (SPEC §10) would judge the next file's events: cleared.
    const catalog = await db.query<{ exists: boolean }>(`SELECT count(*) > 0 AS exists FROM information_schema.columns WHERE table_name = 'event_types' AND column_name = 'schema'`);
    if (catalog.rows[0].exists) await db.query('UPDATE event_types SET schema = NULL, example = NULL WHERE schema IS NOT NULL OR example IS NOT NULL');
    // Types a file added (PUT /v1/event-types) are gone for the next one: the catalog is back to its seed.
    const seeded = [...SEED_EVENT_TYPES, ...OPERATIONAL_EVENT_CATALOG].map((t) => t.name);
    if (rows[0].exists) await db.query('DELETE FROM event_types WHERE NOT (name = ANY($1))', [seeded]);
    // A PUT replaces the whole entry, so one without a description (the admin fuzz sends such) blanks a seeded type's.
    if (rows[0].exists) {
      await db.query(
        `UPDATE event_types SET description = seed.description FROM unnest($1::text[], $2::text[]) AS seed(name, description)
         WHERE event_types.name = seed.name AND event_types.description IS DISTINCT FROM seed.description`,
        [SEED_EVENT_TYPES.map((t) => t.name), SEED_EVENT_TYPES.map((t) => t.description)],
      );
    }
  } finally {
    await db.end();
  }
  const admin = testKafka().admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((t) => !t.startsWith('__'));
    if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 30_000 });
    // Deletion finishes asynchronously; wait until the broker stops listing them.
    for (let i = 0; i < 50; i++) {
      const left = (await admin.listTopics()).filter((t) => topics.includes(t));
      if (left.length === 0) break;
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await admin.disconnect();
  }
}

export function testKafka(): Kafka {
  return new Kafka({ clientId: 'test', brokers: requireEnv('KAFKA_BROKERS').split(','), logLevel: logLevel.NOTHING });
}

/** Deletes topics a test file made for itself (with @app/messaging's ensureTopics); one already gone is fine. */
export async function deleteTestTopics(topics: string[]): Promise<void> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics }).catch(() => undefined);
  } finally {
    await admin.disconnect();
  }
}

export async function testProducer(): Promise<Producer> {
  const producer = testKafka().producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  await producer.connect();
  return producer;
}

/** Small JSON client for the admin API. */
export async function api<T = Record<string, unknown>>(
  baseUrl: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; rawBody?: string } = {},
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...(options.body !== undefined || options.rawBody !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
}

/** Polls `probe` until it returns a value that is not undefined. */
export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 30_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Once the consumer group is stable with `members` members (every member has joined and synced the
 * same generation): each member's id, Kafka client id and "topic/partition"s.
 */
export async function stableGroupAssignments(groupId: string, members: number, timeoutMs = 60_000): Promise<Array<{ memberId: string; clientId: string; assigned: string[] }>> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    return await eventually(
      async () => {
        const { groups } = await admin.describeGroups([groupId]);
        const group = groups[0];
        if (group.state !== 'Stable' || group.members.length !== members) return undefined;
        return group.members.map((m) => {
          const decoded = AssignerProtocol.MemberAssignment.decode(m.memberAssignment);
          const assigned = Object.entries(decoded?.assignment ?? {}).flatMap(([topic, partitions]) => partitions.map((p) => `${topic}/${p}`));
          return { memberId: m.memberId, clientId: m.clientId, assigned };
        });
      },
      timeoutMs,
      `a stable group ${groupId} of ${members}`,
    );
  } finally {
    await admin.disconnect();
  }
}

export async function query<R extends Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<R[]> {
  const db = new Client({ connectionString: requireEnv('DATABASE_URL') });
  await db.connect();
  try {
    return (await db.query<R>(sql, params)).rows;
  } finally {
    await db.end();
  }
}

/**
 * Where the pipeline stands, for a test's failure message when deliveries stop short: every topic's end offsets
 * against what the run's fan-out and delivery groups have committed, and the organization's events and
 * deliveries in the database. Says which stage stalled without the services' logs (which CI does not keep).
 */
export async function pipelineStandings(env: NodeJS.ProcessEnv, organizationId: string): Promise<string> {
  const lines: string[] = [];
  const admin = testKafka().admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((t) => !t.startsWith('__')).sort();
    const groups = [env.FANOUT_GROUP_ID, env.DELIVERY_GROUP_ID].filter((g): g is string => Boolean(g));
    const committed = await Promise.all(groups.map(async (groupId) => ({ groupId, topics: await admin.fetchOffsets({ groupId, topics }) })));
    for (const topic of topics) {
      const ends = await admin.fetchTopicOffsets(topic);
      if (ends.every((p) => p.high === '0')) continue;
      const byGroup = committed.map(({ groupId, topics: t }) => {
        const parts = t.find((x) => x.topic === topic)?.partitions ?? [];
        return `${groupId} ${parts.map((p) => `${p.partition}:${p.offset}`).join(' ')}`;
      });
      lines.push(`${topic}: end ${ends.map((p) => `${p.partition}:${p.high}`).join(' ')}; committed ${byGroup.join('; ')}`);
    }
  } finally {
    await admin.disconnect();
  }
  const events = await query<{ type: string; n: string }>('SELECT type, count(*) AS n FROM events WHERE organization_id = $1 GROUP BY type ORDER BY type', [organizationId]);
  lines.push(`events logged: ${events.map((e) => `${e.type} ${e.n}`).join(', ') || 'none'}`);
  const deliveries = await query<{ status: string; n: string }>('SELECT status, count(*) AS n FROM deliveries WHERE organization_id = $1 GROUP BY status ORDER BY status', [organizationId]);
  lines.push(`deliveries: ${deliveries.map((d) => `${d.status} ${d.n}`).join(', ') || 'none'}`);
  // Why attempts failed (a timeout, a refused connection, a breaker's deferral) and when: a delivery sent to a
  // long retry tier by a moment's failures looks like a stall in the counts above.
  const attempts = await query<{ outcome: string; status_code: number | null; error: string | null; n: string; first: Date; last: Date }>(
    `SELECT outcome, status_code, left(error, 100) AS error, count(*) AS n, min(started_at) AS first, max(started_at) AS last
       FROM attempts WHERE organization_id = $1 GROUP BY 1, 2, 3 ORDER BY count(*) DESC LIMIT 8`,
    [organizationId],
  );
  for (const a of attempts) {
    lines.push(`attempts ${a.outcome}${a.status_code ? ` ${a.status_code}` : ''}${a.error ? ` (${a.error})` : ''}: ${a.n}, ${a.first.toISOString()} .. ${a.last.toISOString()}`);
  }
  return lines.join('\n');
}
