// The endpoint form's payload filter (SPEC §10): a JSON text field and "Test against recent events",
// which asks the API (POST /v1/endpoints/filter-preview) to judge the filter against the organization's
// newest events of the endpoint's mode and types, with the engine the fan-out runs. The endpoint form
// reads `value()` when it is saved.
import { act } from './actions.js';
import { api, ApiError } from './api.js';
import { errorBox, h } from './dom.js';

const EXAMPLE = '{"data.total": {"$gte": 100}, "data.currency": {"$in": ["EUR", "USD"]}}';

function previewRow(item) {
  const mark = item.matches ? 'match' : 'no match';
  return h(
    'tr',
    { class: item.matches ? 'matches' : 'no-match' },
    h('td', {}, h('span', { class: `badge ${item.matches ? 'succeeded' : 'discarded'}` }, mark)),
    h('td', { class: 'mono' }, item.event.type),
    h('td', { class: 'mono' }, item.event.id),
    h('td', {}, h('details', {}, h('summary', {}, 'data'), h('pre', {}, JSON.stringify(item.event.data, null, 2)))),
  );
}

function previewTable(preview) {
  return h(
    'table',
    {},
    h('caption', { class: 'sr-only' }, 'Recent events and whether the filter matches them'),
    h('thead', {}, h('tr', {}, h('th', {}, 'Result'), h('th', {}, 'Type'), h('th', {}, 'Event'), h('th', {}, 'Body'))),
    h('tbody', {}, preview.data.map(previewRow)),
  );
}

/**
 * initial: the stored filter or null; scope(): { mode, eventTypes } of the endpoint as the form stands.
 */
export function filterEditor(initial, scope) {
  const text = h('textarea', {
    id: 'endpoint-filter',
    class: 'mono',
    rows: '4',
    spellcheck: 'false',
    placeholder: EXAMPLE,
    'aria-describedby': 'endpoint-filter-hint',
  });
  text.value = initial ? JSON.stringify(initial, null, 2) : '';
  const box = errorBox();
  const summary = h('p', { id: 'filter-preview-summary', role: 'status', class: 'muted' });
  const results = h('div', { id: 'filter-preview' });
  const tryButton = h('button', { type: 'button', class: 'secondary', id: 'filter-preview-button' }, 'Test against recent events');

  /** The filter as typed: null when empty; a bad JSON text is refused here, before the API sees it. */
  function value() {
    const raw = text.value.trim();
    if (!raw) return null;
    try {
      return JSON.parse(raw);
    } catch (err) {
      throw new ApiError(400, [`filter is not valid JSON: ${err.message}`]);
    }
  }

  tryButton.addEventListener('click', () =>
    act(tryButton, box, async () => {
      summary.textContent = '';
      results.replaceChildren();
      const { mode, eventTypes } = scope();
      const preview = await api('POST', '/v1/endpoints/filter-preview', { filter: value(), mode, eventTypes, limit: 10 });
      if (preview.tested === 0) {
        summary.textContent = `No recent ${mode} events of these types to test against.`;
        return;
      }
      summary.textContent = `Matches ${preview.matched} of the ${preview.tested} most recent ${mode} events of these types.`;
      results.append(previewTable(preview));
    }),
  );

  const element = h(
    'div',
    { class: 'field filter-field' },
    h('label', { for: 'endpoint-filter' }, 'Filter (optional)'),
    text,
    h(
      'p',
      { class: 'hint', id: 'endpoint-filter-hint' },
      'A MongoDB-style query over the event (id, type, mode, occurredAt, data); only matching events are delivered. ',
      'Operators: $eq $ne $gt $gte $lt $lte $in $nin $exists $and $or $nor $not $all $size $elemMatch. Empty: every event of the types above.',
    ),
    h('div', { class: 'row' }, tryButton),
    box,
    summary,
    results,
  );
  return { element, value };
}
