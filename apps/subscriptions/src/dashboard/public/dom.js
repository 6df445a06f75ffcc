// Building the page: every value from the API is put in the page as text (textContent), never as HTML.

const main = document.getElementById('main');
const toastBox = document.getElementById('toast');

/** Builds an element: attributes (on* are listeners) and children (strings become text nodes). */
export function h(tag, attrs, ...children) {
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

export function time(iso) {
  if (!iso) return h('span', { class: 'muted' }, '—');
  return h('time', { datetime: iso, title: iso }, new Date(iso).toLocaleString());
}

export function badge(text, kind) {
  return h('span', { class: `badge ${kind || text}` }, text);
}

export function toast(message, bad) {
  const p = h('p', { class: bad ? 'bad' : '' }, message);
  toastBox.append(p);
  while (toastBox.children.length > 3) toastBox.firstElementChild.remove();
  setTimeout(() => p.remove(), 6000);
}

/** Replaces the page and moves focus to its heading, so screen readers announce the new screen. */
export function show(title, ...content) {
  const heading = h('h1', { tabindex: '-1' }, title);
  main.replaceChildren(heading, ...content);
  document.title = `${title} · Sourcehub Webhooks`;
  heading.focus();
  return heading;
}

export function errorBox() {
  return h('div', { class: 'error', role: 'alert' });
}
