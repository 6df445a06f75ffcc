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
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function newQueue() {
  return new RequestQueue({ maxInFlightRequests: 1, requestTimeout: 30_000, enforceRequestTimeout: false, clientId: 'test', broker: 'b:1', logger: silentKafkajsLogger });
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
});
