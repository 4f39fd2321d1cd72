// Notifications: my notifications (unread first filter, mark read, mark all
// read, delete) and the channels I get each event on (in the console, by
// e-mail), switched one at a time as the API does.
import * as api from './api.js';
import { h, replace, field, fmtDate, pager, emptyRow, select, toast, errorBox, announce } from './dom.js';
import { table, act, actions, pageHead, reload, filters, apiQuery, goPage, loadInto } from './crud.js';

const EVENTS = ['scan_started', 'scan_completed', 'scan_stopped', 'scan_failed', 'report_generated', 'vulnerability_found',
  'exception_expired', 'webhook_deactivated'];

export async function notifications(ctx) {
  ctx.title('Notifications');
  const q = ctx.query;
  const err = h('div');
  const foot = h('div');
  const prefs = h('section', { class: 'panel mt', id: 'notification-prefs', 'aria-labelledby': 'prefs-h' },
    h('h2', { id: 'prefs-h' }, 'What I am told about'), h('p', { class: 'loading' }, 'Loading…'));
  const readAll = h('button', { type: 'button', class: 'btn', id: 'read-all', onclick: async () => {
    try { await api.put('/v2/notifications/read_all'); toast('All marked read'); reload(ctx); } catch (e) { toast(e.message, 'error'); }
  } }, 'Mark all read');
  const grid = table('notifications', ['When', 'Notification', 'Event', ''], null, 'Notifications');
  replace(ctx.main, pageHead('Notifications', readAll),
    filters(ctx, 'Filter notifications', [
      ['read', field('Show', select('read', [['', 'All'], ['false', 'Unread'], ['true', 'Read']], q.get('read') || ''))],
      ['type', field('Event', select('type', [['', 'Any'], ...EVENTS.map((ev) => [ev, ev.replaceAll('_', ' ')])], q.get('type') || ''))],
    ]),
    err, grid, foot, prefs);
  drawPrefs(ctx, prefs);
  const r = await loadInto(ctx, grid.querySelector('tbody'), err, 4,
    () => api.get(`/v2/notifications${api.qs({ per_page: 25, ...apiQuery(q, ['read', 'type']) })}`),
    (r2) => (r2.notifications.length ? r2.notifications.map((n) => h('tr', { 'data-notification': n.id, class: n.read ? null : 'unread' },
      h('td', { class: 'nowrap' }, fmtDate(n.created_at)),
      h('td', null, h('b', null, n.title), n.read ? null : h('span', { class: 'badge st-run' }, 'new'), n.body ? h('span', { class: 'sub' }, n.body) : null,
        link(n)),
      h('td', null, n.type.replaceAll('_', ' ')),
      actions(
        n.read ? null : act('Mark read', `Mark “${n.title}” read`, async () => {
          try { await api.put(`/v2/notifications/${n.id}/read`); reload(ctx); } catch (e) { toast(e.message, 'error'); }
        }),
        act('Delete', `Delete “${n.title}”`, async () => {
          try { await api.del(`/v2/notifications/${n.id}`); reload(ctx); } catch (e) { toast(e.message, 'error'); }
        }, 'btn btn-small btn-danger'))))
      : emptyRow(4, q.get('read') === 'false' ? 'Nothing unread.' : 'No notifications yet.')));
  if (!r) return;
  readAll.disabled = !r.unread_count;
  replace(foot, pager(r.pagination, goPage(ctx), 'notifications'));
}

// link points at what a notification is about, when the console shows it.
function link(n) {
  const to = { scan: '/scans/', vulnerability: '/findings/', exception: '/exceptions/' }[n.resource_type];
  if (n.resource_type === 'report') return h('a', { class: 'sub', href: '/reports' }, 'Open the reports');
  return to && n.resource_id ? h('a', { class: 'sub', href: to + n.resource_id }, 'Open') : null;
}

async function drawPrefs(ctx, el) {
  const head = el.querySelector('h2');
  let r;
  try { r = await api.get('/v2/user/preferences/notifications'); } catch (e) { replace(el, head, errorBox(e)); return; }
  if (!ctx.active) return;
  const box = (p, ch, label) => {
    const id = `pref-${p.event}-${ch}`;
    const input = h('input', { type: 'checkbox', id, checked: p[ch], 'aria-label': `${label} for ${p.event.replaceAll('_', ' ')}` });
    input.addEventListener('change', async () => {
      try {
        await api.post(`/v2/user/preferences/notifications/${p.event}/${input.checked ? 'enable' : 'disable'}`, { channel: ch });
        announce(`${label} ${input.checked ? 'on' : 'off'} for ${p.event.replaceAll('_', ' ')}`);
      } catch (e) { input.checked = !input.checked; toast(e.message, 'error'); }
    });
    return h('td', { class: 'center' }, input);
  };
  replace(el, head, h('p', { class: 'hint' }, 'Changes apply at once.'),
    table('prefs', ['Event', 'In the console', 'By e-mail'], r.preferences.map((p) => h('tr', null,
      h('td', null, p.event.replaceAll('_', ' ')), box(p, 'in_app', 'In the console'), box(p, 'email', 'By e-mail')))));
}
