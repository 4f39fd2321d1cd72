// Hosts: the inventory built from scan results (one row per address) with
// the API's filters (address and service wildcards, port, OS, status),
// sorting and pages; a host's services, open findings and the runs that
// scanned it.
import * as api from './api.js';
import { h, replace, field, fmtDate, fmtNum, pager, emptyRow, select, sevBadge, statusBadge, SEVERITIES } from './dom.js';
import { table, pageHead, filters, apiQuery, goPage, loadInto } from './crud.js';

const SORTS = [['last_seen', 'Last seen'], ['first_seen', 'First seen'], ['ip', 'Address'], ['os', 'OS'], ['open_ports', 'Open ports']];
const KEYS = ['ip', 'hostname', 'service', 'port', 'os', 'status', 'target'];

// sevCounts shows open findings by severity, zeroes greyed.
function sevCounts(v) {
  if (!v) return '—';
  return h('span', { class: 'sevbar', 'aria-label': SEVERITIES.map((s) => `${v[s] || 0} ${s}`).join(', ') },
    SEVERITIES.map((s) => h('span', { class: `badge ${v[s] ? `sev-${s}` : 'zero'}`, title: s, 'aria-hidden': 'true' }, fmtNum(v[s] || 0))));
}

export async function hostList(ctx) {
  ctx.title('Hosts');
  const q = ctx.query;
  const err = h('div');
  const foot = h('div');
  const summary = h('p', { class: 'hint', 'aria-live': 'polite', id: 'hosts-summary' });
  const targets = await api.get('/v2/targets?per_page=500').then((r) => r.targets).catch(() => []);
  if (!ctx.active) return;
  const grid = table('hosts', ['Address', 'Names', 'OS', 'Open ports', 'Services', 'Open findings', 'Status', 'Last seen'], null, 'Hosts');
  replace(ctx.main, pageHead('Hosts'),
    filters(ctx, 'Filter hosts', [
      ['ip', field('Address', h('input', { name: 'ip', value: q.get('ip') || '', placeholder: '192.168.*', spellcheck: 'false' }), '* is a wildcard')],
      ['hostname', field('Host name', h('input', { name: 'hostname', value: q.get('hostname') || '', spellcheck: 'false' }))],
      ['service', field('Service', h('input', { name: 'service', value: q.get('service') || '', placeholder: 'nginx' }))],
      ['port', field('Port', h('input', { name: 'port', value: q.get('port') || '', inputmode: 'numeric', placeholder: '22,443' }))],
      ['os', field('OS', h('input', { name: 'os', value: q.get('os') || '' }))],
      ['status', field('Status', select('status', [['', 'Any'], ['up', 'Up'], ['down', 'Down']], q.get('status') || ''))],
      ['target', field('Target', select('target', [['', 'Any'], ...targets.map((tg) => [tg.id, tg.name])], q.get('target') || ''))],
      ['sort_by', field('Sort by', select('sort_by', SORTS, q.get('sort_by') || 'last_seen'))],
      ['sort_order', field('Order', select('sort_order', [['desc', 'Descending'], ['asc', 'Ascending']], q.get('sort_order') || 'desc'))],
    ]),
    err, summary, grid, foot);
  const r = await loadInto(ctx, grid.querySelector('tbody'), err, 8,
    () => api.get(`/v2/hosts${api.qs({ per_page: 25, ...apiQuery(q, KEYS) })}`),
    (r2) => (r2.hosts.length ? r2.hosts.map((x) => h('tr', { 'data-host': x.id },
      h('td', { class: 'mono' }, h('a', { href: `/hosts/${x.id}` }, x.ip)),
      h('td', null, x.hostnames?.length ? x.hostnames.join(', ') : '—'),
      h('td', null, x.os || '—'),
      h('td', { class: 'num' }, fmtNum(x.open_ports)),
      h('td', null, x.services_summary || '—'),
      h('td', null, sevCounts(x.vulnerabilities)),
      h('td', null, h('span', { class: `badge ${x.status === 'up' ? 'st-ok' : 'st-muted'}` }, x.status)),
      h('td', { class: 'nowrap' }, fmtDate(x.last_seen))))
      : emptyRow(8, q.toString() ? 'No host matches these filters.' : 'No hosts yet: they appear when a scan finishes.')));
  if (!r) return;
  summary.textContent = `${fmtNum(r.pagination.total_count)} host${r.pagination.total_count === 1 ? '' : 's'}.`;
  replace(foot, pager(r.pagination, goPage(ctx), 'hosts'));
}

