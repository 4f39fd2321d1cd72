// Reports: one per finished run; generate a file (type, format), watch it
// get ready, download it (fetched with the session, saved from a blob URL:
// no token in any URL).
import * as api from './api.js';
import { h, replace, select, fmtDate, pciBadge, statusBadge, pager, emptyRow, toast, announce } from './dom.js';

const TYPES = [['executive', 'Executive summary'], ['detailed', 'Detailed'], ['remediation', 'Remediation'], ['aosc', 'PCI attestation (AOSC)']];
const FORMATS = [['pdf', 'PDF'], ['html', 'HTML'], ['csv', 'CSV'], ['json', 'JSON'], ['xlsx', 'Excel']];

export async function reports(ctx) {
  ctx.title('Reports');
  const page = +(ctx.query.get('page') || 1);
  const body = h('tbody', null, emptyRow(6, 'Loading…'));
  const foot = h('div');
  replace(ctx.main, h('div', { class: 'page-head' }, h('h1', null, 'Reports')),
    h('p', { class: 'hint' }, 'A report exists for every finished run. Generate a file in the type and format you need, then download it.'),
    h('div', { class: 'table-wrap' }, h('table', { id: 'reports' },
      h('thead', null, h('tr', null, ['Report', 'Finished', 'PCI', 'Files', 'Generate'].map((t) => h('th', { scope: 'col' }, t)))), body)), foot);
  let timer = 0;
  ctx.onLeave(() => clearTimeout(timer));
  async function load() {
    clearTimeout(timer);
    const r = await api.get(`/v2/reports${api.qs({ page, per_page: 25 })}`);
    if (!ctx.active) return;
    replace(body, r.reports.length ? r.reports.map((rep) => row(rep, load)) : emptyRow(5, 'No reports yet: they appear when a scan run finishes.'));
    replace(foot, pager(r.pagination, (p) => ctx.navigate(`/reports?page=${p}`), 'reports'));
    if (r.reports.some((rep) => rep.files.some((f) => f.status === 'pending' || f.status === 'processing'))) timer = setTimeout(load, 2000);
  }
  await load();
}

function row(rep, reload) {
  const type = select('type', rep.product === 'pci' ? TYPES : TYPES.filter(([t]) => t !== 'aosc'), 'executive');
  const format = select('format', FORMATS, 'pdf');
  type.setAttribute('aria-label', `Report type for ${rep.name}`);
  format.setAttribute('aria-label', `Format for ${rep.name}`);
  const gen = h('button', { type: 'button', class: 'btn btn-small btn-primary' }, 'Generate');
  gen.addEventListener('click', async () => {
    try {
      await api.post(`/v2/reports/${rep.id}/generate`, { type: type.value, format: format.value });
      announce(`Generating the ${type.value} report`);
      reload();
    } catch (e) { toast(e.message, 'error'); }
  });
  return h('tr', { 'data-report': rep.id },
    h('td', null, h('a', { href: `/scans/${rep.scan_id}/runs/${rep.history_id}` }, rep.name), h('span', { class: 'sub' }, `${rep.target_name} · ${rep.product.toUpperCase()}`)),
    h('td', null, fmtDate(rep.finished_at)),
    h('td', null, pciBadge(rep.pci_compliant)),
    h('td', null, rep.files.length ? h('ul', { class: 'plain' }, rep.files.map((f) => h('li', null,
      f.available ? h('button', { type: 'button', class: 'btn btn-quiet btn-small', onclick: () => download(rep, f) }, `Download ${f.type} ${f.format.toUpperCase()}`) : `${f.type} ${f.format.toUpperCase()} `,
      f.status !== 'done' ? statusBadge(f.status) : h('span', { class: 'hint' }, ` ${(f.size / 1024).toFixed(0)} KiB`)))) : '—'),
    h('td', null, h('div', { class: 'row' }, type, format, gen)));
}

async function download(rep, f) {
  try {
    const res = await api.request('GET', `/v2/reports/${rep.id}/download${api.qs({ type: f.type, format: f.format })}`, undefined, { raw: true });
    const blob = await res.blob();
    const cd = res.headers.get('Content-Disposition') || '';
    const name = (cd.match(/filename="?([^";]+)"?/) || [])[1] || `report-${f.type}.${f.format}`;
    const url = URL.createObjectURL(blob);
    const a = h('a', { href: url, download: name, hidden: true });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  } catch (e) {
    toast(e.message, 'error');
  }
}
