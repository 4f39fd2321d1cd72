// Findings: the organization's vulnerabilities with the API's filters
// (severity, status, host wildcard, port, CVE, PCI), sorting and pages; a
// finding's detail with evidence, CVSS, CVEs (KEV, EPSS) and remediation;
// and an exception created from it.
import * as api from './api.js';
import { h, replace, field, select, fmtDate, fmtNum, SEVERITIES, sevBadge, statusBadge, pciBadge, errorBox, pager, emptyRow, toast, announce } from './dom.js';

const STATUSES = [['', 'Any status'], ['open', 'Open'], ['fixed', 'Fixed'], ['accepted', 'Accepted'], ['false_positive', 'False positive']];
const SORTS = [['severity', 'Severity'], ['cvss_score', 'CVSS score'], ['epss', 'EPSS'], ['last_seen', 'Last seen'], ['first_seen', 'First seen'], ['host', 'Host'], ['port', 'Port'], ['title', 'Title']];
// Filters the form edits; others in the URL (check_id, scan, target from
// dashboard links) are kept and shown as removable.
const FORM_KEYS = ['severity', 'status', 'host', 'port', 'cve', 'pci_status'];
const EXTRA_KEYS = ['check_id', 'scan', 'target', 'kev'];

export async function findingList(ctx) {
  ctx.title('Findings');
  const q = ctx.query;
  const sevSel = new Set((q.get('severity') || '').split(',').filter(Boolean));
  const sevBoxes = SEVERITIES.map((s) => h('input', { type: 'checkbox', name: 'severity', value: s, id: `sev-${s}`, checked: sevSel.has(s) }));
  const status = select('status', STATUSES, q.get('status') ?? '');
  const host = h('input', { name: 'host', value: q.get('host') || '', placeholder: '192.168.*', spellcheck: 'false' });
  const port = h('input', { name: 'port', value: q.get('port') || '', inputmode: 'numeric', placeholder: '443' });
  const cve = h('input', { name: 'cve', value: q.get('cve') || '', placeholder: 'CVE-2024-*', spellcheck: 'false' });
  const pci = select('pci_status', [['', 'Any'], ['fail', 'Fails PCI'], ['pass', 'Passes PCI']], q.get('pci_status') || '');
  const sortBy = select('sort_by', SORTS, q.get('sort_by') || 'severity');
  const order = select('sort_order', [['desc', 'Descending'], ['asc', 'Ascending']], q.get('sort_order') || 'desc');
  const perPage = select('per_page', [['25', '25'], ['50', '50'], ['100', '100']], q.get('per_page') || '25');
  const extras = EXTRA_KEYS.filter((k) => q.get(k));

  const form = h('form', { class: 'panel filters-panel', role: 'search', 'aria-label': 'Filter findings' },
    h('fieldset', { class: 'bare' }, h('legend', { class: 'label' }, 'Severity'),
      h('div', { class: 'checks' }, SEVERITIES.map((s, i) => h('label', { for: `sev-${s}` }, sevBoxes[i], s)))),
    h('div', { class: 'filters' },
      field('Status', status), field('Host', host, '* is a wildcard'), field('Port', port), field('CVE', cve),
      field('PCI', pci), field('Sort by', sortBy), field('Order', order), field('Per page', perPage),
      h('div', { class: 'actions span-2' },
        h('button', { type: 'submit', class: 'btn btn-primary' }, 'Apply filters'),
        h('button', { type: 'button', class: 'btn', onclick: () => ctx.navigate('/findings') }, 'Reset'))),
    extras.length ? h('p', { class: 'hint' }, 'Also filtered by ', extras.map((k) => h('span', { class: 'badge st-muted' }, `${k}: ${q.get(k)}`)), ' ',
      h('button', { type: 'button', class: 'btn btn-quiet btn-small', onclick: () => { extras.forEach((k) => q.delete(k)); ctx.navigate(`/findings?${q}`); } }, 'Remove')) : null);

  const paramsFromForm = (page = 1) => {
    const p = new URLSearchParams();
    const sev = sevBoxes.filter((b) => b.checked).map((b) => b.value).join(',');
    if (sev) p.set('severity', sev);
    for (const [k, el] of [['status', status], ['host', host], ['port', port], ['cve', cve], ['pci_status', pci]]) if (el.value.trim()) p.set(k, el.value.trim());
    for (const k of extras) p.set(k, q.get(k));
    if (sortBy.value !== 'severity') p.set('sort_by', sortBy.value);
    if (order.value !== 'desc') p.set('sort_order', order.value);
    if (perPage.value !== '25') p.set('per_page', perPage.value);
    if (page > 1) p.set('page', page);
    return p;
  };
  form.addEventListener('submit', (e) => { e.preventDefault(); ctx.navigate(`/findings?${paramsFromForm()}`); });

  const body = h('tbody', null, emptyRow(8, 'Loading…'));
  const summary = h('p', { class: 'hint', id: 'findings-summary', 'aria-live': 'polite' });
  const foot = h('div');
  const err = h('div');
  replace(ctx.main, h('div', { class: 'page-head' }, h('h1', null, 'Findings')), form, err, summary,
    h('div', { class: 'table-wrap' }, h('table', { id: 'findings' },
      h('caption', { class: 'sr-only' }, 'Findings matching the filters'),
      h('thead', null, h('tr', null, ['Severity', 'Finding', 'Host', 'Service', 'CVSS', 'CVEs', 'Status', 'Last seen'].map((t) => h('th', { scope: 'col', class: t === 'CVSS' ? 'num' : null }, t)))),
      body)), foot);

  const apiQ = { page: q.get('page') || 1, per_page: q.get('per_page') || 25, sort_by: q.get('sort_by') || 'severity', sort_order: q.get('sort_order') || 'desc' };
  for (const k of [...FORM_KEYS, ...EXTRA_KEYS]) if (q.get(k)) apiQ[`q[${k}]`] = q.get(k);
  let r;
  try {
    r = await api.get(`/v2/vulnerabilities${api.qs(apiQ)}`);
  } catch (e) {
    replace(body, emptyRow(8, 'Could not load findings.'));
    replace(err, errorBox(e));
    return;
  }
  if (!ctx.active) return;
  summary.textContent = `${fmtNum(r.pagination.total_count)} finding${r.pagination.total_count === 1 ? '' : 's'} match.`;
  replace(body, r.vulnerabilities.length ? r.vulnerabilities.map((v) => h('tr', { 'data-finding': v.id },
    h('td', null, sevBadge(v.severity)),
    h('td', null, h('a', { href: `/findings/${v.id}` }, v.title), h('span', { class: 'sub mono' }, v.check_id)),
    h('td', { class: 'mono' }, v.ip, v.hostname ? h('span', { class: 'sub' }, v.hostname) : null),
    h('td', null, v.port ? h('span', { class: 'mono' }, `${v.port}/${v.protocol}`) : '—', v.service ? h('span', { class: 'sub' }, v.service) : null),
    h('td', { class: 'num' }, v.cvss_score?.toFixed(1) ?? '—'),
    h('td', null, v.cves.length ? v.cves.slice(0, 3).join(', ') + (v.cves.length > 3 ? ` +${v.cves.length - 3}` : '') : '—', v.kev ? h('span', { class: 'badge kev' }, 'KEV') : null),
    h('td', null, statusBadge(v.status), h('span', { class: 'sub' }, v.pci_status === 'fail' ? 'fails PCI' : 'passes PCI')),
    h('td', null, fmtDate(v.last_seen)))) : emptyRow(8, 'No findings match these filters.'));
  replace(foot, pager(r.pagination, (p) => ctx.navigate(`/findings?${paramsFromForm(p)}`), 'findings'));
  announce(summary.textContent);
}

