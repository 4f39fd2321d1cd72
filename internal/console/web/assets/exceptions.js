// Exceptions: accepted risks, false positives and compensating controls,
// with their counts, the API's filters and pages; an exception's scope and
// the findings it covers now; edit (reason, type, scope, expiry), activate
// or put back to pending (admins), and revoke (delete: covered findings
// revert to open at once).
import * as api from './api.js';
import { h, replace, field, fmtDate, fmtNum, pager, emptyRow, select, statusBadge, sevBadge, toast } from './dom.js';
import { table, act, actions, pageHead, reload, editor, filters, apiQuery, goPage, loadInto } from './crud.js';

const TYPES = [['false_positive', 'False positive'], ['accepted_risk', 'Accepted risk'], ['compensating_control', 'Compensating control']];
const TYPE_NAME = Object.fromEntries(TYPES);
const KEYS = ['status', 'type', 'host', 'check', 'reason'];
const SORTS = [['created_at', 'Created'], ['updated_at', 'Updated'], ['expires_at', 'Expires'], ['status', 'Status'], ['type', 'Type'], ['host', 'Host'], ['port', 'Port'], ['check_id', 'Check']];
const isAdmin = (ctx) => ['admin', 'superadmin'].includes(ctx.user.role);
const scope = (x) => `${x.host || 'every host'}${x.port != null ? ` port ${x.port}${x.protocol ? `/${x.protocol}` : ''}` : ''}`;

async function setStatus(ctx, x, to) {
  try {
    await api.post(`/v2/exceptions/${to === 'active' ? 'activate' : 'reset'}`, { ids: [x.id] });
    toast(to === 'active' ? 'Exception activated' : 'Exception back to pending');
    reload(ctx);
  } catch (e) { toast(e.message, 'error'); }
}

async function revoke(ctx, x, then) {
  if (!window.confirm(`Revoke the exception for ${x.check_id} on ${scope(x)}? The findings it covers become open again.`)) return;
  try {
    await api.del(`/v2/exceptions/${x.id}`);
    toast('Exception revoked');
    then();
  } catch (e) { toast(e.message, 'error'); }
}

export async function exceptionList(ctx) {
  ctx.title('Exceptions');
  const q = ctx.query;
  const err = h('div');
  const foot = h('div');
  const stats = h('div', { class: 'stats stats-4', id: 'exception-stats' });
  const grid = table('exceptions', ['Check', 'Scope', 'Type', 'Status', 'Covers', 'Expires', 'Reason', ''], null, 'Exceptions');
  replace(ctx.main, pageHead('Exceptions'), stats,
    filters(ctx, 'Filter exceptions', [
      ['status', field('Status', select('status', [['', 'Any'], ['pending', 'Pending'], ['active', 'Active'], ['expired', 'Expired']], q.get('status') || ''))],
      ['type', field('Type', select('type', [['', 'Any'], ...TYPES], q.get('type') || ''))],
      ['host', field('Host', h('input', { name: 'host', value: q.get('host') || '', spellcheck: 'false' }))],
      ['check', field('Check', h('input', { name: 'check', value: q.get('check') || '', spellcheck: 'false', placeholder: 'cve:CVE-2021-*' }))],
      ['reason', field('Reason', h('input', { name: 'reason', value: q.get('reason') || '' }))],
      ['sort_by', field('Sort by', select('sort_by', SORTS, q.get('sort_by') || 'created_at'))],
      ['sort_order', field('Order', select('sort_order', [['desc', 'Descending'], ['asc', 'Ascending']], q.get('sort_order') || 'desc'))],
    ]),
    err, grid, foot);
  api.get('/v2/exceptions/statistics').then((s) => {
    if (!ctx.active) return;
    const st = s.by_status || {};
    const cell = (n, l) => h('div', { class: 'stat' }, h('span', { class: 'n' }, fmtNum(n)), h('span', { class: 'l' }, l));
    replace(stats, cell(st.active || 0, 'active'), cell(st.pending || 0, 'pending'), cell(s.findings_covered, 'findings covered'),
      cell(s.expiring_soon, `expiring within ${s.expiring_soon_days} days`));
  }).catch(() => stats.remove());
  const admin = isAdmin(ctx);
  const r = await loadInto(ctx, grid.querySelector('tbody'), err, 8,
    () => api.get(`/v2/exceptions${api.qs({ per_page: 25, ...apiQuery(q, KEYS) })}`),
    (r2) => (r2.exceptions.length ? r2.exceptions.map((x) => h('tr', { 'data-exception': x.id },
      h('td', { class: 'mono' }, h('a', { href: `/exceptions/${x.id}` }, x.check_id)),
      h('td', { class: 'mono' }, scope(x)),
      h('td', null, TYPE_NAME[x.type] || x.type),
      h('td', null, statusBadge(x.status)),
      h('td', { class: 'num' }, fmtNum(x.findings_covered)),
      h('td', { class: 'nowrap' }, x.expires_at ? fmtDate(x.expires_at) : 'never'),
      h('td', { class: 'clip' }, x.reason),
      actions(
        admin && x.status !== 'active' ? act('Activate', `Activate the exception for ${x.check_id}`, () => setStatus(ctx, x, 'active')) : null,
        admin && x.status === 'active' ? act('Reset', `Put the exception for ${x.check_id} back to pending`, () => setStatus(ctx, x, 'pending')) : null,
        act('Revoke', `Revoke the exception for ${x.check_id}`, () => revoke(ctx, x, () => reload(ctx)), 'btn btn-small btn-danger'))))
      : emptyRow(8, q.toString() ? 'No exception matches these filters.' : 'No exceptions. Create one from a finding.')));
  if (r) replace(foot, pager(r.pagination, goPage(ctx), 'exceptions'));
}

