// Server-sent events framing (WHATWG HTML, "server-sent events"): JSON never holds a raw newline, so
// one `data:` line carries the whole payload.
export function sseEvent(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

export function sseComment(text: string): string {
  return `: ${text}\n\n`;
}
