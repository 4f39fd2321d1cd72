// Scanners: the built-in engine, agents, nmap and Greenbone (GMP) engines.
// Create, edit (a new engine type goes through PUT /app_type), verify,
// activate/deactivate, delete. An agent's token comes back once, in the
// answer that issued it: it is shown then with a copy button and never again
// (the server keeps only its hash; the page does not keep it either).
import * as api from './api.js';
import { h, replace, field, fmtDate, pager, emptyRow, select, toast } from './dom.js';
import { table, act, actions, pageHead, reload, remove, editor, filters, apiQuery, goPage, loadInto, secretBox } from './crud.js';

const TYPES = [['agent', 'Agent (runs on your network)'], ['nmap', 'nmap'], ['openvas', 'Greenbone / OpenVAS (GMP)'], ['builtin', 'Built-in']];
const TYPE_NAME = { agent: 'Agent', nmap: 'nmap', openvas: 'Greenbone', builtin: 'Built-in' };

export async function scanners(ctx) {
  ctx.title('Scanners');
  const q = ctx.query;
  const edit = h('div');
  const err = h('div');
  const foot = h('div');
  const open = (sc) => { replace(edit, scannerForm(ctx, sc, edit)); edit.querySelector('input').focus(); };
  const grid = table('scanners', ['Name', 'Type', 'Status', 'Version', 'Last seen', ''], null, 'Scanners');
  replace(ctx.main,
    pageHead('Scanners', h('button', { type: 'button', class: 'btn btn-primary', id: 'new-scanner', onclick: () => open(null) }, 'New scanner')),
    filters(ctx, 'Filter scanners', [
      ['name', field('Name', h('input', { name: 'name', value: q.get('name') || '' }))],
      ['app_type', field('Type', select('app_type', [['', 'Any'], ...TYPES.map(([v]) => [v, TYPE_NAME[v]])], q.get('app_type') || ''))],
      ['status', field('Status', select('status', [['', 'Any'], ['active', 'Active'], ['inactive', 'Inactive']], q.get('status') || ''))],
    ]),
    edit, err, grid, foot);
  const r = await loadInto(ctx, grid.querySelector('tbody'), err, 6,
    () => api.get(`/v2/scanners${api.qs({ per_page: 50, ...apiQuery(q, ['name', 'app_type', 'status']) })}`),
    (r2) => (r2.scanners.length ? r2.scanners.map((sc) => h('tr', { 'data-scanner': sc.id },
      h('td', null, sc.name, sc.description ? h('span', { class: 'sub' }, sc.description) : null),
      h('td', null, TYPE_NAME[sc.app_type] || sc.app_type, sc.host ? h('span', { class: 'sub mono' }, `${sc.host}:${sc.port}`) : null,
        sc.path ? h('span', { class: 'sub mono' }, sc.path) : null),
      h('td', null, h('span', { class: `badge ${sc.status === 'active' ? 'st-ok' : 'st-muted'}` }, sc.status)),
      h('td', null, sc.version || '—'),
      h('td', { class: 'nowrap' }, fmtDate(sc.last_seen_at || sc.verified_at)),
      actions(
        act('Verify', `Verify ${sc.name}`, async () => {
          try {
            const v = await api.post(`/v2/scanners/${sc.id}/verify`);
            toast(v.verified ? `${sc.name} works (${v.latency_ms} ms)` : `${sc.name}: ${v.error}`, v.verified ? 'ok' : 'error');
          } catch (e) { toast(e.message, 'error'); }
        }),
        act('Edit', `Edit ${sc.name}`, () => open(sc)),
        act(sc.status === 'active' ? 'Deactivate' : 'Activate', `${sc.status === 'active' ? 'Deactivate' : 'Activate'} ${sc.name}`, async () => {
          try { await api.post(`/v2/scanners/${sc.id}/${sc.status === 'active' ? 'deactivate' : 'activate'}`); reload(ctx); } catch (e) { toast(e.message, 'error'); }
        }),
        act('Delete', `Delete ${sc.name}`, () => remove(ctx, `scanner “${sc.name}”`, `/v2/scanners/${sc.id}`), 'btn btn-small btn-danger'))))
      : emptyRow(6, q.toString() ? 'No scanner matches.' : 'No scanners yet.')));
  if (r) replace(foot, pager(r.pagination, goPage(ctx), 'scanners'));
}

// tokenShown replaces the editor with the one-time token; the list reloads
// behind it only when the user is done, so the token stays on screen.
function tokenShown(ctx, el, sc) {
  replace(el, h('section', { class: 'panel', id: 'scanner-token', 'aria-labelledby': 'scanner-token-h' },
    h('h2', { id: 'scanner-token-h' }, `Agent token for ${sc.name}`),
    secretBox('Start the agent with this token (perimeter agent --token …). It authenticates the agent as this scanner.', sc.token),
    h('button', { type: 'button', class: 'btn btn-primary', id: 'token-done', onclick: () => reload(ctx) }, 'I have copied it')));
  el.querySelector('#copy-secret').focus();
}

function scannerForm(ctx, sc, el) {
  const name = h('input', { name: 'name', value: sc?.name || '', required: true });
  const type = select('app_type', TYPES, sc?.app_type || 'agent');
  const desc = h('input', { name: 'description', value: sc?.description || '' });
  const host = h('input', { name: 'host', value: sc?.host || '', spellcheck: 'false', placeholder: 'gvm.example.net' });
  const port = h('input', { name: 'port', type: 'number', min: 1, max: 65535, value: sc?.port || 9390 });
  const path = h('input', { name: 'path', value: sc?.path || '', spellcheck: 'false', placeholder: 'nmap on PATH' });
  const gmp = h('div', { class: 'form-grid full' }, field('GMP host', host), field('GMP port', port));
  const nmap = h('div', { class: 'full' }, field('nmap binary', path, 'empty: nmap found on the server\'s PATH'));
  const note = h('p', { class: 'hint full', id: 'scanner-type-note' });
  const sync = () => {
    gmp.hidden = type.value !== 'openvas';
    nmap.hidden = type.value !== 'nmap';
    note.textContent = type.value === 'agent' ? (sc?.app_type === 'agent' ? '' : 'Saving issues the agent\'s token, shown once.') : '';
  };
  type.addEventListener('change', sync);
  sync();
  return editor({
    id: 'scanner-form',
    title: sc ? `Edit ${sc.name}` : 'New scanner',
    submit: sc ? 'Save' : 'Create scanner',
    fields: h('div', { class: 'form-grid' }, field('Name', name), field('Type', type), h('div', { class: 'full' }, field('Description', desc)), gmp, nmap, note),
    onCancel: () => replace(el),
    onSubmit: async () => {
      const body = { name: name.value.trim(), description: desc.value };
      if (type.value === 'openvas') { body.host = host.value.trim(); body.port = +port.value || 0; }
      if (type.value === 'nmap') body.path = path.value.trim();
      let out;
      if (sc) {
        out = (await api.put(`/v2/scanners/${sc.id}`, body)).scanner;
        if (type.value !== sc.app_type) out = (await api.put(`/v2/scanners/${sc.id}/app_type`, { app_type: type.value })).scanner;
      } else {
        out = (await api.post('/v2/scanners', { ...body, app_type: type.value })).scanner;
      }
      if (out.token) { tokenShown(ctx, el, out); return sc ? 'Scanner saved' : 'Scanner created'; }
      reload(ctx);
      return sc ? 'Scanner saved' : 'Scanner created';
    },
  });
}