// userNames maps user ids to e-mails; an id the caller may not read (a
// user of another organization, or a deleted one) stays an id.
async function userNames(ids) {
  const out = {};
  await Promise.all([...new Set(ids.filter(Boolean))].map(async (id) => {
    try { out[id] = (await api.get(`/v2/users/${id}`)).user.email; } catch { out[id] = id; }
  }));
  return out;
}

export async function exceptionDetail(ctx) {
  const [id] = ctx.params;
  const d = await api.get(`/v2/exceptions/${id}/details`);
  const x = d.exception;
  ctx.title(`Exception ${x.check_id}`);
  const who = await userNames([x.created_by, x.activated_by]);
  const admin = isAdmin(ctx);
  const edit = h('div');
  const covered = d.vulnerabilities || [];
  replace(ctx.main,
    h('p', { class: 'crumbs' }, h('a', { href: '/exceptions' }, 'Exceptions'), ' / ', x.check_id),
    h('div', { class: 'page-head' },
      h('div', null, h('h1', null, `${TYPE_NAME[x.type]}: ${x.check_id}`), h('div', { class: 'row' }, statusBadge(x.status), h('span', { class: 'mono' }, scope(x)))),
      h('div', { class: 'row' },
        act('Edit', 'Edit this exception', () => { replace(edit, exceptionForm(ctx, x, () => replace(edit))); edit.querySelector('select, textarea').focus(); }),
        admin && x.status !== 'active' ? act('Activate', 'Activate this exception', () => setStatus(ctx, x, 'active'), 'btn btn-small btn-primary') : null,
        admin && x.status === 'active' ? act('Reset to pending', 'Put this exception back to pending', () => setStatus(ctx, x, 'pending')) : null,
        act('Revoke', 'Revoke this exception', () => revoke(ctx, x, () => ctx.navigate('/exceptions')), 'btn btn-small btn-danger'))),
    edit,
    h('section', { class: 'panel', 'aria-labelledby': 'exc-facts-h' }, h('h2', { id: 'exc-facts-h' }, 'Exception'),
      h('dl', { class: 'facts' },
        h('dt', null, 'Reason'), h('dd', null, x.reason || '—'),
        h('dt', null, 'Findings become'), h('dd', null, (x.finding_status || '').replace('_', ' ')),
        h('dt', null, 'Expires'), h('dd', null, x.expires_at ? fmtDate(x.expires_at) : 'never'),
        h('dt', null, 'Created'), h('dd', null, `${fmtDate(x.created_at)}${x.created_by ? ` by ${who[x.created_by]}` : ''}`),
        h('dt', null, 'Activated'), h('dd', null, x.activated_at ? `${fmtDate(x.activated_at)}${x.activated_by ? ` by ${who[x.activated_by]}` : ''}` : '—'),
        x.expired_at ? [h('dt', null, 'Expired'), h('dd', null, fmtDate(x.expired_at))] : null)),
    h('h2', { class: 'mt' }, `Findings covered now (${fmtNum(x.findings_covered)})`),
    table('exception-findings', ['Severity', 'Finding', 'Host', 'Status', 'Last seen'], covered.length ? covered.map((v) => h('tr', null,
      h('td', null, sevBadge(v.severity)),
      h('td', null, h('a', { href: `/findings/${v.id}` }, v.title)),
      h('td', { class: 'mono' }, v.ip, v.port ? `:${v.port}/${v.protocol}` : ''),
      h('td', null, statusBadge(v.status)),
      h('td', { class: 'nowrap' }, fmtDate(v.last_seen)))) : emptyRow(5, x.status === 'active' ? 'No finding matches this scope now.' : 'It covers findings once active.')));
}

function exceptionForm(ctx, x, close) {
  const type = select('type', TYPES, x.type);
  const reason = h('textarea', { name: 'reason', rows: 3 });
  reason.value = x.reason || '';
  const host = h('input', { name: 'host', value: x.host || '', spellcheck: 'false' });
  const port = h('input', { name: 'port', value: x.port ?? '', inputmode: 'numeric' });
  const proto = select('protocol', [['tcp', 'TCP'], ['udp', 'UDP']], x.protocol || 'tcp');
  const expires = h('input', { name: 'expires_at', type: 'date', value: x.expires_at ? x.expires_at.slice(0, 10) : '' });
  const warn = x.status === 'active' ? h('p', { class: 'hint full' }, 'This exception is active: a new scope applies at once (administrators only).') : null;
  return editor({
    id: 'exception-edit',
    title: 'Edit exception',
    submit: 'Save',
    fields: h('div', { class: 'form-grid' }, field('Type', type), field('Expires', expires, 'empty: never'),
      field('Host', host, 'one address or name; empty: every host'), field('Port', port, 'empty: every port'), field('Protocol', proto, 'of the port'),
      h('div', { class: 'full' }, field('Reason', reason)), warn),
    onCancel: close,
    onSubmit: async () => {
      const body = { type: type.value, reason: reason.value, host: host.value.trim(),
        port: port.value.trim() === '' ? null : Number(port.value), expires_at: expires.value ? `${expires.value} 23:59:59` : null };
      // A protocol belongs to a port: every port means no protocol.
      body.protocol = body.port == null ? '' : proto.value;
      if (Number.isNaN(body.port)) throw new api.ApiError(422, { message: 'The port is not a number', errors: { port: ['must be a whole number 0–65535'] } });
      await api.put(`/v2/exceptions/${x.id}`, body);
      reload(ctx);
      return 'Exception saved';
    },
  });
}
