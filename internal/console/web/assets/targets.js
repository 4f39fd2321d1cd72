// Targets: list, create, edit, delete (port lists, schedules and scanners
// have their own pages).
import * as api from './api.js';
import { h, replace, field, select, fmtDate, fmtNum, errorBox, pager, emptyRow, toast } from './dom.js';

const PRODUCTS = [['vrms', 'VRMS'], ['pci', 'PCI'], ['penetration', 'Penetration']];

export async function targets(ctx) {
  ctx.title('Targets');
  const page = +(ctx.query.get('page') || 1);
  const [list, lists] = await Promise.all([
    api.get(`/v2/targets${api.qs({ page, per_page: 25, 'q[name]': ctx.query.get('name') || '' })}`),
    api.get('/v2/port_lists?per_page=500'),
  ]);
  const reload = () => ctx.navigate(location.pathname + location.search, { replace: true });
  const plName = new Map(lists.port_lists.map((l) => [l.id, l.name]));
  const editor = h('div');
  const open = (t) => { drawEditor(editor, t, lists.port_lists, ctx); editor.querySelector('input')?.focus(); };
  const table = (id, heads, rows) => h('div', { class: 'table-wrap' }, h('table', { id },
    h('thead', null, h('tr', null, heads.map((t) => h('th', { scope: 'col' }, t)))), h('tbody', null, rows)));
  const act = (label, aria, fn, cls = 'btn btn-small') => h('button', { type: 'button', class: cls, 'aria-label': aria, onclick: fn }, label);
  const clip = (v, n) => (v && v.length > n ? `${v.slice(0, n - 1)}…` : v || '—');

  const targetRows = list.targets.length ? list.targets.map((t) => h('tr', null,
    h('td', null, t.name, t.description ? h('span', { class: 'sub' }, t.description) : null),
    h('td', { class: 'mono' }, clip(t.hosts, 60)),
    h('td', { class: 'num' }, fmtNum(t.host_count)),
    h('td', null, plName.get(t.port_list_id) || '—'),
    h('td', null, t.product.toUpperCase()),
    h('td', null, fmtDate(t.updated_at)),
    h('td', { class: 'num' }, h('div', { class: 'row' },
      act('Edit', `Edit ${t.name}`, () => open(t)),
      act('Delete', `Delete ${t.name}`, async () => {
        if (!window.confirm(`Delete target “${t.name}”?`)) return;
        try { await api.del(`/v2/targets/${t.id}`); toast('Target deleted'); reload(); } catch (e) { toast(e.message, 'error'); }
      }, 'btn btn-small btn-danger'))))) : emptyRow(7, 'No targets yet.');

  replace(ctx.main,
    h('div', { class: 'page-head' }, h('h1', null, 'Targets'), h('button', { type: 'button', class: 'btn btn-primary', onclick: () => open(null) }, 'New target')),
    editor,
    table('targets', ['Name', 'Hosts', 'Host count', 'Port list', 'Product', 'Updated', ''], targetRows),
    pager(list.pagination, (p) => ctx.navigate(`/targets?page=${p}`), 'targets'),
    h('p', { class: 'hint mt' }, 'Targets use ', h('a', { href: '/port-lists' }, 'port lists'), '; scans add ',
      h('a', { href: '/schedules' }, 'schedules'), ' and ', h('a', { href: '/scanners' }, 'scanners'), '.'));
}

function drawEditor(el, t, portLists, ctx) {
  const name = h('input', { name: 'name', value: t?.name || '', required: true });
  const hosts = h('textarea', { name: 'hosts', rows: 3, spellcheck: 'false' });
  hosts.value = t?.hosts || '';
  const exclude = h('input', { name: 'exclude_hosts', value: t?.exclude_hosts || '', spellcheck: 'false' });
  const pl = select('port_list_id', portLists.map((l) => [l.id, l.name]), t?.port_list_id || portLists.find((l) => l.name === 'Common TCP')?.id);
  const product = select('product', PRODUCTS, t?.product || 'vrms');
  const desc = h('input', { name: 'description', value: t?.description || '' });
  const err = h('div');
  const form = h('form', { class: 'panel', id: 'target-form', novalidate: true },
    h('h2', null, t ? `Edit ${t.name}` : 'New target'),
    h('div', { class: 'form-grid' }, field('Name', name), field('Product', product),
      h('div', { class: 'full' }, field('Hosts', hosts, 'Addresses, CIDRs, ranges or hostnames.')),
      field('Exclude hosts', exclude), field('Port list', pl), h('div', { class: 'full' }, field('Description', desc))),
    err,
    h('div', { class: 'row' }, h('button', { type: 'submit', class: 'btn btn-primary' }, t ? 'Save' : 'Create target'),
      h('button', { type: 'button', class: 'btn btn-quiet', onclick: () => replace(el) }, 'Cancel')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = { name: name.value, hosts: hosts.value, exclude_hosts: exclude.value, port_list_id: pl.value, product: product.value, description: desc.value };
    try {
      if (t) await api.put(`/v2/targets/${t.id}`, body);
      else await api.post('/v2/targets', body);
      toast(t ? 'Target saved' : 'Target created');
      ctx.navigate(location.pathname + location.search, { replace: true });
    } catch (e2) { replace(err, errorBox(e2)); }
  });
  replace(el, form);
}
