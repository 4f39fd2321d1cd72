// Dashboard: each widget asks its own endpoint and draws when its answer
// arrives, so the page shell paints at once and a slow widget holds up no
// other.
import * as api from './api.js';
import { h, replace, fmtNum, SEVERITIES, errorBox, fmtDate } from './dom.js';
import { donut, hbars, line, legend, fmtShort } from './charts.js';

export async function dashboard(ctx) {
  ctx.title('Dashboard');
  const stats = h('div', { class: 'stats', id: 'w-totals', 'aria-busy': 'true' }, h('p', { class: 'widget-loading' }, 'Loading totals…'));
  const trend = panel('Open findings, last 90 days', 'w-trend');
  const dist = panel('Open findings by severity', 'w-severity');
  const top = panel('Top vulnerabilities', 'w-top');
  const pci = panel('PCI compliance per target', 'w-pci');
  replace(ctx.main,
    h('div', { class: 'page-head' }, h('h1', null, 'Dashboard'),
      h('div', { class: 'row' }, h('a', { class: 'btn', href: '/findings' }, 'All findings'), h('a', { class: 'btn btn-primary', href: '/scans/new' }, 'New scan'))),
    stats,
    h('div', { class: 'grid grid-3' }, trend.el, dist.el),
    h('div', { class: 'grid grid-2 mt' }, top.el, pci.el));

  const totals = api.get('/v2/vulnerabilities/widgets/total?period=30d');
  widget(stats, totals.then((r) => drawTotals(stats, r.totals)));
  widget(dist.body, totals.then((r) => drawSeverity(dist.body, r.totals.open)));
  widget(trend.body, drawTrend(trend.body, totals));
  widget(top.body, api.get('/v2/vulnerabilities/widgets/top?limit=8').then((r) => drawTop(top.body, r.vulnerabilities)));
  widget(pci.body, api.get('/v2/vulnerabilities/widgets/pci_compliant?limit=1').then((r) => drawPCI(pci.body, r.pci_compliant)));
}

function panel(title, id) {
  const body = h('div', { class: 'widget-loading' }, 'Loading…');
  const el = h('section', { class: 'panel', id, 'aria-busy': 'true', 'aria-labelledby': `${id}-h` }, h('h2', { id: `${id}-h` }, title), body);
  return { el, body };
}

// widget marks a widget drawn (data-ready, for tests and assistive tech) or
// shows its error in place.
function widget(el, p) {
  const box = el.closest('[aria-busy]') || el;
  p.then(() => { el.classList.remove('widget-loading'); box.setAttribute('aria-busy', 'false'); box.dataset.ready = '1'; box.dataset.readyAt = Math.round(performance.now()); },
    (err) => { if (err.status !== 401) replace(el, errorBox(err)); box.setAttribute('aria-busy', 'false'); box.dataset.ready = 'error'; });
}

function drawTotals(el, t) {
  const change = t.change || 0;
  const dir = change > 0 ? 'up' : change < 0 ? 'down' : 'flat';
  const pct = t.change_percentage == null ? '' : ` (${t.change_percentage > 0 ? '+' : ''}${Math.round(t.change_percentage)} %)`;
  replace(el,
    h('a', { class: 'stat total', href: '/findings?status=open' },
      h('span', { class: 'n' }, fmtNum(t.open.total)), h('span', { class: 'l' }, 'Open findings'),
      h('span', { class: `trend ${dir}` }, `${change > 0 ? '▲' : change < 0 ? '▼' : '■'} ${change > 0 ? '+' : ''}${fmtNum(change)}${pct} in ${t.period === '30d' ? '30 days' : t.period}`)),
    SEVERITIES.map((sev) => h('a', { class: `stat sev-${sev}`, href: `/findings?status=open&severity=${sev}` },
      h('span', { class: 'n' }, fmtNum(t.open[sev])), h('span', { class: 'l cap' }, sev),
      h('span', { class: 'trend flat' }, `${fmtNum(t.open_at_period_start[sev])} ${t.period === '30d' ? '30 days' : t.period} ago`))));
}

