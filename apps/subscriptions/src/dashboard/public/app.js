// Sourcehub Webhooks dashboard: plain JavaScript modules over the public REST API (/v1), no build step.
// This entry routes the hash (#/endpoints, #/endpoints/new, #/endpoints/<id>[/edit|/deliveries/<id>])
// to a screen and wires the bar at the top.
import { showError } from './actions.js';
import { ApiError, mode, setMode, signedIn, signOut } from './api.js';
import { errorBox, h, show, toast } from './dom.js';
import { endpointForm } from './endpoint-form.js';
import { endpointScreen } from './endpoint-screen.js';
import { endpointsScreen } from './endpoints-screen.js';
import { loginScreen } from './login-screen.js';
import { go, nextRender, onRoute, isCurrent, stopPolling } from './nav.js';

const bar = document.getElementById('bar');

async function route() {
  stopPolling();
  const token = nextRender();
  const hash = location.hash || '#/endpoints';
  if (!signedIn()) return loginScreen();
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
    if (!isCurrent(token) || (err instanceof ApiError && err.status === 401)) return;
    const box = errorBox();
    show(err instanceof ApiError && err.status === 404 ? 'Not found' : 'Something went wrong', box, h('a', { href: '#/endpoints' }, 'Back to endpoints'));
    showError(box, err);
  }
}

for (const input of document.querySelectorAll('#mode-switch input')) {
  input.addEventListener('change', () => {
    setMode(input.value);
    toast(`Switched to ${input.value} mode.`);
    go('#/endpoints');
  });
}
document.getElementById('sign-out').addEventListener('click', () => signOut());
onRoute(route);
window.addEventListener('hashchange', () => void route());
void route();
