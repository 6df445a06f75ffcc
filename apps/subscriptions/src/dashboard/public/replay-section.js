// Replay: a background job re-sending a period's events to one endpoint; its progress is polled until
// it finishes.
import { act } from './actions.js';
import { api } from './api.js';
import { errorBox, h } from './dom.js';

// The value a datetime-local input shows for a Date: local time, to the minute.
const local = (d) => new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);

function replayForm(id) {
  const replayBox = errorBox();
  const now = new Date();
  const from = h('input', { type: 'datetime-local', id: 'replay-from', required: true, value: local(new Date(now.getTime() - 3600000)) });
  const to = h('input', { type: 'datetime-local', id: 'replay-to', required: true, value: local(now) });
  const replayButton = h('button', { type: 'submit', class: 'secondary' }, 'Replay');
  const progressBar = h('progress', { id: 'replay-progress', max: '1', value: '0', hidden: true, 'aria-label': 'Replay progress' });
  const progressText = h('p', { class: 'hint', 'aria-live': 'polite' });
  return h(
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
}

export function replaySection(id) {
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'replay-heading' },
    h('h2', { id: 'replay-heading' }, 'Replay events'),
    h('p', { class: 'hint' }, 'Delivers again every event of the period that this endpoint subscribes to, with the same webhook-id as before.'),
    replayForm(id),
  );
}
