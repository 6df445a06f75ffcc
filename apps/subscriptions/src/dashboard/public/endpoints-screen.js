// The list of the current mode's endpoints, 50 at a time.
import { act } from './actions.js';
import { api, mode } from './api.js';
import { h, show, time } from './dom.js';
import { statusBadge, typesText } from './endpoint-text.js';
import { isCurrent } from './nav.js';

function endpointRow(e) {
  return h(
    'tr',
    {},
    h('td', { class: 'url' }, h('a', { href: `#/endpoints/${e.id}` }, e.url), e.description ? h('div', { class: 'muted' }, e.description) : null),
    h('td', {}, typesText(e.eventTypes)),
    h('td', {}, statusBadge(e)),
    h('td', {}, time(e.createdAt)),
  );
}

export async function endpointsScreen(token) {
  const m = mode();
  const tbody = h('tbody');
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Load more');
  const table = h(
    'table',
    {},
    h('caption', {}, `${m === 'live' ? 'Live' : 'Test'} mode endpoints`),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'URL'), h('th', { scope: 'col' }, 'Event types'), h('th', { scope: 'col' }, 'Status'), h('th', { scope: 'col' }, 'Created'))),
    tbody,
  );
  const empty = h('p', { class: 'muted', hidden: true }, `No ${m} endpoints yet.`);
  show(
    'Endpoints',
    h('div', { class: 'spread' }, h('p', { class: 'muted' }, `Showing ${m} mode. Endpoints receive only events of their mode.`), h('a', { class: 'button', href: '#/endpoints/new' }, 'Add endpoint')),
    h('section', { class: 'panel', 'aria-label': 'Endpoint list' }, table, empty, more),
  );
  let cursor = null;
  async function load() {
    const page = await api('GET', `/v1/endpoints?mode=${m}&limit=50${cursor ? `&cursor=${cursor}` : ''}`);
    if (!isCurrent(token)) return;
    tbody.append(...page.data.map(endpointRow));
    cursor = page.nextCursor;
    more.hidden = !cursor;
    empty.hidden = tbody.children.length > 0;
  }
  more.addEventListener('click', () => act(more, null, load));
  await load();
}
