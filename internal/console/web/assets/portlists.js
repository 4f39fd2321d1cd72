// Port lists: the organization's lists and the built-ins (read-only);
// create, edit (ports in T:/U: notation, which the API normalizes and
// merges), activate/deactivate, delete (409 while a target uses one).
import * as api from './api.js';
import { h, replace, field, fmtNum, fmtDate, pager, emptyRow, select, toast } from './dom.js';
import { table, act, actions, pageHead, reload, remove, editor, filters, apiQuery, goPage, loadInto } from './crud.js';

export async function portLists(ctx) {
  ctx.title('Port lists');
  const q = ctx.query;
  const edit = h('div');
  const err = h('div');
  const foot = h('div');
  const open = (pl) => { replace(edit, portListForm(ctx, pl, () => replace(edit))); edit.querySelector('input').focus(); };
  const grid = table('port-lists', ['Name', 'Ports', 'TCP', 'UDP', 'State', 'Updated', ''], null, 'Port lists');
  replace(ctx.main,
    pageHead('Port lists', h('button', { type: 'button', class: 'btn btn-primary', id: 'new-port-list', onclick: () => open(null) }, 'New port list')),
    filters(ctx, 'Filter port lists', [
      ['name', field('Name', h('input', { name: 'name', value: q.get('name') || '' }))],
      ['builtin', field('Kind', select('builtin', [['', 'Any'], ['false', 'Own lists'], ['true', 'Built in']], q.get('builtin') || ''))],
    ]),
    edit, err, grid, foot);
  const clip = (v, n) => (v && v.length > n ? `${v.slice(0, n - 1)}…` : v || '—');
  const r = await loadInto(ctx, grid.querySelector('tbody'), err, 7,
    () => api.get(`/v2/port_lists${api.qs({ per_page: 50, sort_by: 'name', sort_order: 'asc', ...apiQuery(q, ['name', 'builtin']) })}`),
    (r2) => (r2.port_lists.length ? r2.port_lists.map((l) => h('tr', { 'data-port-list': l.id },
      h('td', null, l.name, l.builtin ? h('span', { class: 'sub' }, 'built in, read-only') : (l.description ? h('span', { class: 'sub' }, l.description) : null)),
      h('td', { class: 'mono' }, clip(l.ports, 60)),
      h('td', { class: 'num' }, fmtNum(l.tcp_count)),
      h('td', { class: 'num' }, fmtNum(l.udp_count)),
      h('td', null, h('span', { class: `badge ${l.active ? 'st-ok' : 'st-muted'}` }, l.active ? 'active' : 'inactive')),
      h('td', { class: 'nowrap' }, fmtDate(l.updated_at)),
      l.builtin ? h('td') : actions(
        act('Edit', `Edit ${l.name}`, () => open(l)),
        act(l.active ? 'Deactivate' : 'Activate', `${l.active ? 'Deactivate' : 'Activate'} ${l.name}`, async () => {
          try { await api.post(`/v2/port_lists/${l.id}/${l.active ? 'deactivate' : 'activate'}`); reload(ctx); } catch (e) { toast(e.message, 'error'); }
        }),
        act('Delete', `Delete ${l.name}`, () => remove(ctx, `port list “${l.name}”`, `/v2/port_lists/${l.id}`), 'btn btn-small btn-danger'))))
      : emptyRow(7, q.toString() ? 'No port list matches.' : 'No port lists yet.')));
  if (r) replace(foot, pager(r.pagination, goPage(ctx), 'port lists'));
}

function portListForm(ctx, pl, close) {
  const name = h('input', { name: 'name', value: pl?.name || '', required: true });
  const ports = h('textarea', { name: 'ports', rows: 3, spellcheck: 'false', required: true });
  ports.value = pl?.ports || '';
  const desc = h('input', { name: 'description', value: pl?.description || '' });
  return editor({
    id: 'port-list-form',
    title: pl ? `Edit ${pl.name}` : 'New port list',
    submit: pl ? 'Save' : 'Create port list',
    fields: h('div', { class: 'form-grid' }, field('Name', name), field('Description', desc),
      h('div', { class: 'full' }, field('Ports', ports, 'T: for TCP, U: for UDP, ranges with a dash: T:22,80,443,8000-8100,U:53,161'))),
    onCancel: close,
    onSubmit: async () => {
      const body = { name: name.value.trim(), ports: ports.value.trim(), description: desc.value };
      if (pl) await api.put(`/v2/port_lists/${pl.id}`, body);
      else await api.post('/v2/port_lists', body);
      reload(ctx);
      return pl ? 'Port list saved' : 'Port list created';
    },
  });
}
