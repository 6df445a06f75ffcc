// Sourcehub Webhooks dashboard: plain JavaScript over the public REST API (/v1), with the API key the
// admin enters kept in sessionStorage (gone when the tab closes). Every value from the API is put in
// the page as text (textContent), never as HTML.
'use strict';

(function () {
  const KEY_STORE = 'sourcehub.apiKey';
  const MODE_STORE = 'sourcehub.mode';
  const POLL_MS = 3000;

  const main = document.getElementById('main');
  const bar = document.getElementById('bar');
  const toastBox = document.getElementById('toast');
  let pollTimer = null;
  let renderToken = 0;

  // ---------------------------------------------------------------------------------------------
  // small helpers

  /** Builds an element: attributes (on* are listeners) and children (strings become text nodes). */
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
      else if (name === 'class') el.className = value;
      else if (value === true) el.setAttribute(name, '');
      else el.setAttribute(name, String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      el.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return el;
  }

  function time(iso) {
    if (!iso) return h('span', { class: 'muted' }, '—');
    return h('time', { datetime: iso, title: iso }, new Date(iso).toLocaleString());
  }

  function badge(text, kind) {
    return h('span', { class: `badge ${kind || text}` }, text);
  }

  // Operational events (webhook.*) are not part of "All": an endpoint receives them only when it names them.
  const isOperational = (type) => type.startsWith('webhook.');
  const DISABLED_REASONS = {
    gone: 'Disabled by the platform: the receiver answered 410 Gone.',
    failing: 'Disabled by the platform: every call failed, with no success for days.',
  };

  function typesText(eventTypes) {
    const domain = eventTypes.includes('*') ? ['All'] : eventTypes.filter((t) => !isOperational(t));
    return [...domain, ...eventTypes.filter(isOperational)].join(', ');
  }

  function statusBadge(e) {
    return e.status === 'disabled' && e.disabledReason ? [badge(e.status), h('span', { class: 'muted reason' }, ` ${e.disabledReason}`)] : badge(e.status);
  }

  function toast(message, bad) {
    const p = h('p', { class: bad ? 'bad' : '' }, message);
    toastBox.append(p);
    while (toastBox.children.length > 3) toastBox.firstElementChild.remove();
    setTimeout(() => p.remove(), 6000);
  }

  class ApiError extends Error {
    constructor(status, messages) {
      super(messages.join('; '));
      this.status = status;
      this.messages = messages;
    }
  }

  async function api(method, path, body) {
    const headers = { authorization: `Bearer ${sessionStorage.getItem(KEY_STORE) || ''}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    const data = text ? JSON.parse(text) : null;
    if (res.status === 401 && path !== '/v1/endpoints?limit=1') {
      signOut('Your API key was not accepted (revoked?). Sign in again.');
      throw new ApiError(401, ['not signed in']);
    }
    if (!res.ok) throw new ApiError(res.status, (data && data.message) || [`request failed with status ${res.status}`]);
    return data;
  }

  function mode() {
    return sessionStorage.getItem(MODE_STORE) === 'live' ? 'live' : 'test';
  }

  function go(hash) {
    if (location.hash === hash) void route();
    else location.hash = hash;
  }

  /** Replaces the page and moves focus to its heading, so screen readers announce the new screen. */
  function show(title, ...content) {
    const heading = h('h1', { tabindex: '-1' }, title);
    main.replaceChildren(heading, ...content);
    document.title = `${title} · Sourcehub Webhooks`;
    heading.focus();
    return heading;
  }

  function errorBox() {
    return h('div', { class: 'error', role: 'alert' });
  }

  function showError(box, err) {
    box.replaceChildren(...(err instanceof ApiError ? err.messages : [String(err && err.message ? err.message : err)]).map((m) => h('div', {}, m)));
  }

  /** Runs an action from a button: disabled while it runs, errors shown in `box` (or as a toast). */
  async function act(button, box, action) {
    button.disabled = true;
    if (box) box.replaceChildren();
    try {
      await action();
    } catch (err) {
      if (box) showError(box, err);
      else toast(err instanceof ApiError ? err.messages.join('; ') : String(err), true);
    } finally {
      button.disabled = false;
    }
  }

  function stopPolling() {
    if (pollTimer) clearInterval(pollTimer);
    pollTimer = null;
  }

  function poll(fn) {
    stopPolling();
    pollTimer = setInterval(() => {
      if (!document.hidden) fn().catch(() => undefined);
    }, POLL_MS);
  }

  // ---------------------------------------------------------------------------------------------
  // screens

  function signOut(message) {
    sessionStorage.removeItem(KEY_STORE);
    go('#/login');
    if (message) toast(message, true);
  }

  function loginScreen() {
    bar.hidden = true;
    const box = errorBox();
    const input = h('input', { id: 'api-key', type: 'password', autocomplete: 'off', spellcheck: 'false', required: true, 'aria-describedby': 'api-key-hint' });
    const button = h('button', { type: 'submit' }, 'Sign in');
    const form = h(
      'form',
      {
        class: 'panel',
        onsubmit: (e) => {
          e.preventDefault();
          void act(button, box, async () => {
            sessionStorage.setItem(KEY_STORE, input.value.trim());
            try {
              await api('GET', '/v1/endpoints?limit=1');
            } catch (err) {
              sessionStorage.removeItem(KEY_STORE);
              throw err.status === 401 ? new ApiError(401, ['That API key is unknown or revoked.']) : err;
            }
            go('#/endpoints');
          });
        },
      },
      box,
      h('div', { class: 'field' }, h('label', { for: 'api-key' }, 'API key'), input, h('p', { class: 'hint', id: 'api-key-hint' }, 'Your organization key (shk_…). It stays in this browser tab only.')),
      button,
    );
    show('Sign in to Sourcehub Webhooks', form);
    input.focus();
  }

  async function endpointsScreen(token) {
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
      if (token !== renderToken) return;
      for (const e of page.data) {
        tbody.append(
          h(
            'tr',
            {},
            h('td', { class: 'url' }, h('a', { href: `#/endpoints/${e.id}` }, e.url), e.description ? h('div', { class: 'muted' }, e.description) : null),
            h('td', {}, typesText(e.eventTypes)),
            h('td', {}, statusBadge(e)),
            h('td', {}, time(e.createdAt)),
          ),
        );
      }
      cursor = page.nextCursor;
      more.hidden = !cursor;
      empty.hidden = tbody.children.length > 0;
    }
    more.addEventListener('click', () => act(more, null, load));
    await load();
  }

  async function endpointForm(token, id) {
    const editing = Boolean(id);
    const [catalog, endpoint] = await Promise.all([api('GET', '/v1/event-types'), editing ? api('GET', `/v1/endpoints/${id}`) : null]);
    if (token !== renderToken) return;
    const m = endpoint ? endpoint.mode : mode();
    const box = errorBox();
    const url = h('input', { id: 'endpoint-url', type: 'url', required: true, placeholder: 'https://example.com/webhooks', value: endpoint ? endpoint.url : '' });
    const description = h('textarea', { id: 'endpoint-description', maxlength: '500' });
    description.value = endpoint ? endpoint.description : '';
    const wanted = new Set(endpoint ? endpoint.eventTypes : ['*']);
    const all = h('input', { type: 'checkbox', id: 'type-all', checked: wanted.has('*') });
    const domainTypes = catalog.data.filter((t) => !isOperational(t.name));
    const operationalTypes = catalog.data.filter((t) => isOperational(t.name));
    const typeBoxes = domainTypes.map((t) => h('input', { type: 'checkbox', value: t.name, id: `type-${t.name}`, checked: wanted.has(t.name), disabled: wanted.has('*') }));
    const opsBoxes = operationalTypes.map((t) => h('input', { type: 'checkbox', value: t.name, id: `type-${t.name}`, checked: wanted.has(t.name) }));
    all.addEventListener('change', () => typeBoxes.forEach((b) => (b.disabled = all.checked)));
    const submit = h('button', { type: 'submit' }, editing ? 'Save changes' : 'Create endpoint');
    const form = h(
      'form',
      {
        class: 'panel',
        onsubmit: (e) => {
          e.preventDefault();
          void act(submit, box, async () => {
            const domain = all.checked ? ['*'] : typeBoxes.filter((b) => b.checked).map((b) => b.value);
            const eventTypes = [...domain, ...opsBoxes.filter((b) => b.checked).map((b) => b.value)];
            if (eventTypes.length === 0) throw new ApiError(400, ['Choose at least one event type, or all.']);
            const body = { url: url.value.trim(), eventTypes, description: description.value };
            const saved = editing ? await api('PATCH', `/v1/endpoints/${id}`, body) : await api('POST', '/v1/endpoints', { ...body, mode: m });
            toast(editing ? 'Endpoint saved.' : 'Endpoint created.');
            go(`#/endpoints/${saved.id}`);
          });
        },
      },
      box,
      h('p', {}, 'Mode: ', badge(m, m === 'test' ? 'test' : 'enabled'), editing ? null : h('span', { class: 'muted' }, ' (switch mode at the top to create an endpoint of the other mode)')),
      h('div', { class: 'field' }, h('label', { for: 'endpoint-url' }, 'URL'), url, h('p', { class: 'hint' }, 'A public http(s) address. Live endpoints need https.')),
      h(
        'fieldset',
        { class: 'types field' },
        h('legend', {}, 'Event types'),
        h('label', { for: 'type-all' }, all, 'All event types, including future ones'),
        domainTypes.map((t, i) => h('label', { for: `type-${t.name}` }, typeBoxes[i], h('span', { class: 'mono' }, t.name), h('span', { class: 'muted' }, `— ${t.description}`))),
      ),
      h(
        'fieldset',
        { class: 'types field', id: 'operational-types' },
        h('legend', {}, 'Operational events'),
        h('p', { class: 'hint' }, 'Sent by the platform about your endpoints (one disabled, a delivery that failed its last attempt). Not included in "All".'),
        operationalTypes.map((t, i) => h('label', { for: `type-${t.name}` }, opsBoxes[i], h('span', { class: 'mono' }, t.name), h('span', { class: 'muted' }, `— ${t.description}`))),
      ),
      h('div', { class: 'field' }, h('label', { for: 'endpoint-description' }, 'Description (optional)'), description),
      h('div', { class: 'row' }, submit, h('a', { class: 'button secondary', href: editing ? `#/endpoints/${id}` : '#/endpoints' }, 'Cancel')),
    );
    show(editing ? 'Edit endpoint' : 'Add endpoint', form);
  }

  async function endpointScreen(token, id, deliveryId) {
    const endpoint = await api('GET', `/v1/endpoints/${id}`);
    if (token !== renderToken) return;
    const actionsBox = errorBox();

    const toggle = h('button', { type: 'button', class: 'secondary' }, endpoint.status === 'enabled' ? 'Disable' : 'Enable');
    toggle.addEventListener('click', () =>
      void act(toggle, actionsBox, async () => {
        await api('PATCH', `/v1/endpoints/${id}`, { status: endpoint.status === 'enabled' ? 'disabled' : 'enabled' });
        toast(endpoint.status === 'enabled' ? 'Endpoint disabled.' : 'Endpoint enabled.');
        void route();
      }),
    );
    // A platform-disabled endpoint says why and offers to take it back, which clears the reason.
    let disabledNotice = null;
    if (endpoint.status === 'disabled' && endpoint.disabledReason) {
      const reEnable = h('button', { type: 'button', id: 're-enable' }, 'Re-enable');
      reEnable.addEventListener('click', () =>
        void act(reEnable, actionsBox, async () => {
          await api('PATCH', `/v1/endpoints/${id}`, { status: 'enabled' });
          toast('Endpoint enabled again.');
          void route();
        }),
      );
      disabledNotice = h('div', { class: 'notice', id: 'disabled-notice', role: 'status' }, h('p', {}, DISABLED_REASONS[endpoint.disabledReason] || `Disabled by the platform (${endpoint.disabledReason}).`), reEnable);
    }
    const testButton = h('button', { type: 'button', id: 'send-test' }, 'Send test event');
    testButton.addEventListener('click', () =>
      void act(testButton, actionsBox, async () => {
        const sent = await api('POST', `/v1/endpoints/${id}/test`);
        toast(`Test event ${sent.eventId} queued.`);
        await loadDeliveries();
      }),
    );
    const remove = h('button', { type: 'button', class: 'danger' }, 'Delete');
    remove.addEventListener('click', () =>
      void act(remove, actionsBox, async () => {
        if (!window.confirm(`Delete the endpoint ${endpoint.url}? It stops receiving events at once.`)) return;
        await api('DELETE', `/v1/endpoints/${id}`);
        toast('Endpoint deleted.');
        go('#/endpoints');
      }),
    );

    // Secret: hidden until asked for; rotating shows the new one and how long the old one still signs.
    const secretOut = h('output', { id: 'secret-value', 'aria-live': 'polite' }, 'whsec_••••••••••••••••');
    const secretNote = h('p', { class: 'hint', id: 'secret-note' });
    const reveal = h('button', { type: 'button', class: 'secondary', id: 'reveal-secret', 'aria-controls': 'secret-value' }, 'Reveal');
    reveal.addEventListener('click', () =>
      void act(reveal, null, async () => {
        const s = await api('GET', `/v1/endpoints/${id}/secret`);
        secretOut.textContent = s.secret;
        secretNote.textContent = s.previousSecretExpiresAt ? `The previous secret also signs until ${new Date(s.previousSecretExpiresAt).toLocaleString()}.` : '';
      }),
    );
    const rotate = h('button', { type: 'button', class: 'secondary', id: 'rotate-secret' }, 'Rotate');
    rotate.addEventListener('click', () =>
      void act(rotate, null, async () => {
        if (!window.confirm('Rotate the signing secret? The current one keeps signing during the overlap period.')) return;
        const s = await api('POST', `/v1/endpoints/${id}/rotate-secret`);
        secretOut.textContent = s.secret;
        secretNote.textContent = s.previousSecretExpiresAt ? `Rotated. The previous secret also signs until ${new Date(s.previousSecretExpiresAt).toLocaleString()}.` : 'Rotated.';
        toast('Secret rotated.');
      }),
    );

    // Replay: a background job; its progress is polled until it finishes.
    const replayBox = errorBox();
    const now = new Date();
    const local = (d) => new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
    const from = h('input', { type: 'datetime-local', id: 'replay-from', required: true, value: local(new Date(now.getTime() - 3600000)) });
    const to = h('input', { type: 'datetime-local', id: 'replay-to', required: true, value: local(now) });
    const replayButton = h('button', { type: 'submit', class: 'secondary' }, 'Replay');
    const progressBar = h('progress', { id: 'replay-progress', max: '1', value: '0', hidden: true, 'aria-label': 'Replay progress' });
    const progressText = h('p', { class: 'hint', 'aria-live': 'polite' });
    const replayForm = h(
      'form',
      {
        onsubmit: (e) => {
          e.preventDefault();
          void act(replayButton, replayBox, async () => {
            let job = await api('POST', `/v1/endpoints/${id}/replay`, { from: new Date(from.value).toISOString(), to: new Date(to.value).toISOString() });
            progressBar.hidden = false;
            while (job.status === 'running') {
              progressBar.max = String(Math.max(job.total, 1));
              progressBar.value = String(job.published);
              progressText.textContent = `Replaying: ${job.published} of ${job.total} events queued.`;
              await new Promise((r) => setTimeout(r, 1000));
              job = await api('GET', `/v1/replays/${job.id}`);
            }
            progressBar.max = String(Math.max(job.total, 1));
            progressBar.value = String(job.published);
            progressText.textContent = job.status === 'completed' ? `Replay completed: ${job.published} events queued.` : `Replay ${job.status}: ${job.error || ''}`;
          });
        },
      },
      replayBox,
      h('div', { class: 'row' }, h('div', { class: 'field' }, h('label', { for: 'replay-from' }, 'From'), from), h('div', { class: 'field' }, h('label', { for: 'replay-to' }, 'To'), to)),
      replayButton,
      progressBar,
      progressText,
    );

    // Deliveries, newest first, refreshed while the screen is open.
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
      if (token !== renderToken) return;
      deliveriesBody.replaceChildren(
        ...page.data.map((d) =>
          h(
            'tr',
            { class: d.id === deliveryId ? 'selected' : '' },
            h('td', {}, h('span', { class: 'mono' }, d.eventType || '(expired)'), h('div', { class: 'muted mono' }, d.eventId)),
            h('td', {}, badge(d.status)),
            h('td', {}, String(d.attemptCount)),
            h('td', {}, time(d.lastAttemptAt || d.createdAt)),
            h('td', {}, h('a', { href: `#/endpoints/${id}/deliveries/${d.id}`, 'aria-label': `Attempts of ${d.eventType || 'event'} ${d.eventId}` }, 'Attempts')),
          ),
        ),
      );
      noDeliveries.hidden = page.data.length > 0;
      if (deliveryId) await loadDelivery();
    }

    async function loadDelivery() {
      const d = await api('GET', `/v1/deliveries/${deliveryId}`);
      if (token !== renderToken) return;
      const resend = h('button', { type: 'button', id: 'resend' }, 'Resend');
      const box = errorBox();
      resend.addEventListener('click', () =>
        void act(resend, box, async () => {
          const queued = await api('POST', `/v1/deliveries/${deliveryId}/resend`);
          toast(`Attempt ${queued.attempt} queued.`);
          await loadDelivery();
        }),
      );
      detail.replaceChildren(
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
        d.attempts.length === 0
          ? h('p', { class: 'muted' }, 'Not attempted yet.')
          : h(
              'ol',
              { class: 'timeline', 'aria-label': 'Attempt timeline' },
              d.attempts.map((a) =>
                h(
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
                ),
              ),
            ),
      );
      detail.hidden = false;
    }
    statusFilter.addEventListener('change', () => loadDeliveries().catch((err) => toast(String(err.message || err), true)));
    const refresh = h('button', { type: 'button', class: 'secondary' }, 'Refresh');
    refresh.addEventListener('click', () => act(refresh, null, loadDeliveries));

    show(
      endpoint.url,
      h('div', { class: 'row' }, badge(endpoint.mode, endpoint.mode === 'test' ? 'test' : 'enabled'), statusBadge(endpoint), h('a', { href: '#/endpoints' }, '← All endpoints')),
      h(
        'section',
        { class: 'panel', 'aria-label': 'Endpoint' },
        actionsBox,
        disabledNotice,
        h(
          'dl',
          { class: 'facts' },
          h('dt', {}, 'ID'),
          h('dd', { class: 'mono' }, endpoint.id),
          h('dt', {}, 'Event types'),
          h('dd', {}, typesText(endpoint.eventTypes)),
          h('dt', {}, 'Description'),
          h('dd', {}, endpoint.description || '—'),
          h('dt', {}, 'Created'),
          h('dd', {}, time(endpoint.createdAt)),
        ),
        h('div', { class: 'row' }, h('a', { class: 'button secondary', href: `#/endpoints/${id}/edit` }, 'Edit'), toggle, testButton, remove),
      ),
      h('section', { class: 'panel', 'aria-labelledby': 'secret-heading' }, h('h2', { id: 'secret-heading' }, 'Signing secret'), h('div', { class: 'secret' }, secretOut, reveal, rotate), secretNote),
      h(
        'section',
        { class: 'panel', 'aria-labelledby': 'deliveries-heading' },
        h('div', { class: 'spread' }, h('h2', { id: 'deliveries-heading' }, 'Recent deliveries'), h('div', { class: 'row' }, h('label', { for: 'delivery-status', class: 'sr-only' }, 'Status'), statusFilter, refresh)),
        h(
          'table',
          {},
          h('thead', {}, h('tr', {}, ['Event', 'Status', 'Attempts', 'Last attempt', ''].map((c) => h('th', { scope: 'col' }, c)))),
          deliveriesBody,
        ),
        noDeliveries,
      ),
      detail,
      h('section', { class: 'panel', 'aria-labelledby': 'replay-heading' }, h('h2', { id: 'replay-heading' }, 'Replay events'), h('p', { class: 'hint' }, 'Delivers again every event of the period that this endpoint subscribes to, with the same webhook-id as before.'), replayForm),
    );
    await loadDeliveries();
    poll(loadDeliveries);
  }

  // ---------------------------------------------------------------------------------------------
  // routing

  async function route() {
    stopPolling();
    const token = ++renderToken;
    const hash = location.hash || '#/endpoints';
    if (!sessionStorage.getItem(KEY_STORE)) return loginScreen();
    if (hash === '#/login') return loginScreen();
    bar.hidden = false;
    bar.classList.toggle('test-mode', mode() === 'test');
    document.getElementById(`mode-${mode()}`).checked = true;
    try {
      let m;
      if (hash === '#/endpoints/new') await endpointForm(token, null);
      else if ((m = /^#\/endpoints\/(ep_[0-9a-z]{26})\/edit$/.exec(hash))) await endpointForm(token, m[1]);
      else if ((m = /^#\/endpoints\/(ep_[0-9a-z]{26})(?:\/deliveries\/(del_[0-9a-f]{32}))?$/.exec(hash))) await endpointScreen(token, m[1], m[2] || null);
      else await endpointsScreen(token);
    } catch (err) {
      if (token !== renderToken || (err instanceof ApiError && err.status === 401)) return;
      const box = errorBox();
      show(err instanceof ApiError && err.status === 404 ? 'Not found' : 'Something went wrong', box, h('a', { href: '#/endpoints' }, 'Back to endpoints'));
      showError(box, err);
    }
  }

  for (const input of document.querySelectorAll('#mode-switch input')) {
    input.addEventListener('change', () => {
      sessionStorage.setItem(MODE_STORE, input.value);
      toast(`Switched to ${input.value} mode.`);
      go('#/endpoints');
    });
  }
  document.getElementById('sign-out').addEventListener('click', () => signOut());
  window.addEventListener('hashchange', () => void route());
  void route();
})();
