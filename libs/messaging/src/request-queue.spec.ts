/**
 * kafkajs' per-connection request queue, as patched (patches/kafkajs+2.2.4.patch, decision 0015): with nothing
 * pending it sets no timer. The published 2.2.4 re-armed a 1 ms timer forever on every connection (kafkajs
 * issue #1556), which was most of an idle service's CPU.
 */
import { silentKafkajsLogger } from './kafkajs-internals.testing';
// eslint-disable-next-line @typescript-eslint/no-require-imports -- kafkajs does not export its request queue; this is the module its connections use
const RequestQueue = require('kafkajs/src/network/requestQueue') as new (options: object) => {
  pending: unknown[];
  throttledUntil: number;
  checkPendingRequests(): void;
  push(request: object): void;
  destroy(): void;
  scheduleRequestTimeoutCheck(): void;
  inflight: Map<number, { sentAt: number; requestTimeout: number; timeoutRequest(): void }>;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function newQueue(options: { enforceRequestTimeout?: boolean; isConnected?: () => boolean; requestTimeout?: number } = {}) {
  return new RequestQueue({ maxInFlightRequests: 1, requestTimeout: 30_000, enforceRequestTimeout: false, clientId: 'test', broker: 'b:1', logger: silentKafkajsLogger, ...options });
}

function countChecks(queue: ReturnType<typeof newQueue>): () => number {
  let checks = 0;
  const original = queue.checkPendingRequests.bind(queue);
  queue.checkPendingRequests = () => {
    checks++;
    original();
  };
  return () => checks;
}

describe('kafkajs request queue (patched)', () => {
  it('sets no timer after a request completes with nothing pending', async () => {
    const queue = newQueue();
    const checks = countChecks(queue);
    queue.checkPendingRequests(); // what a fulfilled request does
    await sleep(100);
    queue.destroy();
    expect(checks()).toBe(1); // unpatched: one more about every millisecond
  });

  it('still sends a request pushed while throttled once the throttle ends', async () => {
    const queue = newQueue();
    queue.throttledUntil = Date.now() + 30;
    let sentAt = 0;
    const pushedAt = Date.now();
    queue.push({
      entry: { correlationId: 1, apiKey: 1, apiName: 'Fetch', apiVersion: 11, resolve: () => undefined, reject: () => undefined },
      expectResponse: false,
      sendRequest: () => (sentAt = Date.now()),
    });
    await sleep(150);
    queue.destroy();
    expect(sentAt - pushedAt).toBeGreaterThanOrEqual(25);
  });

  // Every connection runs this check for as long as it is open: at the published 100 ms, ten timer wake-ups a
  // second per connection were a sixth of an idle service's CPU (decision 0028). Request timeouts are 30 s and more.
  it('checks for timed-out requests once a second, not ten times', async () => {
    let checks = 0;
    const queue = newQueue({ enforceRequestTimeout: true, isConnected: () => (checks++, true) });
    queue.scheduleRequestTimeoutCheck();
    await sleep(2_100);
    queue.destroy();
    expect(checks).toBeGreaterThanOrEqual(1);
    expect(checks).toBeLessThanOrEqual(3); // unpatched: ~21
  });

  it('still times out a request in flight past its timeout, within the check interval', async () => {
    const queue = newQueue({ enforceRequestTimeout: true, requestTimeout: 30_000 });
    let timedOutAt = 0;
    const sentAt = Date.now();
    queue.inflight.set(1, { sentAt, requestTimeout: 300, timeoutRequest: () => (timedOutAt = timedOutAt || Date.now()) });
    queue.scheduleRequestTimeoutCheck();
    await sleep(1_500);
    queue.destroy();
    expect(timedOutAt).toBeGreaterThan(0);
    expect(timedOutAt - sentAt).toBeLessThanOrEqual(300 + 1_100);
  });
});
