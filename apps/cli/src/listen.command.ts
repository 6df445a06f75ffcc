import { createParser, EventSourceMessage } from 'eventsource-parser';
import type { ListenRequest } from '@app/contracts';
import { AdminClient, CliError, ListenSession } from './admin-client';
import { formatDeliveryLine } from './delivery-line';
import { forwardLocally } from './local-forwarder';

export interface ListenOptions {
  client: AdminClient;
  forwardTo: URL;
  eventTypes?: string[];
  out: NodeJS.WriteStream;
  err: NodeJS.WriteStream;
}

/** Waits between reconnections after the stream broke; the server keeps the session for its grace period. */
const RECONNECT_DELAYS_MS = [250, 500, 1000, 2000, 2000, 2000, 5000];

/**
 * `listen`: opens a session, prints its secret, relays each delivery to the local server and reports
 * the answer back, until Ctrl-C (which deletes the session) or the session ends on the server side.
 * Resolves with the process exit code.
 */
export async function listen(options: ListenOptions): Promise<number> {
  const { client, forwardTo, out } = options;
  const colour = out.isTTY === true;
  const session = await client.createSession({ forwardTo: forwardTo.toString(), eventTypes: options.eventTypes });
  out.write(`> Session ${session.id} (a temporary test-mode endpoint; Ctrl-C ends it and deletes it)\n`);
  out.write(`> Webhook signing secret: ${session.secret}\n`);
  out.write(`> Events: ${session.eventTypes.join(', ')}\n`);

  const stop = new AbortController();
  let interrupted = false;
  const onSigint = () => {
    // A second Ctrl-C while the session is being deleted leaves at once.
    if (interrupted) process.exit(130);
    interrupted = true;
    stop.abort();
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  try {
    const ended = await relay(options, session, stop.signal, colour);
    if (ended) {
      options.err.write(`> Session ended: ${ended}\n`);
      return 1;
    }
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }
  await client.deleteSession(session.id).catch((err: unknown) => {
    options.err.write(`> Could not delete session ${session.id} (${(err as Error).message}); the server removes it after its grace period\n`);
  });
  out.write(`> Session ${session.id} ended; its endpoint was deleted\n`);
  return 0;
}

/** Reads the stream (reconnecting after a break) until aborted (null) or the server ends the session (its reason). */
async function relay(options: ListenOptions, session: ListenSession, signal: AbortSignal, colour: boolean): Promise<string | null> {
  let failures = 0;
  let connections = 0;
  while (!signal.aborted) {
    let end: { reason: string; reconnect: boolean } | null = null;
    try {
      const res = await options.client.openStream(session.id, signal);
      failures = 0;
      const parser = createParser({
        onEvent: (event: EventSourceMessage) => {
          if (event.event === 'delivery') void handle(options, session, JSON.parse(event.data) as ListenRequest, colour);
          // Only once the stream is attached can a delivery reach us: "Ready" before that would be a lie.
          else if (event.event === 'ready' && connections++ === 0) options.out.write(`> Ready! Forwarding test-mode events to ${options.forwardTo.toString()}\n`);
          else if (event.event === 'ready') options.err.write('> Reconnected\n');
          else if (event.event === 'end') end = JSON.parse(event.data) as { reason: string; reconnect: boolean };
        },
      });
      await readUntilAborted(res, signal, (text) => parser.feed(text));
    } catch (err) {
      if (signal.aborted) return null;
      // The session is gone (deleted elsewhere, or reaped while we were away): nothing to reconnect to.
      if (err instanceof CliError && /answered 404/.test(err.message)) return 'the server no longer knows this session';
      if (err instanceof CliError && /401/.test(err.message)) return err.message;
    }
    if (signal.aborted) return null;
    const ended = end as { reason: string; reconnect: boolean } | null;
    if (ended && !ended.reconnect) return ended.reason;
    const delay = RECONNECT_DELAYS_MS[Math.min(failures++, RECONNECT_DELAYS_MS.length - 1)];
    options.err.write(`> Connection to ${options.client.baseUrl} lost; reconnecting in ${delay} ms\n`);
    await sleep(delay, signal);
  }
  return null;
}

async function handle(options: ListenOptions, session: ListenSession, request: ListenRequest, colour: boolean): Promise<void> {
  const answer = await forwardLocally(options.forwardTo, request);
  options.out.write(
    `${formatDeliveryLine({ at: new Date(), eventType: request.eventType, eventId: request.eventId, attempt: request.attempt, outcome: answer.outcome, statusCode: answer.statusCode, durationMs: answer.durationMs }, colour)}\n`,
  );
  await options.client.answer(session.id, answer).catch((err: unknown) => {
    // The delivery then times out on the server and is retried per schedule.
    options.err.write(`> Could not report the answer for ${request.eventId}: ${(err as Error).message}\n`);
  });
}

/**
 * Feeds the stream's text to `onText` until it ends or `signal` aborts. The reader is cancelled on abort
 * rather than trusting the aborted fetch to end the body: under load a Ctrl-C was seen to leave the read
 * waiting for the server's next bytes for a minute (test/e2e/cli-listen).
 */
async function readUntilAborted(res: Response, signal: AbortSignal, onText: (text: string) => void): Promise<void> {
  if (!res.body) return;
  const reader = res.body.getReader();
  const cancel = () => void reader.cancel().catch(() => undefined);
  signal.addEventListener('abort', cancel, { once: true });
  try {
    if (signal.aborted) cancel();
    const decoder = new TextDecoder();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      onText(decoder.decode(value, { stream: true }));
    }
  } finally {
    signal.removeEventListener('abort', cancel);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}