export async function hostDetail(ctx) {
  const [id] = ctx.params;
  const x = (await api.get(`/v2/hosts/${id}`)).host;
  ctx.title(x.ip);
  const services = x.services || [];
  const findings = x.findings || [];
  const runs = x.histories || [];
  replace(ctx.main,
    h('p', { class: 'crumbs' }, h('a', { href: '/hosts' }, 'Hosts'), ' / ', x.ip),
    h('div', { class: 'page-head' }, h('div', null, h('h1', { class: 'mono-h' }, x.ip),
      h('div', { class: 'row' }, h('span', { class: `badge ${x.status === 'up' ? 'st-ok' : 'st-muted'}` }, x.status), sevCounts(x.vulnerabilities)))),
    h('div', { class: 'grid grid-3' },
      h('section', { class: 'panel', 'aria-labelledby': 'host-services-h' }, h('h2', { id: 'host-services-h' }, `Services (${services.length})`),
        table('host-services', ['Port', 'Service', 'Product', 'TLS'], services.length ? services.map((sv) => h('tr', null,
          h('td', { class: 'mono' }, `${sv.port}/${sv.protocol}`),
          h('td', null, sv.service || '—', sv.state !== 'open' ? h('span', { class: 'sub' }, sv.state) : null),
          h('td', null, [sv.product, sv.version].filter(Boolean).join(' ') || '—', sv.cpe?.length ? h('span', { class: 'sub mono' }, sv.cpe.join(' ')) : null,
            sv.banner ? h('span', { class: 'sub mono', title: sv.banner }, sv.banner.length > 90 ? `${sv.banner.slice(0, 89)}…` : sv.banner) : null),
          h('td', null, sv.tls ? 'yes' : 'no'))) : emptyRow(4, 'No open ports seen.'))),
      h('section', { class: 'panel', 'aria-labelledby': 'host-facts-h' }, h('h2', { id: 'host-facts-h' }, 'Host'),
        h('dl', { class: 'facts' },
          h('dt', null, 'Names'), h('dd', null, x.hostnames?.length ? x.hostnames.join(', ') : '—'),
          h('dt', null, 'OS'), h('dd', null, x.os || '—'),
          h('dt', null, 'Open ports'), h('dd', null, fmtNum(x.open_ports)),
          h('dt', null, 'First seen'), h('dd', null, fmtDate(x.first_seen)),
          h('dt', null, 'Last seen'), h('dd', null, fmtDate(x.last_seen)),
          h('dt', null, 'Last scan'), h('dd', null, x.last_scan_id ? h('a', { href: `/scans/${x.last_scan_id}` }, 'open the scan') : '—')))),
    h('h2', { class: 'mt' }, `Open findings (${fmtNum(x.findings_count ?? findings.length)})`),
    table('host-findings', ['Severity', 'Finding', 'Service', 'CVSS', 'Status', 'Last seen'], findings.length ? findings.map((v) => h('tr', null,
      h('td', null, sevBadge(v.severity)),
      h('td', null, h('a', { href: `/findings/${v.id}` }, v.title), h('span', { class: 'sub mono' }, v.check_id)),
      h('td', { class: 'mono' }, v.port ? `${v.port}/${v.protocol}` : '—'),
      h('td', { class: 'num' }, v.cvss_score?.toFixed(1) ?? '—'),
      h('td', null, statusBadge(v.status)),
      h('td', { class: 'nowrap' }, fmtDate(v.last_seen)))) : emptyRow(6, 'No open findings on this host.')),
    x.findings_count > findings.length ? h('p', { class: 'hint' }, h('a', { href: `/findings?host=${encodeURIComponent(x.ip)}` }, 'All findings of this host')) : null,
    h('h2', { class: 'mt' }, `Scan history (${fmtNum(x.histories_count ?? runs.length)})`),
    table('host-runs', ['Scanned', 'Run', 'Host status', 'Open ports', 'Findings'], runs.length ? runs.map((hr) => h('tr', null,
      h('td', { class: 'nowrap' }, fmtDate(hr.scanned_at || hr.queued_at)),
      h('td', null, h('a', { href: `/scans/${hr.scan_id}/runs/${hr.history_id}` }, 'run'), ' ', statusBadge(hr.history_status)),
      h('td', null, hr.host_status),
      h('td', { class: 'num' }, fmtNum(hr.open_ports)),
      h('td', null, sevCounts(hr.vulnerabilities)))) : emptyRow(5, 'No runs.')));
}
