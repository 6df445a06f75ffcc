// How an endpoint's settings read on screen.
import { badge, h } from './dom.js';

// Operational events (webhook.*) are not part of "All": an endpoint receives them only when it names them.
export const isOperational = (type) => type.startsWith('webhook.');

export const DISABLED_REASONS = {
  gone: 'Disabled by the platform: the receiver answered 410 Gone.',
  failing: 'Disabled by the platform: every call failed, with no success for days.',
};

export function typesText(eventTypes) {
  const domain = eventTypes.includes('*') ? ['All'] : eventTypes.filter((t) => !isOperational(t));
  return [...domain, ...eventTypes.filter(isOperational)].join(', ');
}

export function statusBadge(e) {
  return e.status === 'disabled' && e.disabledReason ? [badge(e.status), h('span', { class: 'muted reason' }, ` ${e.disabledReason}`)] : badge(e.status);
}

export function modeBadge(m) {
  return badge(m, m === 'test' ? 'test' : 'enabled');
}

export function pacingText(endpoint) {
  const rate = endpoint.rateLimitPerSecond === null ? 'No rate limit' : `At most ${endpoint.rateLimitPerSecond} requests/s`;
  return `${rate}; ${endpoint.ordering === 'strict' ? 'strict order (one at a time)' : 'any order'}`;
}
