// Scans: the list with live status and progress, start/stop, and a scan's
// runs with the hosts, services, findings and change of one run.
import * as api from './api.js';
import { h, replace, fmtDate, fmtDuration, fmtNum, SEVERITIES, sevBadge, statusBadge, pciBadge, errorBox, pager, emptyRow, announce, toast } from './dom.js';

const ACTIVE = new Set(['queued', 'running', 'stopping']);
const POLL_MS = 2000;

// sevCounts renders counts by severity as small badges (zero counts muted).
export function sevCounts(v) {
  v = v || {};
  return h('span', { class: 'sevbar', 'aria-label': SEVERITIES.map((s) => `${v[s] || 0} ${s}`).join(', ') },
    SEVERITIES.map((s) => h('span', { class: `badge ${v[s] ? `sev-${s}` : 'zero'}`, title: s, 'aria-hidden': 'true' }, String(v[s] || 0))));
}

function progressCell(sc) {
  const active = ACTIVE.has(sc.status);
  return h('td', { class: 'progress-cell' },
    h('progress', { max: 100, value: sc.progress || 0, 'aria-label': `${sc.name} progress` }),
    ` ${active || sc.progress ? `${sc.progress || 0} %` : ''}`);
}

async function targetNames() {
  const r = await api.get('/v2/targets?per_page=500');
  return new Map(r.targets.map((t) => [t.id, t.name]));
}

function actions(sc, reload) {
  const active = ACTIVE.has(sc.status);
  const act = async (verb) => {
    try {
      await api.post(`/v2/scans/${sc.id}/${verb}`);
      toast(verb === 'start' ? `${sc.name}: run queued` : `${sc.name}: stopping`);
      announce(verb === 'start' ? `Scan ${sc.name} queued` : `Scan ${sc.name} stopping`);
    } catch (e) {
      toast(e.message, 'error');
    }
    reload();
  };
  return active
    ? h('button', { type: 'button', class: 'btn btn-small btn-danger', disabled: sc.status === 'stopping', onclick: () => act('stop'), 'aria-label': `Stop ${sc.name}` }, 'Stop')
    : h('button', { type: 'button', class: 'btn btn-small', onclick: () => act('start'), 'aria-label': `Start ${sc.name}` }, 'Start');
}

export async function scanList(ctx) {
  ctx.title('Scans');
  const page = +(ctx.query.get('page') || 1);
  const body = h('tbody', null, emptyRow(7, 'Loading…'));
  const foot = h('div');
  const err = h('div');
  replace(ctx.main,
    h('div', { class: 'page-head' }, h('h1', null, 'Scans'), h('a', { class: 'btn btn-primary', href: '/scans/new' }, 'New scan')),
    err,
    h('div', { class: 'table-wrap' }, h('table', { id: 'scans' },
      h('caption', { class: 'sr-only' }, 'Scans with status and progress; the list refreshes while a scan runs'),
      h('thead', null, h('tr', null, ['Name', 'Target', 'Status', 'Progress', 'Last change', 'Next run', ''].map((t) => h('th', { scope: 'col' }, t)))),
      body)),
    foot);
  const names = await targetNames().catch(() => new Map());
  const seen = new Map();
  let timer = 0;
  ctx.onLeave(() => clearTimeout(timer));

  async function load() {
    clearTimeout(timer);
    let r;
    try {
      r = await api.get(`/v2/scans${api.qs({ page, per_page: 25, sort_by: 'created_at', sort_order: 'desc' })}`);
    } catch (e) {
      if (ctx.active && e.status !== 401) replace(err, errorBox(e));
      return;
    }
    if (!ctx.active) return;
    replace(err);
    const rows = r.scans.map((sc) => {
      const before = seen.get(sc.id);
      if (before && before !== sc.status) announce(`Scan ${sc.name} is ${sc.status}`);
      seen.set(sc.id, sc.status);
      return h('tr', { 'data-scan': sc.id, 'data-status': sc.status },
        h('td', null, h('a', { href: `/scans/${sc.id}` }, sc.name), h('span', { class: 'sub' }, sc.product.toUpperCase())),
        h('td', null, names.get(sc.target_id) || '—'),
        h('td', null, statusBadge(sc.status)),
        progressCell(sc),
        h('td', null, fmtDate(sc.updated_at)),
        h('td', null, fmtDate(sc.next_run_at)),
        h('td', { class: 'num' }, actions(sc, load)));
    });
    replace(body, rows.length ? rows : emptyRow(7, 'No scans yet. Create one with the wizard.'));
    replace(foot, pager(r.pagination, (p) => ctx.navigate(`/scans?page=${p}`), 'scans'));
    if (r.scans.some((sc) => ACTIVE.has(sc.status))) timer = setTimeout(load, POLL_MS);
  }
  await load();
}

