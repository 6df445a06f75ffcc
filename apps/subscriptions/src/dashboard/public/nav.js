// Navigation state shared by the screens: which render is current, the poll of the open screen, and
// re-routing. The router registers itself (onRoute) so that screens can navigate without importing it.

const POLL_MS = 3000;

let router = () => undefined;
let pollTimer = null;
let renderToken = 0;

export function onRoute(fn) {
  router = fn;
}

/** Renders the current hash again. */
export function reroute() {
  return router();
}

export function go(hash) {
  if (location.hash === hash) void router();
  else location.hash = hash;
}

/** A new render starts: earlier renders still loading see they are stale (isCurrent) and drop their result. */
export function nextRender() {
  return ++renderToken;
}

export function isCurrent(token) {
  return token === renderToken;
}

export function stopPolling() {
  if (pollTimer) clearInterval(pollTimer);
  pollTimer = null;
}

export function poll(fn) {
  stopPolling();
  pollTimer = setInterval(() => {
    if (!document.hidden) fn().catch(() => undefined);
  }, POLL_MS);
}
