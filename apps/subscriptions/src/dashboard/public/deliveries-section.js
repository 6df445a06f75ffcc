// An endpoint's deliveries, newest first, and the attempts of the one selected.
import { act } from './actions.js';
import { api } from './api.js';
import { badge, errorBox, h, time, toast } from './dom.js';
import { isCurrent } from './nav.js';

function deliveryRow(id, deliveryId, d) {
  return h(
    'tr',
    { class: d.id === deliveryId ? 'selected' : '' },
    h('td', {}, h('span', { class: 'mono' }, d.eventType || '(expired)'), h('div', { class: 'muted mono' }, d.eventId)),
    h('td', {}, badge(d.status)),
    h('td', {}, String(d.attemptCount)),
    h('td', {}, time(d.lastAttemptAt || d.createdAt)),
    h('td', {}, h('a', { href: `#/endpoints/${id}/deliveries/${d.id}`, 'aria-label': `Attempts of ${d.eventType || 'event'} ${d.eventId}` }, 'Attempts')),
  );
}

function attemptItem(a) {
  return h(
    'li',
    { class: a.outcome === 'success' ? 'success' : 'failure' },
    h('strong', {}, `Attempt ${a.attemptNumber}`),
    ' · ',
    time(a.startedAt),
    ' · ',
    badge(a.statusCode ? `${a.statusCode}` : a.outcome, a.outcome === 'success' ? 'success' : 'error'),
    ` ${a.outcome.replace(/_/g, ' ')} · ${a.durationMs} ms`,
    a.error ? h('div', { class: 'muted' }, a.error) : null,
    a.responseExcerpt ? h('pre', { 'aria-label': 'Response excerpt' }, a.responseExcerpt) : null,
  );
}

/** One delivery's facts and attempt timeline, with its resend button. */
function deliveryFacts(d, resend, box) {
  return [
    h('div', { class: 'spread' }, h('h2', {}, 'Delivery ', h('span', { class: 'mono' }, d.id)), resend),
    box,
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'Status'),
      h('dd', {}, badge(d.status), d.statusReason ? h('span', { class: 'muted' }, ` ${d.statusReason}`) : null),
      h('dt', {}, 'Event'),
      h('dd', {}, h('span', { class: 'mono' }, `${d.eventType || ''} ${d.eventId}`)),
      h('dt', {}, 'Next retry'),
      h('dd', {}, time(d.nextAttemptAt)),
    ),
    h('h3', {}, 'Attempts'),
    d.attempts.length === 0 ? h('p', { class: 'muted' }, 'Not attempted yet.') : h('ol', { class: 'timeline', 'aria-label': 'Attempt timeline' }, d.attempts.map(attemptItem)),
  ];
}

/** The deliveries table and the selected delivery's detail; `load` refreshes both. */
export function deliveriesSection(token, id, deliveryId) {
  const statusFilter = h(
    'select',
    { id: 'delivery-status' },
    ['', 'pending', 'succeeded', 'failed', 'discarded'].map((s) => h('option', { value: s }, s || 'All statuses')),
  );
  const deliveriesBody = h('tbody');
  const noDeliveries = h('p', { class: 'muted', hidden: true }, 'No deliveries yet. Send a test event to try the endpoint.');
  const detail = h('section', { class: 'panel', id: 'delivery-detail', 'aria-label': 'Delivery attempts', hidden: !deliveryId });

  async function loadDeliveries() {
    const status = statusFilter.value ? `&status=${statusFilter.value}` : '';
    const page = await api('GET', `/v1/endpoints/${id}/deliveries?limit=25${status}`);
    if (!isCurrent(token)) return;
    deliveriesBody.replaceChildren(...page.data.map((d) => deliveryRow(id, deliveryId, d)));
    noDeliveries.hidden = page.data.length > 0;
    if (deliveryId) await loadDelivery();
  }

  async function loadDelivery() {
    const d = await api('GET', `/v1/deliveries/${deliveryId}`);
    if (!isCurrent(token)) return;
    const resend = h('button', { type: 'button', id: 'resend' }, 'Resend');
    const box = errorBox();
    resend.addEventListener('click', () =>
      void act(resend, box, async () => {
        const queued = await api('POST', `/v1/deliveries/${deliveryId}/resend`);
        toast(`Attempt ${queued.attempt} queued.`);
        await loadDelivery();
      }),
    );
    detail.replaceChildren(...deliveryFacts(d, resend, box));
    detail.hidden = false;
  }
  statusFilter.addEventListener('change', () => loadDeliveries().catch((err) => toast(String(err.message || err), true)));
  const refresh = h('button', { type: 'button', class: 'secondary' }, 'Refresh');
  refresh.addEventListener('click', () => act(refresh, null, loadDeliveries));

  const list = h(
    'section',
    { class: 'panel', 'aria-labelledby': 'deliveries-heading' },
    h('div', { class: 'spread' }, h('h2', { id: 'deliveries-heading' }, 'Recent deliveries'), h('div', { class: 'row' }, h('label', { for: 'delivery-status', class: 'sr-only' }, 'Status'), statusFilter, refresh)),
    h('table', {}, h('thead', {}, h('tr', {}, ['Event', 'Status', 'Attempts', 'Last attempt', ''].map((c) => h('th', { scope: 'col' }, c)))), deliveriesBody),
    noDeliveries,
  );
  return { elements: [list, detail], load: loadDeliveries };
}
