import { domainEvent } from '../history/history-support';
import { api, testEnv } from '../support/stack';
import { createEndpoint, createOrg, Org } from '../subscriptions/admin-api';
import { CATALOG_TOPICS, FanoutWorld, publish, settle, startFanoutWorld } from './fanout-kit';

/** The promise of issue 4: a change through the API takes effect on a running fan-out within this. */
const PROPAGATION_MS = 2_000;

// The fan-out routes from memory; the subscriptions service's change feed keeps that memory current.
describe('fan-out endpoint changes', () => {
  const env = testEnv();
  const groupId = env.FANOUT_GROUP_ID as string;
  let world: FanoutWorld;
  let org: Org;
  let first: string;
  let n = 0;

  /** Publishes an event and returns the endpoints it was fanned out to, once the fan-out has settled. */
  async function routedTo(): Promise<string[]> {
    const event = domainEvent(org.id, 'order.new', 'live', `evt_change_${++n}`);
    await publish(world.producer, 'order.new', org.id, JSON.stringify(event));
    await settle(world.deliveries, groupId, CATALOG_TOPICS);
    return world.deliveries
      .deliveries()
      .filter((d) => d.event.id === event.id)
      .map((d) => d.endpointId)
      .sort();
  }

  /** Waits out the promised propagation time after a change, measured from the API's answer. */
  async function afterPropagation(changedAt: number): Promise<void> {
    await new Promise((r) => setTimeout(r, Math.max(0, changedAt + PROPAGATION_MS - Date.now())));
  }

  beforeAll(async () => {
    world = await startFanoutWorld(env);
    org = await createOrg(world.apiUrl, 'Acme');
    first = (await createEndpoint(world.apiUrl, org, { mode: 'live', eventTypes: ['order.new'] })).id;
    // The fan-out has now cached this organization's endpoints.
    expect(await routedTo()).toEqual([first]);
  });

  afterAll(async () => {
    await world?.stop();
  });

  it('should route events to an endpoint created through the API within 2 s', async () => {
    const second = (await createEndpoint(world.apiUrl, org, { mode: 'live', eventTypes: ['*'] })).id;
    await afterPropagation(Date.now());
    expect(await routedTo()).toEqual([first, second].sort());
  });

  it('should stop routing to an endpoint within 2 s of disabling it, and resume when it is enabled', async () => {
    const disabled = await api(world.apiUrl, 'PATCH', `/v1/endpoints/${first}`, { token: org.apiKey, body: { status: 'disabled' } });
    expect(disabled.status).toBe(200);
    await afterPropagation(Date.now());
    expect(await routedTo()).not.toContain(first);

    const enabled = await api(world.apiUrl, 'PATCH', `/v1/endpoints/${first}`, { token: org.apiKey, body: { status: 'enabled' } });
    expect(enabled.status).toBe(200);
    await afterPropagation(Date.now());
    expect(await routedTo()).toContain(first);
  });

  it('should follow a change of event types within 2 s', async () => {
    const changed = await api(world.apiUrl, 'PATCH', `/v1/endpoints/${first}`, { token: org.apiKey, body: { eventTypes: ['customer.created'] } });
    expect(changed.status).toBe(200);
    await afterPropagation(Date.now());
    expect(await routedTo()).not.toContain(first);
  });
});
