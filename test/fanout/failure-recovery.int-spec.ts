import { domainEvent } from '../history/history-support';
import { query, testEnv } from '../support/stack';
import { createEndpoint, createOrg, Org } from '../subscriptions/admin-api';
import { CATALOG_TOPICS, FanoutWorld, publish, settle, startFanoutWorld } from './fanout-kit';

// A failure while fanning out must neither lose the batch (offsets committed anyway) nor quarantine
// it (it is not the message's fault): the transaction is not committed and the records are read again.
describe('fan-out when the event log fails', () => {
  const env = testEnv();
  let world: FanoutWorld;
  let org: Org;
  let endpointId: string;

  beforeAll(async () => {
    world = await startFanoutWorld(env);
    org = await createOrg(world.apiUrl, 'Acme');
    endpointId = (await createEndpoint(world.apiUrl, org, { mode: 'live', eventTypes: ['*'] })).id;
  });

  afterAll(async () => {
    await query('ALTER TABLE IF EXISTS events_offline RENAME TO events').catch(() => undefined);
    await world?.stop();
  });

  it('should deliver the events published during a database failure exactly once after it ends, and quarantine none', async () => {
    const { producer, deliveries, quarantine } = world;
    const event = (n: number) => domainEvent(org.id, 'order.new', 'live', `evt_fail_${n}`, { n });
    await publish(producer, 'order.new', org.id, JSON.stringify(event(1)));
    await deliveries.waitForCount(1);

    // The statement the fan-out runs for every batch now fails, as with a database that is away.
    await query('ALTER TABLE events RENAME TO events_offline');
    await publish(producer, 'order.new', org.id, JSON.stringify(event(2)));
    await publish(producer, 'order.new', org.id, JSON.stringify(event(3)));
    await new Promise((r) => setTimeout(r, 2_000));
    await deliveries.sync();
    expect(deliveries.records).toHaveLength(1);

    await query('ALTER TABLE events_offline RENAME TO events');
    await deliveries.waitForCount(3, 60_000);
    await settle(deliveries, env.FANOUT_GROUP_ID as string, CATALOG_TOPICS);
    expect(deliveries.deliveries().map((d) => [d.event.id, d.endpointId])).toEqual([
      ['evt_fail_1', endpointId],
      ['evt_fail_2', endpointId],
      ['evt_fail_3', endpointId],
    ]);
    await quarantine.sync();
    expect(quarantine.records).toHaveLength(0);
  });
});
