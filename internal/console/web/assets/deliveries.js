// A webhook's delivery history: each event sent, its status, attempts,
// answer and duration, filtered by status and event; a delivery opens to
// every attempt with the request and the answer the server got.
import * as api from './api.js';
import { h, replace, field, fmtDate, pager, emptyRow, select, statusBadge, errorBox } from './dom.js';
import { table, pageHead, filters, apiQuery, goPage, loadInto } from './crud.js';

export async function deliveries(ctx) {
  const [id] = ctx.params;
  const q = ctx.query;
  const w = (await api.get(`/v2/webhooks/${id}`)).webhook;
  ctx.title(`Deliveries of ${w.name}`);
  const err = h('div');
  const foot = h('div');
  const detail = h('div', { id: 'delivery-detail' });
  const grid = table('deliveries', ['When', 'Event', 'Status', 'Attempts', 'Answer', 'Duration', ''], null, 'Deliveries');
  replace(ctx.main,
    h('p', { class: 'crumbs' }, h('a', { href: '/settings' }, 'Settings'), ' / Webhooks / ', w.name),
    pageHead(`Deliveries of ${w.name}`),
    h('p', { class: 'hint mono' }, w.url, ' · ', w.events.join(', '), w.active ? '' : ' · inactive'),
    filters(ctx, 'Filter deliveries', [
      ['status', field('Status', select('status', [['', 'Any'], ['succeeded', 'Succeeded'], ['failed', 'Failed'], ['pending', 'Pending']], q.get('status') || ''))],
      ['event', field('Event', select('event', [['', 'Any'], ...w.events.map((ev) => [ev, ev.replaceAll('_', ' ')])], q.get('event') || ''))],
    ]),
    err, grid, foot, detail);
  const r = await loadInto(ctx, grid.querySelector('tbody'), err, 7,
    () => api.get(`/v2/webhooks/${id}/deliveries${api.qs({ per_page: 25, ...apiQuery(q, ['status', 'event']) })}`),
    (r2) => (r2.deliveries.length ? r2.deliveries.map((d) => h('tr', { 'data-delivery': d.id },
      h('td', { class: 'nowrap' }, fmtDate(d.created_at)),
      h('td', null, d.event.replaceAll('_', ' ')),
      h('td', null, statusBadge(d.status), d.error ? h('span', { class: 'sub' }, d.error) : null,
        d.next_attempt_at ? h('span', { class: 'sub' }, `next try ${fmtDate(d.next_attempt_at)}`) : null),
      h('td', { class: 'num' }, d.attempts),
      h('td', { class: 'num' }, d.response_status || '—'),
      h('td', { class: 'num' }, ms(d.duration_ms)),
      h('td', { class: 'num' }, h('button', { type: 'button', class: 'btn btn-small', 'aria-label': `Attempts of the ${d.event} delivery of ${fmtDate(d.created_at)}`,
        onclick: () => showDelivery(w.id, d.id, detail) }, 'Attempts'))))
      : emptyRow(7, q.toString() ? 'No delivery matches.' : 'Nothing delivered yet: deliveries appear when a subscribed event happens.')));
  if (r) replace(foot, pager(r.pagination, goPage(ctx), 'deliveries'));
}

function ms(v) {
  if (v == null) return '—';
  return v < 1 ? '< 1 ms' : `${Math.round(v)} ms`;
}

// pretty indents a JSON body; anything else shows as it came.
function pretty(body) {
  try { return JSON.stringify(JSON.parse(body), null, 2); } catch { return body || ''; }
}

async function showDelivery(wid, did, el) {
  replace(el, h('p', { class: 'loading' }, 'Loading…'));
  let d;
  try { d = (await api.get(`/v2/webhooks/${wid}/deliveries/${did}`)).delivery; } catch (e) { replace(el, errorBox(e)); return; }
  const hdrs = (o) => Object.entries(o || {}).map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : v}`).join('\n');
  replace(el, h('section', { class: 'panel mt', 'aria-labelledby': 'delivery-h', tabindex: '-1' },
    h('h2', { id: 'delivery-h' }, `${d.event.replaceAll('_', ' ')} · ${fmtDate(d.created_at)}`),
    h('h3', null, 'Request body'), h('pre', null, pretty(d.request_body)),
    (d.attempt_log || []).map((a) => h('div', { class: 'attempt' },
      h('h3', null, `Attempt ${a.attempt} · ${fmtDate(a.started_at)} · ${a.response_status || a.error || '—'}${a.duration_ms != null ? ` · ${ms(a.duration_ms)}` : ''}`),
      h('details', null, h('summary', null, 'Request headers'), h('pre', null, hdrs(a.request_headers))),
      a.response_status ? h('details', null, h('summary', null, 'Answer'),
        h('pre', null, `${hdrs(a.response_headers)}\n\n${pretty(a.response_body)}${a.response_truncated ? '\n… (cut at 64 KiB)' : ''}`)) : null))));
  el.firstChild.focus();
}
