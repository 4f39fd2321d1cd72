// The scan wizard: target, scan and schedule in one form, created in one
// all-or-nothing call (POST /v2/scans/wizard). Custom ports become a port
// list first, since a target takes a port list.
import * as api from './api.js';
import { h, replace, field, select, errorBox, toast } from './dom.js';

const PRODUCTS = [['vrms', 'Vulnerability management (VRMS)'], ['pci', 'PCI ASV'], ['penetration', 'Penetration test']];
const FREQUENCIES = [['', 'No schedule: run on demand'], ['once', 'Once'], ['daily', 'Daily'], ['weekly', 'Weekly'], ['monthly', 'Monthly'], ['quarterly', 'Quarterly']];

export async function wizard(ctx) {
  ctx.title('New scan');
  const [lists, profiles] = await Promise.all([api.get('/v2/port_lists?per_page=500'), api.get('/v2/scan_profiles?per_page=500')]);

  const tName = h('input', { name: 'target_name', required: true, autocomplete: 'off' });
  const hosts = h('textarea', { name: 'hosts', required: true, rows: 3, spellcheck: 'false' });
  const exclude = h('input', { name: 'exclude_hosts', autocomplete: 'off', spellcheck: 'false' });
  const product = select('product', PRODUCTS, 'vrms');
  const portList = select('port_list', [...lists.port_lists.map((l) => [l.id, `${l.name} (${l.port_count.toLocaleString()} ports)`]), ['custom', 'Custom ports…']],
    lists.port_lists.find((l) => l.name === 'Common TCP')?.id);
  const ports = h('input', { name: 'ports', autocomplete: 'off', spellcheck: 'false', placeholder: 'T:22,80,443,8000-8100,U:53' });
  const portsField = field('Ports', ports, 'T: for TCP, U: for UDP; ranges with a dash.');
  const count = h('p', { class: 'hint', id: 'host-count', 'aria-live': 'polite' });

  const sName = h('input', { name: 'scan_name', required: true, autocomplete: 'off' });
  const profile = h('select', { name: 'profile' });
  const freq = select('frequency', FREQUENCIES, '');
  const next = new Date(Date.now() + 3600e3);
  const pad = (n) => String(n).padStart(2, '0');
  const startsAt = h('input', { name: 'starts_at', type: 'datetime-local',
    value: `${next.getFullYear()}-${pad(next.getMonth() + 1)}-${pad(next.getDate())}T${pad(next.getHours())}:00` });
  const tz = h('input', { name: 'timezone', value: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC' });
  const schedFields = h('div', { class: 'form-grid', hidden: true }, field('First run', startsAt), field('Time zone', tz, 'IANA name, e.g. Europe/Berlin'));
  const startNow = h('input', { type: 'checkbox', name: 'start_now', id: 'start-now', checked: true });
  const err = h('div');
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Create scan');

  const fillProfiles = () => {
    const ps = profiles.scan_profiles.filter((p) => p.product === product.value);
    replace(profile, h('option', { value: '' }, 'Default profile of the product'), ps.map((p) => h('option', { value: p.id }, p.name)));
  };
  fillProfiles();
  product.addEventListener('change', fillProfiles);
  const syncPorts = () => { portsField.hidden = portList.value !== 'custom'; };
  syncPorts();
  portList.addEventListener('change', syncPorts);
  freq.addEventListener('change', () => { schedFields.hidden = freq.value === ''; });
  let userNamedScan = false;
  sName.addEventListener('input', () => { userNamedScan = true; });
  tName.addEventListener('input', () => { if (!userNamedScan) sName.value = tName.value ? `${tName.value} scan` : ''; });

  const countBtn = h('button', { type: 'button', class: 'btn btn-small' }, 'Count hosts');
  countBtn.addEventListener('click', async () => {
    try {
      const r = await api.post('/v2/targets/calculate_hosts', { hosts: hosts.value, exclude_hosts: exclude.value });
      count.textContent = `${r.count.toLocaleString()} host${r.count === 1 ? '' : 's'}` + (r.hosts.length ? `: ${r.hosts.slice(0, 5).join(', ')}${r.count > 5 ? ', …' : ''}` : '');
    } catch (e) {
      count.textContent = e.fields ? Object.values(e.fields).flat().join('; ') : e.message;
    }
  });

  const form = h('form', { class: 'wizard', novalidate: true },
    h('ol', { class: 'steps', 'aria-label': 'Steps' }, h('li', null, 'Target'), h('li', null, 'Scan'), h('li', null, 'Schedule')),
    h('fieldset', null, h('legend', null, '1. What to scan'),
      h('div', { class: 'form-grid' },
        field('Target name', tName),
        field('Product', product),
        h('div', { class: 'full' }, field('Hosts', hosts, 'IP addresses, CIDRs (10.0.0.0/24), ranges (10.0.0.1-20) or hostnames, separated by commas, spaces or new lines.'),
          h('div', { class: 'row' }, countBtn, count)),
        field('Exclude hosts', exclude, 'Optional; same notation.'),
        field('Port list', portList),
        h('div', { class: 'full' }, portsField))),
    h('fieldset', null, h('legend', null, '2. How to scan'),
      h('div', { class: 'form-grid' }, field('Scan name', sName), field('Scan profile', profile))),
    h('fieldset', null, h('legend', null, '3. When to scan'),
      h('div', { class: 'form-grid' }, field('Schedule', freq)), schedFields,
      h('div', { class: 'checks' }, h('label', { for: 'start-now' }, startNow, 'Start the first run now'))),
    err,
    h('div', { class: 'row' }, submit, h('a', { class: 'btn btn-quiet', href: '/scans' }, 'Cancel')));

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    submit.disabled = true;
    replace(err);
    try {
      let portListID = portList.value;
      if (portListID === 'custom') {
        const pl = await api.post('/v2/port_lists', { name: `${tName.value || 'Target'} ports ${new Date().toISOString().slice(0, 19).replace('T', ' ')}`, ports: ports.value });
        portListID = pl.port_list.id;
      }
      const body = {
        target: { name: tName.value, hosts: hosts.value, exclude_hosts: exclude.value || undefined, product: product.value, port_list_id: portListID },
        scan: { name: sName.value, scan_profile_id: profile.value || undefined },
        start_now: startNow.checked,
      };
      if (freq.value) {
        body.schedule = { name: `${sName.value} schedule`, frequency: freq.value, timezone: tz.value || 'UTC',
          starts_at: startsAt.value ? `${startsAt.value.replace('T', ' ')}:00` : undefined };
      }
      const r = await api.post('/v2/scans/wizard', body);
      toast(startNow.checked ? `Scan “${r.scan.name}” created and queued` : `Scan “${r.scan.name}” created`);
      ctx.navigate(`/scans/${r.scan.id}`);
    } catch (e2) {
      replace(err, errorBox(e2));
      err.querySelector('[role=alert]')?.focus?.();
    } finally {
      submit.disabled = false;
    }
  });

  replace(ctx.main, h('p', { class: 'crumbs' }, h('a', { href: '/scans' }, 'Scans'), ' / New'),
    h('h1', null, 'New scan'), form);
}
