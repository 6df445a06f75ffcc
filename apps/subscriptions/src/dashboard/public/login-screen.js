// Sign in: the organization's API key, checked against the API before it is kept.
import { act } from './actions.js';
import { signIn } from './api.js';
import { errorBox, h, show } from './dom.js';
import { go } from './nav.js';

export function loginScreen() {
  document.getElementById('bar').hidden = true;
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
          await signIn(input.value.trim());
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
