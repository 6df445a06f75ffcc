import { HttpStatus } from '@nestjs/common';
import { STATUS_CODES, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { ErrorCode } from './api-error';

function refusal(code: string | undefined): { status: number; message: string; code: ErrorCode } {
  if (code === 'HPE_HEADER_OVERFLOW') return { status: 431, message: 'the request line and headers are too large (16 KiB at most); shorten the URL or the headers', code: 'headers_too_large' };
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return { status: 408, message: 'the request did not arrive in time; send it again', code: 'request_timeout' };
  return { status: 400, message: 'the request is not valid HTTP/1.1', code: 'invalid_request' };
}

/**
 * Node answers a request it cannot parse (headers over 16 KiB, a broken request line or chunk) itself,
 * before Express, with a bare status line. This answers it in the API's JSON error shape instead,
 * with the headers that matter for a body a browser might see.
 */
export function answerUnparsableRequests(server: Server): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const { status, message, code } = refusal(err.code);
    // Named as Nest names statuses (HttpStatus has no 431).
    const error = HttpStatus[status] ?? String(STATUS_CODES[status]).toUpperCase().replace(/[^A-Z]+/g, '_');
    const body = JSON.stringify({ statusCode: status, error, message: [message], code });
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
        'Content-Type: application/json; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        'X-Content-Type-Options: nosniff\r\n' +
        'X-Frame-Options: DENY\r\n' +
        'Referrer-Policy: no-referrer\r\n' +
        "Content-Security-Policy: default-src 'none'; frame-ancestors 'none'\r\n" +
        'Cache-Control: no-store\r\n' +
        'Connection: close\r\n\r\n' +
        body,
    );
  });
}
