import { deliveryIdFor, Topics } from '@app/contracts';
import { Admin, Producer } from 'kafkajs';
import { eventually, query, resetWorld, startStack, testEnv, testKafka, testProducer } from '../support/stack';
import { Org } from '../subscriptions/admin-api';
import { ServiceProcess } from '../support/service-process';
import { burstDeliveryIds, burstOrganizations, freePort, publishBurst, settle, TopicReader } from './fanout-kit';

const EVENTS = 10_000;
/** Makes producing dominate a round, so a kill at a random moment most likely finds a transaction open. */
const PADDING = 'x'.repeat(2_000);
const MAX_KILLS = 5;
/** How long each kill waits to see a transaction open before it goes ahead anyway. */
const OPEN_TRANSACTION_WAIT_MS = 15_000;

// The fan-out as a real process (`npm run build` first), killed with SIGKILL while it works through a
// 10,000-event burst and started again under another INSTANCE_ID (so with other transactional ids: nothing
// aborts the killed one's open transaction but the broker, at FANOUT_TRANSACTION_TIMEOUT_MS, and the new process
// must wait at its stable offsets until then instead of reading from before it): the Kafka transactions must
// leave exactly one committed delivery message per (event, endpoint), none lost and none doubled.
describe('fan-out killed in the middle of a burst', () => {
  const env = testEnv({ FANOUT_SESSION_TIMEOUT_MS: '6000' });
  const groupId = env.FANOUT_GROUP_ID as string;
  let stack: Awaited<ReturnType<typeof startStack>>;
  let producer: Producer;
  let committed: TopicReader;
  let uncommitted: TopicReader;
  let admin: Admin;
  const processes: ServiceProcess[] = [];
  let orgs: Org[] = [];
  let endpointsByOrg = new Map<string, string[]>();

  beforeAll(async () => {
    await resetWorld();
    stack = await startStack(env, ['subscriptions']);
    producer = await testProducer();
    admin = testKafka().admin();
    await admin.connect();
    ({ orgs, endpointsByOrg } = await burstOrganizations(stack.apiUrl));
  });

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop('SIGKILL')));
    await Promise.all([committed?.stop(), uncommitted?.stop(), producer?.disconnect(), admin?.disconnect()]);
    await stack?.stop();
  });

  /**
   * A transaction is open now: the read-uncommitted reader has a record at or beyond a partition's last stable
   * offset (what the broker answers a read-committed ListOffsets, kafkajs' admin default). Asked of the broker,
   * not of the two readers' relative progress: under load the uncommitted reader can lag the committed one
   * through a whole transaction, and a comparison of their counts then waited a minute in vain (CI, twice).
   */
  const highestSeen = new Map<number, bigint>();
  let scanned = 0;
  async function transactionOpen(): Promise<boolean> {
    for (; scanned < uncommitted.records.length; scanned++) {
      const r = uncommitted.records[scanned];
      if ((highestSeen.get(r.partition) ?? -1n) < BigInt(r.offset)) highestSeen.set(r.partition, BigInt(r.offset));
    }
    const stable = await admin.fetchTopicOffsets(Topics.deliveries);
    return stable.some((p) => (highestSeen.get(p.partition) ?? -1n) >= BigInt(p.high));
  }

  /** Records of transactions that can never commit: seen by a read-uncommitted reader, never by a read-committed one. */
  async function orphanedRecords(): Promise<number> {
    await uncommitted.sync();
    // The committed reader stops at the open transaction; it is there once it has not moved for a second.
    let last = { count: -1, at: Date.now() };
    await eventually(
      async () => {
        if (committed.records.length !== last.count) last = { count: committed.records.length, at: Date.now() };
        return Date.now() - last.at >= 1_000 ? true : undefined;
      },
      30_000,
      'the committed reader to stop moving',
    );
    return uncommitted.records.length - committed.records.length;
  }

  it('should leave exactly one delivery message per (event, endpoint) after a SIGKILL and a restart', async () => {
    processes.push(await new ServiceProcess('fanout', await freePort(), env).start());
    [committed, uncommitted] = await Promise.all([TopicReader.start(Topics.deliveries), TopicReader.start(Topics.deliveries, { readUncommitted: true })]);
    // A backlog of 3,000 events at once (large transactions, so a kill most likely finds one open); while the
    // kills go on, the next 1,000 go out only once the fan-out is within 1,000 events of the end of what it has,
    // so it always has work: the supply lasts until a kill has landed inside a transaction (a fan-out with
    // shorter transactions finished a fixed burst of 10,000 before that twice), then tops up to EVENTS.
    let killing = true;
    let published = 0;
    const publishUpTo = async (end: number) => {
      await publishBurst(producer, orgs, 'evt_burst_', published, end, PADDING);
      published = end;
    };
    const burst = (async () => {
      await publishUpTo(3_000);
      while (killing || published < EVENTS) {
        while (killing && committed.records.length / 2 < published - 1_000) await new Promise((r) => setTimeout(r, 5));
        await publishUpTo(killing ? published + 1_000 : Math.max(published, EVENTS));
      }
    })();

    // Kill while the burst is being fanned out until a kill finds a transaction open (usually the first).
    let killsInsideTransaction = 0;
    let orphaned = 0;
    for (let kill = 1; kill <= MAX_KILLS && killsInsideTransaction === 0; kill++) {
      await committed.waitForCount(kill * 2_000, 60_000);
      // A commit has just become visible: wait until a transaction is open. A kill that still lands between
      // two transactions (it closed meanwhile) leaves no orphans, is not counted, and the next kill tries again.
      // Not seen within the wait (a loaded machine): kill anyway; the orphan count says where it landed.
      const deadline = Date.now() + OPEN_TRANSACTION_WAIT_MS;
      while (Date.now() < deadline && !(await transactionOpen())) await new Promise((r) => setTimeout(r, 10));
      await processes[processes.length - 1].stop('SIGKILL');
      const nowOrphaned = await orphanedRecords();
      if (nowOrphaned > orphaned) killsInsideTransaction++;
      orphaned = nowOrphaned;
      processes.push(await new ServiceProcess('fanout', await freePort(), { ...env, INSTANCE_ID: `${env.INSTANCE_ID}-after-kill-${kill}` }).start());
    }
    killing = false;
    await burst;
    await settle(committed, groupId, ['order.new']);
    expect(killsInsideTransaction).toBe(1);

    const expected = burstDeliveryIds(orgs, endpointsByOrg, 'evt_burst_', published);
    const written = committed.deliveries();
    const distinct = new Set(written.map((d) => d.deliveryId));
    expect({ messages: written.length, distinct: distinct.size }).toEqual({ messages: expected.size, distinct: expected.size });
    expect([...expected].filter((id) => !distinct.has(id))).toEqual([]);
    expect(written.every((d) => d.key === d.endpointId && d.deliveryId === deliveryIdFor(d.organizationId, d.event.id, d.endpointId))).toBe(true);

    const [{ count }] = await query<{ count: string }>(`SELECT count(*) FROM events WHERE id LIKE 'evt_burst_%'`);
    expect(Number(count)).toBe(published);
  }, 300_000);
});
