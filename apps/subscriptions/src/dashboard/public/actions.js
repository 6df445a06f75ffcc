// What a button does while its request runs, and where its errors go.
import { ApiError } from './api.js';
import { h, toast } from './dom.js';

export function showError(box, err) {
  box.replaceChildren(...(err instanceof ApiError ? err.messages : [String(err && err.message ? err.message : err)]).map((m) => h('div', {}, m)));
}

/** Runs an action from a button: disabled while it runs, errors shown in `box` (or as a toast). */
export async function act(button, box, action) {
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
