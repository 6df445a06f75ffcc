import { Headers } from '@app/contracts';
import { domainEvent } from '../history/history-support';
import { query, testEnv, testKafka } from '../support/stack';
import { createEndpoint, createOrg, Org } from '../subscriptions/admin-api';
import { FanoutWorld, metricValue, publish, settle, startFanoutWorld } from './fanout-kit';

const QUARANTINE_COPY_LIMIT = 512 * 1024;

// SPEC §3: a message that breaks the contract is never dropped silently and never stops the consumer.
describe('fan-out quarantine', () => {
  const env = testEnv();
  const groupId = env.FANOUT_GROUP_ID as string;
  let world: FanoutWorld;
  let org: Org;
  let endpointId: string;

  beforeAll(async () => {
    world = await startFanoutWorld(env);
    org = await createOrg(world.apiUrl, 'Acme');
    endpointId = (await createEndpoint(world.apiUrl, org, { mode: 'live', eventTypes: ['*'] })).id;
    // Lets the broker accept a value over 1 MB on this topic, so the fan-out's own size check is what refuses it.
    const admin = testKafka().admin();
    await admin.connect();
    await admin.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: 'order.new', configEntries: [{ name: 'max.message.bytes', value: String(3 * 1024 * 1024) }] }] });
    await admin.disconnect();
  });

  afterAll(async () => {
    await world?.stop();
  });

  it('should quarantine each kind of broken message with its reason and source, and fan out the valid events around them', async () => {
    const { producer, deliveries, quarantine } = world;
    const valid = (n: number) => domainEvent(org.id, 'order.new', 'live', `evt_q_valid_${n}`, { n });
    const withoutOccurredAt: Record<string, unknown> = { ...valid(100) };
    delete withoutOccurredAt.occurredAt;
    const oversized = JSON.stringify({ ...valid(101), data: { blob: 'x'.repeat(1024 * 1024 + 10) } });
    const broken: Array<{ kind: string; value: string | null; reason: RegExp }> = [
      { kind: 'not_json', value: '{"id": "evt_q_1", "type": ', reason: /^not valid JSON/ },
      { kind: 'invalid_field', value: JSON.stringify(withoutOccurredAt), reason: /occurredAt/ },
      { kind: 'invalid_field', value: JSON.stringify({ ...valid(102), organizationId: 42 }), reason: /organizationId must be a string/ },
      { kind: 'invalid_field', value: JSON.stringify({ ...valid(103), mode: 'production' }), reason: /mode must be one of/ },
      { kind: 'type_mismatch', value: JSON.stringify({ ...valid(104), type: 'order.updated' }), reason: /^type order\.updated does not match topic order\.new$/ },
      { kind: 'unknown_organization', value: JSON.stringify({ ...valid(105), organizationId: 'org_doesnotexist' }), reason: /^unknown organization org_doesnotexist$/ },
      { kind: 'too_large', value: oversized, reason: /^value larger than 1048576 bytes/ },
      { kind: 'unstorable', value: JSON.stringify({ ...valid(106), data: { note: 'nul \u0000 char' } }), reason: /^event log refused the event: / },
      { kind: 'empty', value: null, reason: /^empty value$/ },
    ];

    // One key, so one partition: the valid events come before, between and after the broken ones.
    const published: Array<{ partition: number; offset: string }> = [];
    await publish(producer, 'order.new', org.id, JSON.stringify(valid(1)));
    for (const [i, b] of broken.entries()) {
      published.push(await publish(producer, 'order.new', org.id, b.value));
      if (i === 4) await publish(producer, 'order.new', org.id, JSON.stringify(valid(2)));
    }
    await publish(producer, 'order.new', org.id, JSON.stringify(valid(3)));

    await quarantine.waitForCount(broken.length);
    await deliveries.waitForCount(3);
    await settle(quarantine, groupId, ['order.new']);
    await deliveries.sync();

    expect(quarantine.records).toHaveLength(broken.length);
    for (const [i, b] of broken.entries()) {
      const record = quarantine.records.find((r) => r.headers[Headers.sourceOffset] === published[i].offset);
      expect({ kind: b.kind, found: record !== undefined }).toEqual({ kind: b.kind, found: true });
      if (!record) continue;
      expect(record.headers[Headers.quarantineReason]).toMatch(b.reason);
      expect(record.headers[Headers.sourceTopic]).toBe('order.new');
      expect(record.headers[Headers.sourcePartition]).toBe(String(published[i].partition));
      expect(record.key).toBe(org.id);
      const original = b.value === null ? null : Buffer.from(b.value);
      if (original && original.length > QUARANTINE_COPY_LIMIT) {
        expect(record.headers[Headers.quarantineReason]).toMatch(/cut to the first 524288 of \d+ bytes/);
        expect(record.value?.equals(original.subarray(0, QUARANTINE_COPY_LIMIT))).toBe(true);
      } else {
        expect(record.value).toEqual(original);
      }
    }

    expect(deliveries.deliveries().map((d) => [d.event.id, d.endpointId])).toEqual([
      ['evt_q_valid_1', endpointId],
      ['evt_q_valid_2', endpointId],
      ['evt_q_valid_3', endpointId],
    ]);
    const stored = await query<{ id: string }>('SELECT id FROM events WHERE organization_id = $1 ORDER BY id', [org.id]);
    expect(stored.map((r) => r.id)).toEqual(['evt_q_valid_1', 'evt_q_valid_2', 'evt_q_valid_3']);

    const counts: Record<string, number> = {};
    for (const b of broken) counts[b.kind] = (counts[b.kind] ?? 0) + 1;
    for (const [kind, count] of Object.entries(counts)) {
      expect({ kind, count: await metricValue(world.fanoutUrl, 'webhooks_fanout_quarantined_total', { kind }) }).toEqual({ kind, count });
    }
  });
});
