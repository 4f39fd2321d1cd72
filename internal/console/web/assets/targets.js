// Targets and port lists: list, create, edit, delete.
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
  const plName = new Map(lists.port_lists.map((l) => [l.id, l.name]));
  const editor = h('div');
  const open = (t) => { drawEditor(editor, t, lists.port_lists, ctx); editor.querySelector('input')?.focus(); };
  replace(ctx.main,
    h('div', { class: 'page-head' }, h('h1', null, 'Targets'), h('button', { type: 'button', class: 'btn btn-primary', onclick: () => open(null) }, 'New target')),
    editor,
    h('div', { class: 'table-wrap' }, h('table', { id: 'targets' },
      h('thead', null, h('tr', null, ['Name', 'Hosts', 'Host count', 'Port list', 'Product', 'Updated', ''].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', null, list.targets.length ? list.targets.map((t) => h('tr', null,
        h('td', null, t.name, t.description ? h('span', { class: 'sub' }, t.description) : null),
        h('td', { class: 'mono' }, t.hosts.length > 60 ? `${t.hosts.slice(0, 59)}…` : t.hosts),
        h('td', { class: 'num' }, fmtNum(t.host_count)),
        h('td', null, plName.get(t.port_list_id) || '—'),
        h('td', null, t.product.toUpperCase()),
        h('td', null, fmtDate(t.updated_at)),
        h('td', { class: 'num' }, h('div', { class: 'row' },
          h('button', { type: 'button', class: 'btn btn-small', onclick: () => open(t), 'aria-label': `Edit ${t.name}` }, 'Edit'),
          h('button', { type: 'button', class: 'btn btn-small btn-danger', 'aria-label': `Delete ${t.name}`, onclick: async () => {
            if (!window.confirm(`Delete target “${t.name}”?`)) return;
            try { await api.del(`/v2/targets/${t.id}`); toast('Target deleted'); ctx.navigate(location.pathname + location.search, { replace: true }); } catch (e) { toast(e.message, 'error'); }
          } }, 'Delete'))))) : emptyRow(7, 'No targets yet.'))))),
    pager(list.pagination, (p) => ctx.navigate(`/targets?page=${p}`), 'targets'),
    h('h2', { class: 'mt' }, 'Port lists'),
    h('div', { class: 'table-wrap' }, h('table', { id: 'port-lists' },
      h('thead', null, h('tr', null, ['Name', 'Ports', 'Port count'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', null, lists.port_lists.map((l) => h('tr', null, h('td', null, l.name, l.builtin ? h('span', { class: 'sub' }, 'built in') : null),
        h('td', { class: 'mono' }, (l.ports || '').length > 70 ? `${l.ports.slice(0, 69)}…` : (l.ports || '—')), h('td', { class: 'num' }, fmtNum(l.port_count)))))));
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
