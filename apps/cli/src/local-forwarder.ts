import type { ListenRequest } from '@app/contracts';
import { ListenAnswer, networkReason } from './admin-client';

const EXCERPT_CHARS = 1024;

/**
 * POSTs one relayed delivery to the local server with the exact headers and body the delivery service
 * signed, and judges the answer as the delivery service judges a public endpoint's: 2xx only, no
 * redirects followed, the request's timeout (DELIVERY_TIMEOUT_MS) as the deadline.
 */
export async function forwardLocally(target: URL, request: Pick<ListenRequest, 'requestId' | 'headers' | 'body' | 'timeoutMs'>): Promise<ListenAnswer> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const res = await fetch(target, {
      method: 'POST',
      headers: request.headers,
      body: request.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(request.timeoutMs),
    });
    const excerpt = (await res.text()).slice(0, EXCERPT_CHARS);
    const ok = res.status >= 200 && res.status < 300;
    return {
      requestId: request.requestId,
      outcome: ok ? 'success' : 'http_error',
      statusCode: res.status,
      durationMs: elapsed(),
      error: ok ? null : res.status >= 300 && res.status < 400 ? `redirect ${res.status} not followed` : `HTTP ${res.status}`,
      responseExcerpt: excerpt,
    };
  } catch (err) {
    const timedOut = (err as Error).name === 'TimeoutError';
    return {
      requestId: request.requestId,
      outcome: timedOut ? 'timeout' : 'connection_error',
      statusCode: null,
      durationMs: elapsed(),
      error: timedOut ? `no answer from ${target.origin} within ${request.timeoutMs} ms` : `local server ${target.origin}: ${networkReason(err)}`,
      responseExcerpt: null,
    };
  }
}
