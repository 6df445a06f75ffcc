// The public REST API (/v1), called with the API key the admin entered, kept in sessionStorage (gone
// when the tab closes).
import { toast } from './dom.js';
import { go } from './nav.js';

const KEY_STORE = 'sourcehub.apiKey';
const MODE_STORE = 'sourcehub.mode';
// The sign-in check itself: its 401 means "wrong key", not "signed out".
const SIGN_IN_PROBE = '/v1/endpoints?limit=1';

export class ApiError extends Error {
  constructor(status, messages) {
    super(messages.join('; '));
    this.status = status;
    this.messages = messages;
  }
}

export async function api(method, path, body) {
  const headers = { authorization: `Bearer ${sessionStorage.getItem(KEY_STORE) || ''}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  const data = text ? JSON.parse(text) : null;
  if (res.status === 401 && path !== SIGN_IN_PROBE) {
    signOut('Your API key was not accepted (revoked?). Sign in again.');
    throw new ApiError(401, ['not signed in']);
  }
  if (!res.ok) throw new ApiError(res.status, (data && data.message) || [`request failed with status ${res.status}`]);
  return data;
}

/** Keeps the key when the API accepts it; forgets it and says why when not. */
export async function signIn(key) {
  sessionStorage.setItem(KEY_STORE, key);
  try {
    await api('GET', SIGN_IN_PROBE);
  } catch (err) {
    sessionStorage.removeItem(KEY_STORE);
    throw err.status === 401 ? new ApiError(401, ['That API key is unknown or revoked.']) : err;
  }
}

export function signedIn() {
  return Boolean(sessionStorage.getItem(KEY_STORE));
}

export function signOut(message) {
  sessionStorage.removeItem(KEY_STORE);
  go('#/login');
  if (message) toast(message, true);
}

export function mode() {
  return sessionStorage.getItem(MODE_STORE) === 'live' ? 'live' : 'test';
}

export function setMode(value) {
  sessionStorage.setItem(MODE_STORE, value);
}
