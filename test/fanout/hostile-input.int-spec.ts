import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Producer } from 'kafkajs';
import { deliveryIdFor, Headers, Topics } from '@app/contracts';
import { ServiceProcess } from '../support/service-process';
import { eventually, resetWorld, startStack, testEnv, testKafka, testProducer } from '../support/stack';
import { TestReceiver } from '../support/test-receiver';
import { createEndpoint, createOrg, Org } from '../subscriptions/admin-api';
import { freePort, metricValue, settle, TopicReader } from './fanout-kit';
import { DomainRecord, generateHostileInput, HOSTILE_TOPICS, shuffled } from './hostile-kafka-input';

const MAX_RSS_MB = 300;
const SEED = Number(process.env.HOSTILE_INPUT_SEED ?? Math.floor(Math.random() * 2 ** 31));

interface Published {
  record: DomainRecord;
  partition: number;
  offset: string;
}

// Issue 8 / SPEC §3: generated garbage on the domain topics, interleaved with valid events. Every bad record
// goes to the quarantine topic with its reason and source position; the fan-out (the built service, as a
// process) never stops or restarts; every valid event is delivered, with its data exactly as sent.
describe('fan-out given hostile input on the domain topics', () => {
  const env = testEnv({ LOG_LEVEL: 'warn' });
  const groupId = env.FANOUT_GROUP_ID as string;
  const logFile = path.resolve(__dirname, '..', '..', '.infra', 'logs', `fanout-hostile-${env.INSTANCE_ID}.log`);
  let stack: Awaited<ReturnType<typeof startStack>>;
  let fanout: ServiceProcess;
  let producer: Producer;
  let quarantine: TopicReader;
  let deliveries: TopicReader;
  const receiver = new TestReceiver();
  let org: Org;
  let endpointId: string;

  beforeAll(async () => {
    process.stdout.write(`[hostile-input] seed ${SEED} (replay: HOSTILE_INPUT_SEED=${SEED} npm test -- integration test/fanout/hostile-input)\n`);
    await resetWorld();
    await receiver.start();
    stack = await startStack(env, ['subscriptions', 'delivery']);
    fanout = await new ServiceProcess('fanout', await freePort(), { ...process.env, ...env }, logFile).start();
    producer = await testProducer();
    [quarantine, deliveries] = await Promise.all([TopicReader.start(Topics.quarantine), TopicReader.start(Topics.deliveries)]);
    org = await createOrg(stack.apiUrl, 'Hostile Input');
    endpointId = (await createEndpoint(stack.apiUrl, org, { url: receiver.url, mode: 'live', eventTypes: ['*'] })).id;
    // Values over 1 MB must reach the fan-out, so that its own size check is what refuses them.
    const admin = testKafka().admin();
    await admin.connect();
    await admin.alterConfigs({
      validateOnly: false,
      resources: HOSTILE_TOPICS.map((name) => ({ type: 2, name, configEntries: [{ name: 'max.message.bytes', value: String(3 * 1024 * 1024) }] })),
    });
    await admin.disconnect();
  });

  afterAll(async () => {
    await fanout?.stop();
    await Promise.all([quarantine?.stop(), deliveries?.stop(), producer?.disconnect()]);
    await stack?.stop();
    await receiver.stop();
  });

  it('should quarantine every generated bad record with its reason and source, never stop, and deliver the valid events around them', async () => {
    const { garbage, valid } = generateHostileInput(org.id, SEED);
    // Valid events before, between and after the garbage, in a seeded order; the last ones come after all of it.
    const order = [...shuffled([...garbage, ...valid.slice(0, -5)], SEED), ...valid.slice(-5)];
    const published: Published[] = [];
    for (const record of order) {
      const [meta] = await producer.send({ topic: record.topic, acks: -1, messages: [{ key: record.key, value: record.value, headers: record.headers }] });
      published.push({ record, partition: meta.partition, offset: meta.baseOffset ?? '' });
    }

    await settle(quarantine, groupId, [...HOSTILE_TOPICS]);
    await deliveries.sync();
    const expectedIds = new Set(valid.map((v) => deliveryIdFor(org.id, (v.event as { id: string }).id, endpointId)));
    await eventually(async () => ([...expectedIds].every((id) => receiver.requests.some((r) => r.headers['webhook-id'] === id)) ? true : undefined), 60_000, 'every valid event at the receiver');

    // Every bad record is in quarantine, once, with a reason and its source position.
    const bad = published.filter((p) => !p.record.event);
    const unmatched = bad.filter(
      (p) =>
        !quarantine.records.some(
          (q) => q.headers[Headers.sourceTopic] === p.record.topic && q.headers[Headers.sourcePartition] === String(p.partition) && q.headers[Headers.sourceOffset] === p.offset && q.headers[Headers.quarantineReason],
        ),
    );
    expect(unmatched.map((p) => p.record.label)).toEqual([]);
    expect(quarantine.records).toHaveLength(bad.length);
    const kinds = ['empty', 'too_large', 'not_json', 'too_deep', 'invalid_field', 'type_mismatch', 'unknown_organization', 'undeliverable', 'unstorable'];
    const byKind: Record<string, number> = {};
    for (const kind of kinds) byKind[kind] = await metricValue(fanout.url, 'webhooks_fanout_quarantined_total', { kind });
    expect(Object.values(byKind).reduce((a, b) => a + b, 0)).toBe(bad.length);

    // Every valid event: one delivery message, and the receiver got its data exactly as sent.
    expect(deliveries.deliveries().map((d) => d.event.id).sort()).toEqual(valid.map((v) => v.event?.id).sort());
    for (const v of valid) {
      const request = receiver.requests.find((r) => r.headers['webhook-id'] === deliveryIdFor(org.id, v.event?.id as string, endpointId));
      expect({ id: v.event?.id, data: JSON.stringify((JSON.parse(request?.body ?? '{}') as { data?: unknown }).data) }).toEqual({ id: v.event?.id, data: JSON.stringify(v.event?.data) });
    }

    // Never stopped, never restarted: no restart of its own, no kafkajs crash or failed batch, still ready.
    expect(await metricValue(fanout.url, 'webhooks_fanout_consumer_restarts_total')).toBe(0);
    const log = readFileSync(logFile, 'utf8');
    expect(log.split('\n').filter((line) => /crashed|Error when calling eachBatch|Maximum call stack/i.test(line))).toEqual([]);
    expect((await fetch(`${fanout.url}/health/ready`)).status).toBe(200);

    process.stdout.write(
      `[hostile-input] seed ${SEED}: ${bad.length} bad records quarantined, ${valid.length} valid delivered; fan-out peak RSS ${fanout.peakRssMb.toFixed(0)} MB\n  by kind ${JSON.stringify(byKind)}\n`,
    );
    expect(fanout.peakRssMb).toBeLessThan(MAX_RSS_MB);
  });
});
