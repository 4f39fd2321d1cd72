// Targets and port lists: list, create, edit, delete.
import * as api from './api.js';
import { h, replace, field, select, fmtDate, fmtNum, errorBox, pager, emptyRow, toast } from './dom.js';

const PRODUCTS = [['vrms', 'VRMS'], ['pci', 'PCI'], ['penetration', 'Penetration']];

export async function targets(ctx) {
  ctx.title('Targets');
  const page = +(ctx.query.get('page') || 1);
  const [list, lists, schedules, scanners] = await Promise.all([
    api.get(`/v2/targets${api.qs({ page, per_page: 25, 'q[name]': ctx.query.get('name') || '' })}`),
    api.get('/v2/port_lists?per_page=500'),
    api.get('/v2/schedules?per_page=100').catch(() => ({ schedules: [] })),
    api.get('/v2/scanners?per_page=100').catch(() => ({ scanners: [] })),
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

  const portRows = lists.port_lists.map((l) => h('tr', null,
    h('td', null, l.name, l.builtin ? h('span', { class: 'sub' }, 'built in') : null),
    h('td', { class: 'mono' }, clip(l.ports, 70)),
    h('td', { class: 'num' }, fmtNum(l.port_count))));

  const scheduleRows = schedules.schedules.length ? schedules.schedules.map((s) => h('tr', null,
    h('td', null, s.name),
    h('td', null, s.rrule || `${s.frequency}${s.interval > 1 ? ` (every ${s.interval})` : ''}`),
    h('td', null, s.timezone),
    h('td', null, fmtDate(s.next_run_at)),
    h('td', { class: 'num' }, act('Delete', `Delete schedule ${s.name}`, async () => {
      if (!window.confirm(`Delete schedule “${s.name}”? Scans using it keep running on demand.`)) return;
      try { await api.del(`/v2/schedules/${s.id}?force=true`); toast('Schedule deleted'); reload(); } catch (e) { toast(e.message, 'error'); }
    }, 'btn btn-small btn-danger')))) : emptyRow(5, 'No schedules. The scan wizard creates them.');

  const scannerRows = scanners.scanners.map((sc) => h('tr', null,
    h('td', null, sc.name, sc.description ? h('span', { class: 'sub' }, sc.description) : null),
    h('td', null, sc.app_type),
    h('td', null, h('span', { class: `badge ${sc.status === 'active' ? 'st-ok' : 'st-muted'}` }, sc.status)),
    h('td', null, fmtDate(sc.last_seen_at || sc.verified_at)),
    h('td', { class: 'num' }, h('div', { class: 'row' },
      act('Verify', `Verify ${sc.name}`, async () => {
        try {
          const v = await api.post(`/v2/scanners/${sc.id}/verify`);
          toast(v.verified ? `${sc.name} works (${v.latency_ms} ms)` : `${sc.name}: ${v.error}`, v.verified ? 'ok' : 'error');
        } catch (e) { toast(e.message, 'error'); }
      }),
      act(sc.status === 'active' ? 'Deactivate' : 'Activate', `${sc.status === 'active' ? 'Deactivate' : 'Activate'} ${sc.name}`, async () => {
        try { await api.post(`/v2/scanners/${sc.id}/${sc.status === 'active' ? 'deactivate' : 'activate'}`); reload(); } catch (e) { toast(e.message, 'error'); }
      })))));

  replace(ctx.main,
    h('div', { class: 'page-head' }, h('h1', null, 'Targets'), h('button', { type: 'button', class: 'btn btn-primary', onclick: () => open(null) }, 'New target')),
    editor,
    table('targets', ['Name', 'Hosts', 'Host count', 'Port list', 'Product', 'Updated', ''], targetRows),
    pager(list.pagination, (p) => ctx.navigate(`/targets?page=${p}`), 'targets'),
    h('h2', { class: 'mt' }, 'Port lists'),
    table('port-lists', ['Name', 'Ports', 'Port count'], portRows),
    h('h2', { class: 'mt' }, 'Schedules'),
    table('schedules', ['Name', 'Repeats', 'Time zone', 'Next run', ''], scheduleRows),
    h('h2', { class: 'mt' }, 'Scanners'),
    table('scanners', ['Name', 'Type', 'Status', 'Last seen', ''], scannerRows));
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
