// Audit log (administrators): every change with who, from where and what
// changed, with the API's filters and pages. An event's changes open in
// place (a details element), so the list keeps its position.
import * as api from './api.js';
import { h, replace, field, fmtDate, fmtNum, pager, emptyRow } from './dom.js';
import { table, pageHead, filters, apiQuery, goPage, loadInto } from './crud.js';

const KEYS = ['actor', 'action', 'resource_type', 'resource_id', 'ip'];

export async function auditLog(ctx) {
  ctx.title('Audit log');
  const q = ctx.query;
  const err = h('div');
  const foot = h('div');
  const summary = h('p', { class: 'hint', 'aria-live': 'polite' });
  const grid = table('audit', ['When', 'Who', 'Action', 'Resource', 'From', 'Changes'], null, 'Audit events');
  replace(ctx.main, pageHead('Audit log'),
    filters(ctx, 'Filter audit events', [
      ['actor', field('Who (e-mail)', h('input', { name: 'actor', value: q.get('actor') || '', spellcheck: 'false' }))],
      ['action', field('Action', h('input', { name: 'action', value: q.get('action') || '', placeholder: 'scan.*' }))],
      ['resource_type', field('Resource type', h('input', { name: 'resource_type', value: q.get('resource_type') || '' }))],
      ['resource_id', field('Resource id', h('input', { name: 'resource_id', value: q.get('resource_id') || '', spellcheck: 'false' }))],
      ['ip', field('Address', h('input', { name: 'ip', value: q.get('ip') || '', spellcheck: 'false' }))],
    ]),
    err, summary, grid, foot);
  const r = await loadInto(ctx, grid.querySelector('tbody'), err, 6,
    () => api.get(`/v2/audit/events${api.qs({ per_page: 50, ...apiQuery(q, KEYS) })}`),
    (r2) => (r2.events.length ? r2.events.map((ev) => h('tr', { 'data-event': ev.id },
      h('td', { class: 'nowrap' }, fmtDate(ev.created_at)),
      h('td', null, ev.actor_email || '—', ev.impersonator_id ? h('span', { class: 'sub' }, 'impersonated') : null),
      h('td', { class: 'mono' }, ev.action),
      h('td', null, ev.resource_type, ev.resource_id ? h('span', { class: 'sub mono' }, ev.resource_id) : null),
      h('td', { class: 'mono' }, ev.ip || '—'),
      h('td', null, changes(ev.changes))))
      : emptyRow(6, q.toString() ? 'No event matches these filters.' : 'No events yet.')));
  if (!r) return;
  summary.textContent = `${fmtNum(r.pagination.total_count)} event${r.pagination.total_count === 1 ? '' : 's'}.`;
  replace(foot, pager(r.pagination, goPage(ctx), 'events'));
}

function changes(c) {
  const keys = c ? Object.keys(c) : [];
  if (!keys.length) return '—';
  return h('details', null, h('summary', null, keys.length === 1 ? keys[0] : `${keys.length} fields`),
    h('pre', null, JSON.stringify(c, null, 2)));
}
