// Adding or editing an endpoint: URL, event types, delivery pace, filter, description.
import { act } from './actions.js';
import { api, ApiError, mode } from './api.js';
import { errorBox, h, show, toast } from './dom.js';
import { isOperational, modeBadge } from './endpoint-text.js';
import { filterEditor } from './filter-editor.js';
import { go, isCurrent } from './nav.js';

/** SPEC §10 rate limit and ordering: the form's controls and what they send. */
function pacingFields(endpoint) {
  const rate = h('input', { id: 'endpoint-rate-limit', type: 'number', min: '1', max: '10000', step: '1', placeholder: 'No limit', value: endpoint && endpoint.rateLimitPerSecond !== null ? String(endpoint.rateLimitPerSecond) : '' });
  const ordering = h('select', { id: 'endpoint-ordering' }, h('option', { value: 'none' }, 'Any order (fastest)'), h('option', { value: 'strict' }, 'Strict: one at a time, in order'));
  ordering.value = endpoint ? endpoint.ordering : 'none';
  return {
    element: h(
      'fieldset',
      { class: 'field', id: 'pacing' },
      h('legend', {}, 'Delivery pace'),
      h('label', { for: 'endpoint-rate-limit' }, 'Requests per second at most (optional)'),
      rate,
      h('p', { class: 'hint' }, '1 to 10,000, first attempts, retries and resends together. Waiting for the limit uses no attempt. Empty: no limit.'),
      h('label', { for: 'endpoint-ordering' }, 'Delivery order'),
      ordering,
      h('p', { class: 'hint' }, 'Strict: a failing delivery holds the ones after it through its retries, until it succeeds or fails for good.'),
    ),
    values: () => ({ rateLimitPerSecond: rate.value.trim() === '' ? null : Number(rate.value), ordering: ordering.value }),
  };
}

function typeLabel(t, box) {
  return h('label', { for: `type-${t.name}` }, box, h('span', { class: 'mono' }, t.name), h('span', { class: 'muted' }, `— ${t.description}`));
}

/** The event types from the catalog: "All" or a choice of domain types, and the operational ones apart. */
function typeFields(catalog, endpoint) {
  const wanted = new Set(endpoint ? endpoint.eventTypes : ['*']);
  const all = h('input', { type: 'checkbox', id: 'type-all', checked: wanted.has('*') });
  const domainTypes = catalog.data.filter((t) => !isOperational(t.name));
  const operationalTypes = catalog.data.filter((t) => isOperational(t.name));
  const typeBoxes = domainTypes.map((t) => h('input', { type: 'checkbox', value: t.name, id: `type-${t.name}`, checked: wanted.has(t.name), disabled: wanted.has('*') }));
  const opsBoxes = operationalTypes.map((t) => h('input', { type: 'checkbox', value: t.name, id: `type-${t.name}`, checked: wanted.has(t.name) }));
  all.addEventListener('change', () => typeBoxes.forEach((b) => (b.disabled = all.checked)));
  return {
    elements: [
      h(
        'fieldset',
        { class: 'types field' },
        h('legend', {}, 'Event types'),
        h('label', { for: 'type-all' }, all, 'All event types, including future ones'),
        domainTypes.map((t, i) => typeLabel(t, typeBoxes[i])),
      ),
      h(
        'fieldset',
        { class: 'types field', id: 'operational-types' },
        h('legend', {}, 'Operational events'),
        h('p', { class: 'hint' }, 'Sent by the platform about your endpoints (one disabled, a delivery that failed its last attempt). Not included in "All".'),
        operationalTypes.map((t, i) => typeLabel(t, opsBoxes[i])),
      ),
    ],
    chosen: () => [...(all.checked ? ['*'] : typeBoxes.filter((b) => b.checked).map((b) => b.value)), ...opsBoxes.filter((b) => b.checked).map((b) => b.value)],
  };
}

export async function endpointForm(token, id) {
  const editing = Boolean(id);
  const [catalog, endpoint] = await Promise.all([api('GET', '/v1/event-types'), editing ? api('GET', `/v1/endpoints/${id}`) : null]);
  if (!isCurrent(token)) return;
  const m = endpoint ? endpoint.mode : mode();
  const box = errorBox();
  const url = h('input', { id: 'endpoint-url', type: 'url', required: true, placeholder: 'https://example.com/webhooks', value: endpoint ? endpoint.url : '' });
  const description = h('textarea', { id: 'endpoint-description', maxlength: '500' });
  description.value = endpoint ? endpoint.description : '';
  const types = typeFields(catalog, endpoint);
  const pacing = pacingFields(endpoint);
  const filter = filterEditor(endpoint ? endpoint.filter : null, () => ({ mode: m, eventTypes: types.chosen() }));
  const submit = h('button', { type: 'submit' }, editing ? 'Save changes' : 'Create endpoint');
  const form = h(
    'form',
    {
      class: 'panel',
      onsubmit: (e) => {
        e.preventDefault();
        void act(submit, box, async () => {
          const eventTypes = types.chosen();
          if (eventTypes.length === 0) throw new ApiError(400, ['Choose at least one event type, or all.']);
          const body = { url: url.value.trim(), eventTypes, description: description.value, filter: filter.value(), ...pacing.values() };
          const saved = editing ? await api('PATCH', `/v1/endpoints/${id}`, body) : await api('POST', '/v1/endpoints', { ...body, mode: m });
          toast(editing ? 'Endpoint saved.' : 'Endpoint created.');
          go(`#/endpoints/${saved.id}`);
        });
      },
    },
    box,
    h('p', {}, 'Mode: ', modeBadge(m), editing ? null : h('span', { class: 'muted' }, ' (switch mode at the top to create an endpoint of the other mode)')),
    h('div', { class: 'field' }, h('label', { for: 'endpoint-url' }, 'URL'), url, h('p', { class: 'hint' }, 'A public http(s) address. Live endpoints need https.')),
    types.elements,
    pacing.element,
    filter.element,
    h('div', { class: 'field' }, h('label', { for: 'endpoint-description' }, 'Description (optional)'), description),
    h('div', { class: 'row' }, submit, h('a', { class: 'button secondary', href: editing ? `#/endpoints/${id}` : '#/endpoints' }, 'Cancel')),
  );
  show(editing ? 'Edit endpoint' : 'Add endpoint', form);
}