// CVSS v3 metric names, to spell a vector out.
const CVSS = {
  AV: ['Attack vector', { N: 'Network', A: 'Adjacent', L: 'Local', P: 'Physical' }],
  AC: ['Attack complexity', { L: 'Low', H: 'High' }],
  PR: ['Privileges required', { N: 'None', L: 'Low', H: 'High' }],
  UI: ['User interaction', { N: 'None', R: 'Required' }],
  S: ['Scope', { U: 'Unchanged', C: 'Changed' }],
  C: ['Confidentiality', { N: 'None', L: 'Low', H: 'High' }],
  I: ['Integrity', { N: 'None', L: 'Low', H: 'High' }],
  A: ['Availability', { N: 'None', L: 'Low', H: 'High' }],
};

function cvssMetrics(vector) {
  if (!vector) return null;
  const parts = vector.split('/').slice(1).map((p) => p.split(':')).filter(([k]) => CVSS[k]);
  if (!parts.length) return null;
  return h('div', { class: 'cvss-metrics' }, parts.map(([k, v]) => h('div', null, h('b', null, CVSS[k][0]), CVSS[k][1][v] || v)));
}

export async function findingDetail(ctx) {
  const [id] = ctx.params;
  const v = (await api.get(`/v2/vulnerabilities/${id}`)).vulnerability;
  ctx.title(v.title);
  const exc = h('div');
  replace(ctx.main,
    h('p', { class: 'crumbs' }, h('a', { href: '/findings' }, 'Findings'), ' / ', v.check_id),
    h('div', { class: 'page-head' }, h('div', null, h('h1', null, v.title),
      h('div', { class: 'row' }, sevBadge(v.severity), statusBadge(v.status), pciBadge(v.pci_status), v.kev ? h('span', { class: 'badge kev' }, 'Known exploited (KEV)') : null))),
    h('div', { class: 'grid grid-3' },
      h('div', { class: 'stack' },
        h('section', { class: 'panel', 'aria-labelledby': 'd-h' }, h('h2', { id: 'd-h' }, 'Description'), h('p', null, v.description || '—')),
        h('section', { class: 'panel', 'aria-labelledby': 'e-h' }, h('h2', { id: 'e-h' }, 'Evidence'), v.evidence ? h('pre', { id: 'evidence' }, v.evidence) : h('p', { class: 'hint' }, 'No evidence recorded.')),
        h('section', { class: 'panel', 'aria-labelledby': 'r-h' }, h('h2', { id: 'r-h' }, 'Remediation'), h('p', null, v.solution || '—'),
          v.references?.length ? h('div', null, h('h3', null, 'References'), h('ul', null, v.references.map((u) => h('li', null,
            /^https?:\/\//.test(u) ? h('a', { href: u, rel: 'noopener noreferrer', target: '_blank' }, u) : u)))) : null),
        h('section', { class: 'panel', 'aria-labelledby': 'o-h' }, h('h2', { id: 'o-h' }, `Seen in ${v.occurrences_count} run${v.occurrences_count === 1 ? '' : 's'}`),
          h('ul', null, (v.occurrences || []).map((o) => h('li', null, h('a', { href: `/scans/${o.scan_id}/runs/${o.history_id}` }, fmtDate(o.seen_at)), ` · ${o.severity} · CVSS ${o.cvss_score?.toFixed(1)}`))))),
      h('div', { class: 'stack' },
        h('section', { class: 'panel', 'aria-labelledby': 'c-h' }, h('h2', { id: 'c-h' }, 'CVSS'),
          h('div', { class: 'row' }, h('span', { class: 'score' }, v.cvss_score?.toFixed(1) ?? '—'), sevBadge(v.severity)),
          h('p', { class: 'mono', id: 'cvss-vector' }, v.cvss_vector || 'No vector'), cvssMetrics(v.cvss_vector)),
        h('section', { class: 'panel', 'aria-labelledby': 'a-h' }, h('h2', { id: 'a-h' }, 'Affected'),
          h('dl', { class: 'facts' },
            h('dt', null, 'Host'), h('dd', { class: 'mono' }, v.ip, v.hostname ? ` (${v.hostname})` : ''),
            h('dt', null, 'Port'), h('dd', { class: 'mono' }, v.port ? `${v.port}/${v.protocol}` : '—'),
            h('dt', null, 'Service'), h('dd', null, v.service || '—'),
            v.cpe ? [h('dt', null, 'CPE'), h('dd', { class: 'mono' }, v.cpe)] : null,
            h('dt', null, 'Check'), h('dd', { class: 'mono' }, v.check_id),
            h('dt', null, 'First seen'), h('dd', null, fmtDate(v.first_seen)),
            h('dt', null, 'Last seen'), h('dd', null, fmtDate(v.last_seen)),
            v.fixed_at ? [h('dt', null, 'Fixed'), h('dd', null, fmtDate(v.fixed_at))] : null,
            h('dt', null, 'Scan'), h('dd', null, h('a', { href: `/scans/${v.scan_id}` }, 'Open the scan')))),
        h('section', { class: 'panel', 'aria-labelledby': 'cve-h' }, h('h2', { id: 'cve-h' }, 'CVEs'),
          v.cves.length ? h('ul', { class: 'plain' }, v.cves.map((c) => h('li', null, h('span', { class: 'mono' }, c)))) : h('p', { class: 'hint' }, 'No CVE is attached to this check.'),
          h('dl', { class: 'facts mt' },
            h('dt', null, 'Known exploited (CISA KEV)'), h('dd', null, v.kev ? 'Yes' : 'No'),
            h('dt', null, 'EPSS'), h('dd', null, v.epss ? `${(v.epss * 100).toFixed(2)} % probability of exploitation in 30 days` : '—'))),
        h('section', { class: 'panel', 'aria-labelledby': 'x-h' }, h('h2', { id: 'x-h' }, 'Exception'), exc))));
  drawException(exc, v, ctx);
}

function drawException(el, v, ctx) {
  const type = select('type', [['false_positive', 'False positive'], ['accepted_risk', 'Accepted risk'], ['compensating_control', 'Compensating control']], 'accepted_risk');
  const reason = h('textarea', { name: 'reason', rows: 3, required: true });
  const expires = h('input', { name: 'expires_at', type: 'date' });
  const admin = ['admin', 'superadmin'].includes(ctx.user.role);
  const activate = h('input', { type: 'checkbox', name: 'activate', id: 'exc-activate', checked: admin });
  const err = h('div');
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Create exception');
  const form = h('form', { id: 'exception-form', novalidate: true },
    h('p', { class: 'hint' }, `Applies to ${v.check_id} on ${v.ip}${v.port ? ` port ${v.port}/${v.protocol}` : ''}.`),
    field('Type', type), field('Reason', reason), field('Expires (optional)', expires),
    admin ? h('div', { class: 'checks' }, h('label', { for: 'exc-activate' }, activate, 'Activate now')) : h('p', { class: 'hint' }, 'An administrator activates it.'),
    err, submit);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    submit.disabled = true;
    replace(err);
    try {
      const body = { vulnerability_id: v.id, type: type.value, reason: reason.value };
      if (expires.value) body.expires_at = `${expires.value} 23:59:59`;
      if (admin && activate.checked) body.activate = true;
      const r = await api.post('/v2/exceptions', body);
      const x = r.exception;
      replace(el, h('div', { class: 'alert alert-ok', role: 'status' },
        h('p', null, `Exception created (${x.status}). `, x.status === 'active' ? 'The finding no longer counts against PCI.' : 'It takes effect once activated.')));
      toast('Exception created');
      announce('Exception created');
    } catch (e2) {
      replace(err, errorBox(e2));
      submit.disabled = false;
    }
  });
  el.append(form);
}
