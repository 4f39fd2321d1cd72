// Small DOM helpers. Text always goes in as text nodes (never innerHTML), so
// data from the API cannot inject markup.

// h creates an HTML element: attributes (on* keys add listeners; true adds a
// bare attribute; null/false/undefined skip it) and children (strings become
// text, arrays are flattened, null/false are skipped).
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

const SVGNS = 'http://www.w3.org/2000/svg';

// s creates an SVG element like h.
export function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVGNS, tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

function setAttrs(el, attrs) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2).toLowerCase(), v);
    else if (k === 'class') el.setAttribute('class', v);
    else if (k === 'value' && 'value' in el) el.value = v;
    else if (k === 'checked' || k === 'selected') el[k] = !!v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
}

export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

// replace empties el and appends children.
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

export function fmtDate(v) {
  if (!v) return '—';
  const d = new Date(v);
  if (isNaN(d)) return '—';
  return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function fmtDuration(sec) {
  if (sec == null || sec <= 0) return '—';
  if (sec < 60) return `${sec.toFixed(1)} s`;
  const m = Math.floor(sec / 60), r = Math.round(sec % 60);
  if (m < 60) return `${m} min ${r} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function fmtNum(n) {
  return (n ?? 0).toLocaleString();
}

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'];

export function sevBadge(sev) {
  return h('span', { class: `badge sev-${sev}` }, sev || 'info');
}

const STATUS_CLASS = {
  completed: 'ok', running: 'run', queued: 'run', stopping: 'warn', stopped: 'warn', failed: 'bad', new: 'muted',
  open: 'bad', fixed: 'ok', accepted: 'muted', false_positive: 'muted', reopened: 'bad',
  pending: 'warn', active: 'ok', succeeded: 'ok', up: 'ok', down: 'muted', expired: 'muted', done: 'ok', processing: 'run',
};

export function statusBadge(st) {
  return h('span', { class: `badge st-${STATUS_CLASS[st] || 'muted'}` }, (st || '—').replace('_', ' '));
}

export function pciBadge(v) {
  if (v === true || v === 'pass') return h('span', { class: 'badge st-ok' }, 'PCI pass');
  if (v === false || v === 'fail') return h('span', { class: 'badge st-bad' }, 'PCI fail');
  return h('span', { class: 'badge st-muted' }, 'PCI —');
}

// announce tells screen readers about a change (the aria-live region).
export function announce(text) {
  const live = document.getElementById('live');
  live.textContent = '';
  setTimeout(() => { live.textContent = text; }, 30);
}

let toastTimer;
// toast shows a short message (role=status) for a few seconds.
export function toast(text, kind = 'ok') {
  const t = document.getElementById('toast');
  t.textContent = text;
  t.className = `toast toast-${kind}`;
  t.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { t.hidden = true; }, 4000);
}

// errorBox renders an API error (message and field errors) as an alert.
export function errorBox(err) {
  const fields = err && err.fields ? Object.entries(err.fields) : [];
  return h('div', { class: 'alert alert-error', role: 'alert' },
    h('p', null, err?.message || String(err)),
    fields.length ? h('ul', null, fields.map(([k, v]) => h('li', null, h('code', null, k), ': ', v.join('; ')))) : null);
}

// field builds a labelled form control; the input gets id and name.
export function field(label, input, hint) {
  const id = input.id || `f-${input.name || Math.random().toString(36).slice(2)}`;
  input.id = id;
  let hintEl = null;
  if (hint) {
    hintEl = h('small', { class: 'hint', id: `${id}-hint` }, hint);
    input.setAttribute('aria-describedby', hintEl.id);
  }
  return h('div', { class: 'field' }, h('label', { for: id }, label), input, hintEl);
}

export function select(name, options, value) {
  return h('select', { name }, options.map(([v, label]) => h('option', { value: v, selected: v === value }, label)));
}

// pager renders "previous/next" controls for a list's pagination envelope.
export function pager(p, go, what = 'items') {
  if (!p) return null;
  const cur = p.current_page || 1, total = p.total_pages || 0;
  return h('nav', { class: 'pager', 'aria-label': 'Pagination' },
    h('button', { type: 'button', class: 'btn', disabled: cur <= 1, onclick: () => go(cur - 1) }, '← Previous'),
    h('span', null, total ? `Page ${cur} of ${total} · ${fmtNum(p.total_count)} ${what}` : `No ${what}`),
    h('button', { type: 'button', class: 'btn', disabled: cur >= total, onclick: () => go(cur + 1) }, 'Next →'));
}

export function emptyRow(cols, text) {
  return h('tr', null, h('td', { colspan: cols, class: 'empty' }, text));
}
