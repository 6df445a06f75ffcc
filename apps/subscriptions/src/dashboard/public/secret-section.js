// An endpoint's signing secret: hidden until asked for; rotating shows the new one and how long the
// old one still signs.
import { act } from './actions.js';
import { api } from './api.js';
import { h, toast } from './dom.js';

export function secretSection(id) {
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
  return h('section', { class: 'panel', 'aria-labelledby': 'secret-heading' }, h('h2', { id: 'secret-heading' }, 'Signing secret'), h('div', { class: 'secret' }, secretOut, reveal, rotate), secretNote);
}
