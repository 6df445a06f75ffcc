import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { DeliveryConfig, FanoutConfig, loadConfig, SubscriptionsConfig } from '@app/config';

/*
 * The compose files cannot run where there is no Docker (this machine, CI): what can be proved without it is
 * that the layout compose would build is one the services and Kafka accept. Both layouts, the single broker
 * (docker-compose.yml) and the three brokers (with docker-compose.cluster.yml on top), merged as compose merges
 * them, are checked here: each service's settings pass its own start-up validation (the too-short
 * PLATFORM_ADMIN_TOKEN default once made the API restart in a loop), the brokers the services name exist and
 * listen there, and the KRaft quorum, listeners, published ports and replication settings agree.
 */

const REPO = path.resolve(__dirname, '..', '..');
type Service = { environment?: Record<string, unknown>; depends_on?: Record<string, unknown>; ports?: string[]; command?: string[] };
type Compose = { services: Record<string, Service> };
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a plain JS module shared with scripts/start.js
const { SERVICE_NODE_FLAGS } = require('../../scripts/service-node-flags') as { SERVICE_NODE_FLAGS: string[] };

/** Compose's merge of an override file: mappings merge key by key (environment, depends_on), other values are replaced. */
function merge(base: unknown, override: unknown): unknown {
  if (isMap(base) && isMap(override)) {
    const out: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(override)) out[k] = k in base ? merge(base[k], v) : v;
    return out;
  }
  return override;
}
const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `${NAME:-default}` with NAME unset, as a user's first `docker compose up` sees it. */
const interpolate = (value: unknown): string => String(value).replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1');

function load(...files: string[]): Compose {
  // merge: true resolves `<<: *anchor` keys as compose does.
  return files.map((f) => parse(readFileSync(path.join(REPO, f), 'utf8'), { merge: true }) as Compose).reduce((a, b) => merge(a, b) as Compose);
}

function env(service: Service): Record<string, string> {
  return Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, interpolate(v)]));
}

const SCHEMAS = { subscriptions: SubscriptionsConfig, fanout: FanoutConfig, delivery: DeliveryConfig } as const;

describe.each([
  ['one broker', ['docker-compose.yml'], 1],
  ['three brokers', ['docker-compose.yml', 'docker-compose.cluster.yml'], 3],
])('docker compose, %s', (_name, files, brokerCount) => {
  const compose = load(...files);
  const kafkaServices = Object.keys(compose.services).filter((name) => /^kafka(-\d+)?$/.test(name));

  it('should start every service with settings its own validation accepts', () => {
    for (const [name, schema] of Object.entries(SCHEMAS)) {
      expect(() => loadConfig<object>(schema, env(compose.services[name]))).not.toThrow();
    }
    const layout = loadConfig(FanoutConfig, env(compose.services.fanout)).topicLayout;
    expect(layout).toMatchObject({ replicationFactor: brokerCount, minInsyncReplicas: Math.max(1, brokerCount - 1) });
  });

  it('should run every service with the V8 flags npm start gives it (decision 0019)', () => {
    for (const name of Object.keys(SCHEMAS)) {
      expect(compose.services[name].command).toEqual(['node', ...SERVICE_NODE_FLAGS, `dist/apps/${name}/main.js`]);
    }
  });

  it('should point every service at the brokers of the file, and start it after all of them and PostgreSQL', () => {
    expect(kafkaServices).toHaveLength(brokerCount);
    for (const name of Object.keys(SCHEMAS)) {
      const brokers = env(compose.services[name]).KAFKA_BROKERS.split(',');
      expect(brokers.sort()).toEqual(kafkaServices.map((k) => `${k}:9092`).sort());
      expect(Object.keys(compose.services[name].depends_on ?? {}).sort()).toEqual([...kafkaServices, 'postgres'].sort());
    }
  });

  it('should form one KRaft quorum of the brokers, each reachable as it advertises itself', () => {
    const nodes = kafkaServices.map((name) => ({ name, e: env(compose.services[name]), ports: compose.services[name].ports ?? [] }));
    const voters = nodes.map((n) => n.e.KAFKA_CONTROLLER_QUORUM_VOTERS);
    expect(new Set(voters).size).toBe(1);
    expect(voters[0].split(',').sort()).toEqual(nodes.map((n) => `${n.e.KAFKA_NODE_ID}@${n.name}:9093`).sort());
    expect(new Set(nodes.map((n) => n.e.KAFKA_NODE_ID)).size).toBe(brokerCount);
    expect(new Set(nodes.map((n) => n.e.CLUSTER_ID)).size).toBe(1);
    for (const n of nodes) {
      const protocols = new Set(n.e.KAFKA_LISTENER_SECURITY_PROTOCOL_MAP.split(',').map((p) => p.split(':')[0]));
      const listeners = n.e.KAFKA_LISTENERS.split(',').map((l) => l.split('://')[0]);
      expect(listeners.every((l) => protocols.has(l))).toBe(true);
      const advertised = Object.fromEntries(n.e.KAFKA_ADVERTISED_LISTENERS.split(',').map((l) => l.split('://') as [string, string]));
      expect(advertised.INTERNAL).toBe(`${n.name}:9092`);
      // The host reaches a broker on the port it advertises: published to its HOST listener's container port.
      const hostPort = advertised.HOST.split(':')[1];
      const hostListener = n.e.KAFKA_LISTENERS.split(',').find((l) => l.startsWith('HOST://')) ?? '';
      expect(n.ports).toContain(`127.0.0.1:${hostPort}:${hostListener.split(':').pop()}`);
    }
    expect(new Set(nodes.map((n) => n.ports.join())).size).toBe(brokerCount);
  });

  it('should replicate the internal topics as far as the brokers allow, with writes surviving one broker down', () => {
    for (const name of kafkaServices) {
      const e = env(compose.services[name]);
      for (const key of ['KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR', 'KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR']) expect(Number(e[key])).toBe(brokerCount);
      expect(Number(e.KAFKA_TRANSACTION_STATE_LOG_MIN_ISR)).toBe(Math.max(1, brokerCount - 1));
    }
  });
});

describe('Dockerfile', () => {
  it('should run the image with the V8 flags npm start gives the services (decision 0019)', () => {
    const cmd = readFileSync(path.join(REPO, 'Dockerfile'), 'utf8').match(/^CMD (\[.*\])$/m)?.[1];
    expect(JSON.parse(cmd ?? 'null')).toEqual(['node', ...SERVICE_NODE_FLAGS, 'dist/apps/subscriptions/main.js']);
  });
});