function drawSeverity(el, open) {
  const parts = SEVERITIES.map((sev) => ({ label: cap(sev), value: open[sev] || 0, cls: `c-${sev}` }));
  replace(el, h('div', { class: 'donut-wrap' },
    donut(parts, { label: `Open findings by severity: ${parts.map((p) => `${p.label} ${p.value}`).join(', ')}`, center: fmtShort(open.total) }),
    legend(parts)));
}

// The trend: the totals widget answers "open at the start of the period" for
// any period, so a few periods give points of a line back to 90 days ago.
async function drawTrend(el, totalsP) {
  const periods = [90, 60, 30, 14, 7];
  const now = await totalsP;
  const past = await Promise.all(periods.map((d) => d === 30 ? now : api.get(`/v2/vulnerabilities/widgets/total?period=${d}d`)));
  const asOf = new Date(now.totals.as_of);
  const pts = past.map((r, i) => ({ x: new Date(asOf - periods[i] * 864e5), v: r.totals.open_at_period_start }));
  pts.push({ x: asOf, v: now.totals.open, label: 'Now' });
  const series = [
    { name: 'All open', cls: 'c-total', points: pts.map((p) => ({ x: p.x, y: p.v.total, label: p.label })) },
    { name: 'Critical', cls: 'c-critical', points: pts.map((p) => ({ x: p.x, y: p.v.critical, label: p.label })) },
    { name: 'High', cls: 'c-high', points: pts.map((p) => ({ x: p.x, y: p.v.high, label: p.label })) },
  ];
  replace(el,
    line(series, { label: `Open findings over the last 90 days: ${pts.map((p) => `${p.label || p.x.toLocaleDateString()} ${p.v.total}`).join(', ')}` }),
    legend(series.map((se) => ({ label: se.name, cls: se.cls, value: se.points.at(-1).y }))),
    h('p', { class: 'hint' }, `As of ${fmtDate(now.totals.as_of)}.`));
}

function drawTop(el, vulns) {
  if (!vulns.length) return replace(el, h('p', { class: 'hint' }, 'No open findings. Run a scan to see the most widespread vulnerabilities here.'));
  replace(el,
    hbars(vulns.map((v) => ({
      label: v.title, value: v.affected_hosts, cls: `c-${v.severity}`, note: `${v.severity}, score ${v.score}`,
      href: `/findings?status=open&check_id=${encodeURIComponent(v.check_id)}`,
    })), { label: `Top vulnerabilities by affected hosts: ${vulns.map((v) => `${v.title} ${v.affected_hosts}`).join(', ')}`, unit: (n) => (n === 1 ? ' host' : ' hosts') }),
    legend(SEVERITIES.filter((sev) => vulns.some((v) => v.severity === sev)).map((sev) => ({ label: cap(sev), cls: `c-${sev}` }))));
}

function drawPCI(el, p) {
  const targets = p.targets || [];
  if (!targets.length) return replace(el, h('p', { class: 'hint' }, 'No completed scans yet: PCI verdicts appear after the first run.'));
  const ok = targets.filter((t) => t.compliant).length;
  const parts = [{ label: 'Compliant', value: ok, cls: 'c-ok' }, { label: 'Failing', value: targets.length - ok, cls: 'c-bad' }];
  replace(el,
    h('div', { class: 'donut-wrap' },
      donut(parts, { label: `PCI: ${ok} of ${targets.length} targets compliant`, center: `${ok}/${targets.length}`, caption: 'compliant' }),
      h('div', null, legend(parts), h('p', { class: 'hint' }, p.compliant ? 'Every target passes.' : 'A target passes when every scan of it passes.'))),
    h('ul', { class: 'pci-list' }, targets.slice(0, 8).map((t) => h('li', null,
      h('span', null, t.target_name, h('span', { class: 'hint' }, ` · ${t.scans} scan${t.scans === 1 ? '' : 's'}`)),
      t.compliant ? h('span', { class: 'badge st-ok' }, 'Pass') : h('a', { class: 'badge st-bad', href: `/findings?status=open&pci_status=fail&target=${t.target_id}` }, `Fail · ${t.failing}`)))));
}

function cap(s) {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