export async function scanDetail(ctx) {
  const [id, runID] = ctx.params;
  let sc = (await api.get(`/v2/scans/${id}`)).scan;
  ctx.title(sc.name);
  const names = await targetNames().catch(() => new Map());
  const head = h('div');
  const runs = h('div');
  const run = h('div', { id: 'run' });
  replace(ctx.main, h('p', { class: 'crumbs' }, h('a', { href: '/scans' }, 'Scans'), ' / ', sc.name), head,
    h('section', { class: 'panel', 'aria-labelledby': 'runs-h' }, h('h2', { id: 'runs-h' }, 'Run history'), runs), run);
  let timer = 0;
  let shownRun = '';
  let shownStatus = '';
  ctx.onLeave(() => clearTimeout(timer));

  const drawHead = () => replace(head,
    h('div', { class: 'page-head' },
      h('div', null, h('h1', null, sc.name), h('div', { class: 'row' }, statusBadge(sc.status),
        h('progress', { max: 100, value: sc.progress || 0, 'aria-label': 'Progress' }), h('span', { id: 'scan-progress' }, `${sc.progress || 0} %`))),
      h('div', { class: 'row' }, actions(sc, refresh))),
    h('dl', { class: 'facts panel' },
      h('dt', null, 'Target'), h('dd', null, names.get(sc.target_id) || sc.target_id),
      h('dt', null, 'Product'), h('dd', null, sc.product.toUpperCase()),
      h('dt', null, 'Next scheduled run'), h('dd', null, fmtDate(sc.next_run_at)),
      h('dt', null, 'Created'), h('dd', null, fmtDate(sc.created_at))));

  async function refresh() {
    clearTimeout(timer);
    try {
      sc = (await api.get(`/v2/scans/${id}`)).scan;
      const hs = await api.get(`/v2/scans/${id}/histories?per_page=20`);
      if (!ctx.active) return;
      drawHead();
      drawRuns(runs, sc, hs.histories, runID);
      const pick = runID || hs.histories[0]?.id || '';
      const picked = hs.histories.find((x) => x.id === pick);
      if (picked && (pick !== shownRun || picked.status !== shownStatus)) {
        if (shownStatus && ACTIVE.has(shownStatus) && !ACTIVE.has(picked.status)) announce(`Run ${picked.status}`);
        shownRun = pick;
        shownStatus = picked.status;
        await drawRun(run, sc, picked);
      } else if (!picked) {
        replace(run, h('p', { class: 'hint' }, 'This scan has not run yet. Start it to see hosts and findings.'));
      }
    } catch (e) {
      if (ctx.active && e.status !== 401) replace(run, errorBox(e));
      return;
    }
    if (ACTIVE.has(sc.status)) timer = setTimeout(refresh, POLL_MS);
  }
  await refresh();
}

function drawRuns(el, sc, list, runID) {
  const current = runID || list[0]?.id;
  replace(el, h('div', { class: 'table-wrap' }, h('table', null,
    h('thead', null, h('tr', null, ['Run', 'Status', 'Started', 'Duration', 'Hosts up', 'Open ports', 'Findings', 'PCI'].map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', null, list.length ? list.map((r) => h('tr', { 'aria-current': r.id === current ? 'true' : null, class: r.id === current ? 'current' : null },
      h('td', null, h('a', { href: `/scans/${sc.id}/runs/${r.id}` }, fmtDate(r.queued_at)), h('span', { class: 'sub' }, r.trigger)),
      h('td', null, statusBadge(r.status), ACTIVE.has(r.status) ? ` ${r.progress} %` : ''),
      h('td', null, fmtDate(r.started_at)),
      h('td', null, fmtDuration(r.duration)),
      h('td', { class: 'num' }, `${r.hosts_up} / ${r.hosts_total}`),
      h('td', { class: 'num' }, fmtNum(r.ports_open)),
      h('td', null, sevCounts(r.vulnerabilities)),
      h('td', null, r.status === 'completed' ? pciBadge(r.pci_compliant) : '—'))) : emptyRow(8, 'No runs yet.')))));
}

