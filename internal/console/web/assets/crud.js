// Parts shared by the list pages (port lists, schedules, scanners, hosts,
// exceptions, audit log, notifications): a table inside its own scrolling
// container (wide tables never widen the page), row actions named for their
// row (screen readers hear "Delete Web ports", not "Delete"), an editor form
// that shows the API's error body with the fields it names, and filters kept
// in the page URL so a reload or a shared link shows the same list.
import * as api from './api.js';
import { h, replace, errorBox, emptyRow, toast } from './dom.js';

// table draws a table; rows null means "still loading".
export function table(id, heads, rows, caption) {
  const body = h('tbody', null, rows ?? emptyRow(heads.length, 'Loading…'));
  return h('div', { class: 'table-wrap' }, h('table', { id },
    caption ? h('caption', { class: 'sr-only' }, caption) : null,
    h('thead', null, h('tr', null, heads.map((t) => h('th', { scope: 'col', class: t === '' ? 'num' : null }, t || h('span', { class: 'sr-only' }, 'Actions'))))),
    body));
}

export function act(label, aria, fn, cls = 'btn btn-small') {
  return h('button', { type: 'button', class: cls, 'aria-label': aria, onclick: fn }, label);
}

export function actions(...buttons) {
  return h('td', { class: 'num' }, h('div', { class: 'row' }, buttons));
}

export function pageHead(title, ...right) {
  return h('div', { class: 'page-head' }, h('h1', null, title), right.length ? h('div', { class: 'row' }, right) : null);
}

// reload draws the page again at the same URL (after a change).
export function reload(ctx) {
  ctx.navigate(location.pathname + location.search, { replace: true });
}

// remove asks, deletes, and reloads; the API's refusal (409 while in use)
// shows as an error toast with its message.
export async function remove(ctx, what, path) {
  if (!window.confirm(`Delete ${what}?`)) return;
  try {
    await api.del(path);
    toast(`Deleted ${what}`);
    reload(ctx);
  } catch (e) { toast(e.message, 'error'); }
}

// editor builds a form panel. onSubmit returns a message for the toast, or
// false to keep the form open (it has drawn something itself).
export function editor({ id, title, fields, submit, onSubmit, onCancel }) {
  const err = h('div', { id: `${id}-error` });
  const btn = h('button', { type: 'submit', class: 'btn btn-primary' }, submit);
  const form = h('form', { class: 'panel editor', id, novalidate: true, 'aria-labelledby': `${id}-h` },
    h('h2', { id: `${id}-h` }, title), fields, err,
    h('div', { class: 'row' }, btn, h('button', { type: 'button', class: 'btn btn-quiet', onclick: onCancel }, 'Cancel')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    btn.disabled = true;
    replace(err);
    try {
      const msg = await onSubmit();
      if (msg !== false) toast(msg);
    } catch (e2) {
      replace(err, errorBox(e2));
      markFields(form, e2);
      (form.querySelector('[aria-invalid="true"]') || err).focus?.();
    } finally { btn.disabled = false; }
  });
  return form;
}

// markFields flags the inputs the API named in its field errors.
function markFields(form, err) {
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  for (const k of Object.keys(err?.fields || {})) {
    const el = form.querySelector(`[name="${CSS.escape(k)}"]`);
    if (el) el.setAttribute('aria-invalid', 'true');
  }
}

// filters builds a search form whose values go into the page URL (keys as
// given); the page reads them back from ctx.query.
export function filters(ctx, label, controls) {
  const form = h('form', { class: 'panel filters-panel', role: 'search', 'aria-label': label },
    h('div', { class: 'filters' }, controls.map(([, f]) => f),
      h('div', { class: 'actions' },
        h('button', { type: 'submit', class: 'btn btn-primary' }, 'Apply'),
        h('button', { type: 'button', class: 'btn', onclick: () => ctx.navigate(location.pathname) }, 'Reset'))));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const p = new URLSearchParams();
    for (const [key] of controls) {
      const el = form.querySelector(`[name="${key}"]`);
      if (el && el.value.trim()) p.set(key, el.value.trim());
    }
    const s = p.toString();
    ctx.navigate(location.pathname + (s ? `?${s}` : ''));
  });
  return form;
}

// apiQuery maps the page's URL parameters to the API's q[...] filters; keys
// listed in plain pass through as they are (page, sort_by...).
export function apiQuery(q, filterKeys, plain = ['page', 'per_page', 'sort_by', 'sort_order']) {
  const out = {};
  for (const k of filterKeys) if (q.get(k)) out[`q[${k}]`] = q.get(k);
  for (const k of plain) if (q.get(k)) out[k] = q.get(k);
  return out;
}

// goPage is the pager's callback: the same URL with another page.
export function goPage(ctx) {
  return (p) => {
    const q = new URLSearchParams(location.search);
    q.set('page', p);
    ctx.navigate(`${location.pathname}?${q}`);
  };
}

// loadInto fetches and draws a list into tbody, or the error (with its
// fields) into errEl and a one-line note into the table.
export async function loadInto(ctx, tbody, errEl, cols, fetcher, draw) {
  let r;
  try { r = await fetcher(); } catch (e) {
    if (!ctx.active) return null;
    replace(tbody, emptyRow(cols, 'Could not load the list.'));
    replace(errEl, errorBox(e));
    return null;
  }
  if (!ctx.active) return null;
  replace(tbody, draw(r));
  return r;
}

// secretBox shows a value the API returns once (agent token, signing
// secret) with a copy button and says it will not be shown again.
export function secretBox(intro, value) {
  const code = h('code', { class: 'secret', id: 'secret-value' }, value);
  const status = h('span', { class: 'hint', 'aria-live': 'polite' });
  const copy = h('button', { type: 'button', class: 'btn btn-small', id: 'copy-secret' }, 'Copy');
  copy.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(value);
    } catch {
      // No clipboard permission (an http:// origin other than localhost):
      // select the text so Ctrl+C copies it.
      getSelection().selectAllChildren(code);
      document.execCommand?.('copy');
    }
    status.textContent = 'Copied.';
  });
  return h('div', { class: 'alert alert-info', role: 'status' },
    h('p', null, intro), code,
    h('div', { class: 'row mt-s' }, copy, status),
    h('p', { class: 'mt-s' }, h('strong', null, 'It is shown only once: '), 'copy it now. Perimeter keeps only a hash of it.'));
}
