// One endpoint: its settings and actions, signing secret, deliveries and replay.
import { act } from './actions.js';
import { api } from './api.js';
import { errorBox, h, show, time, toast } from './dom.js';
import { deliveriesSection } from './deliveries-section.js';
import { DISABLED_REASONS, modeBadge, pacingText, statusBadge, typesText } from './endpoint-text.js';
import { go, isCurrent, poll, reroute } from './nav.js';
import { replaySection } from './replay-section.js';
import { secretSection } from './secret-section.js';

function button(label, attrs, box, action) {
  const b = h('button', { type: 'button', ...attrs }, label);
  b.addEventListener('click', () => void act(b, box, action));
  return b;
}

/** A platform-disabled endpoint says why and offers to take it back, which clears the reason. */
function disabledNotice(endpoint, box) {
  if (endpoint.status !== 'disabled' || !endpoint.disabledReason) return null;
  const reEnable = button('Re-enable', { id: 're-enable' }, box, async () => {
    await api('PATCH', `/v1/endpoints/${endpoint.id}`, { status: 'enabled' });
    toast('Endpoint enabled again.');
    void reroute();
  });
  return h('div', { class: 'notice', id: 'disabled-notice', role: 'status' }, h('p', {}, DISABLED_REASONS[endpoint.disabledReason] || `Disabled by the platform (${endpoint.disabledReason}).`), reEnable);
}

/** Edit, enable or disable, send a test event, delete. */
function actionButtons(endpoint, box, loadDeliveries) {
  const id = endpoint.id;
  const enabled = endpoint.status === 'enabled';
  const toggle = button(enabled ? 'Disable' : 'Enable', { class: 'secondary' }, box, async () => {
    await api('PATCH', `/v1/endpoints/${id}`, { status: enabled ? 'disabled' : 'enabled' });
    toast(enabled ? 'Endpoint disabled.' : 'Endpoint enabled.');
    void reroute();
  });
  const testButton = button('Send test event', { id: 'send-test' }, box, async () => {
    const sent = await api('POST', `/v1/endpoints/${id}/test`);
    toast(`Test event ${sent.eventId} queued.`);
    await loadDeliveries();
  });
  const remove = button('Delete', { class: 'danger' }, box, async () => {
    if (!window.confirm(`Delete the endpoint ${endpoint.url}? It stops receiving events at once.`)) return;
    await api('DELETE', `/v1/endpoints/${id}`);
    toast('Endpoint deleted.');
    go('#/endpoints');
  });
  return h('div', { class: 'row' }, h('a', { class: 'button secondary', href: `#/endpoints/${id}/edit` }, 'Edit'), toggle, testButton, remove);
}

function endpointFacts(endpoint) {
  return h(
    'dl',
    { class: 'facts' },
    h('dt', {}, 'ID'),
    h('dd', { class: 'mono' }, endpoint.id),
    h('dt', {}, 'Event types'),
    h('dd', {}, typesText(endpoint.eventTypes)),
    h('dt', {}, 'Delivery pace'),
    h('dd', { id: 'endpoint-pacing' }, pacingText(endpoint)),
    h('dt', {}, 'Filter'),
    h('dd', { class: 'mono', id: 'endpoint-filter-value' }, endpoint.filter ? JSON.stringify(endpoint.filter) : 'none (every event of its types)'),
    h('dt', {}, 'Description'),
    h('dd', {}, endpoint.description || '—'),
    h('dt', {}, 'Created'),
    h('dd', {}, time(endpoint.createdAt)),
  );
}

export async function endpointScreen(token, id, deliveryId) {
  const endpoint = await api('GET', `/v1/endpoints/${id}`);
  if (!isCurrent(token)) return;
  const actionsBox = errorBox();
  const deliveries = deliveriesSection(token, id, deliveryId);
  show(
    endpoint.url,
    h('div', { class: 'row' }, modeBadge(endpoint.mode), statusBadge(endpoint), h('a', { href: '#/endpoints' }, '← All endpoints')),
    h('section', { class: 'panel', 'aria-label': 'Endpoint' }, actionsBox, disabledNotice(endpoint, actionsBox), endpointFacts(endpoint), actionButtons(endpoint, actionsBox, deliveries.load)),
    secretSection(id),
    ...deliveries.elements,
    replaySection(id),
  );
  await deliveries.load();
  poll(deliveries.load);
}