async function drawRun(el, sc, r) {
  const q = `?history_id=${r.id}`;
  const [st, hosts, vulns] = await Promise.all([
    api.get(`/v2/scans/${sc.id}/statistics${q}`).catch(() => null),
    api.get(`/v2/scans/${sc.id}/hosts${q}&per_page=100`),
    api.get(`/v2/scans/${sc.id}/vulnerabilities${q}&per_page=100`),
  ]);
  const s = st?.statistics;
  const d = s?.delta;
  replace(el,
    h('h2', { class: 'mt', id: 'run-h' }, `Run of ${fmtDate(r.queued_at)}`),
    h('div', { class: 'stats' },
      h('div', { class: 'stat total' }, h('span', { class: 'n' }, fmtNum(r.vulnerabilities.total)), h('span', { class: 'l' }, 'Findings')),
      h('div', { class: 'stat sev-critical' }, h('span', { class: 'n' }, fmtNum(r.vulnerabilities.critical + r.vulnerabilities.high)), h('span', { class: 'l' }, 'Critical + high')),
      h('div', { class: 'stat sev-high', id: 'delta-new' }, h('span', { class: 'n' }, d ? (d.new ? `+${fmtNum(d.new)}` : '0') : '—'), h('span', { class: 'l' }, 'New since last run')),
      h('div', { class: 'stat sev-low', id: 'delta-fixed' }, h('span', { class: 'n' }, d ? (d.fixed ? `−${fmtNum(d.fixed)}` : '0') : '—'), h('span', { class: 'l' }, 'Fixed since last run')),
      h('div', { class: 'stat' }, h('span', { class: 'n' }, d ? fmtNum(d.unchanged) : '—'), h('span', { class: 'l' }, 'Unchanged')),
      h('div', { class: 'stat' }, h('span', { class: 'n' }, `${r.hosts_up}/${r.hosts_total}`), h('span', { class: 'l' }, 'Hosts up'))),
    r.status === 'completed' ? h('p', null, pciBadge(r.pci_compliant), s?.pci ? ` ${s.pci.failing} finding${s.pci.failing === 1 ? ' fails' : 's fail'} PCI.` : '') : null,
    h('section', { class: 'panel', 'aria-labelledby': 'hosts-h' }, h('h2', { id: 'hosts-h' }, `Hosts and services (${fmtNum(hosts.pagination.total_count)})`),
      h('div', { class: 'table-wrap' }, h('table', { id: 'run-hosts' },
        h('thead', null, h('tr', null, ['Host', 'Status', 'Services', 'Findings'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', null, hosts.hosts.length ? hosts.hosts.map((x) => h('tr', null,
          h('td', null, h('span', { class: 'mono' }, x.ip), x.hostname ? h('span', { class: 'sub' }, x.hostname) : null, x.os ? h('span', { class: 'sub' }, x.os) : null),
          h('td', null, statusBadge(x.status === 'up' ? 'completed' : 'stopped'), h('span', { class: 'sub' }, x.status)),
          h('td', null, x.services.length ? h('ul', { class: 'plain' }, x.services.map((sv) => h('li', null,
            h('span', { class: 'mono' }, `${sv.port}/${sv.protocol}`), ` ${sv.service || 'unknown'}`,
            sv.product ? h('span', { class: 'hint' }, ` ${sv.product}${sv.version ? ` ${sv.version}` : ''}`) : null, sv.tls ? ' · TLS' : ''))) : '—'),
          h('td', null, sevCounts(x.vulnerabilities)))) : emptyRow(4, ACTIVE.has(r.status) ? 'Scanning…' : 'No hosts answered.'))))),
    h('section', { class: 'panel mt', 'aria-labelledby': 'vulns-h' }, h('h2', { id: 'vulns-h' }, `Findings of this run (${fmtNum(vulns.pagination.total_count)})`),
      h('div', { class: 'table-wrap' }, h('table', { id: 'run-findings' },
        h('thead', null, h('tr', null, ['Severity', 'Finding', 'Host', 'CVSS', 'Status'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', null, vulns.vulnerabilities.length ? vulns.vulnerabilities.map((v) => h('tr', null,
          h('td', null, sevBadge(v.severity)),
          h('td', null, h('a', { href: `/findings/${v.id}` }, v.title), h('span', { class: 'sub mono' }, v.check_id)),
          h('td', { class: 'mono' }, `${v.ip}${v.port ? `:${v.port}/${v.protocol}` : ''}`),
          h('td', { class: 'num' }, v.cvss_score?.toFixed(1) ?? '—'),
          h('td', null, statusBadge(v.status)))) : emptyRow(5, ACTIVE.has(r.status) ? 'Scanning…' : 'No findings.'))))),
    vulns.pagination.total_count > 100 ? h('p', null, h('a', { href: `/findings?scan=${sc.id}` }, 'All findings of this scan →')) : null);
}
