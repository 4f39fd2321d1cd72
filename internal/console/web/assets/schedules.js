// Schedules: list with next runs; create and edit in the frequency form or
// as an RFC 5545 rule, with a preview of the next runs the server computes
// (calculate_next_dates), so what the form says is what the scheduler does;
// delete (scans that use the schedule are detached after a second question).
import * as api from './api.js';
import { h, replace, field, fmtDate, pager, emptyRow, select, toast, errorBox } from './dom.js';
import { table, act, actions, pageHead, reload, editor, filters, apiQuery, goPage, loadInto } from './crud.js';

const FREQS = [['once', 'Once'], ['hourly', 'Hourly'], ['daily', 'Daily'], ['weekly', 'Weekly'], ['monthly', 'Monthly'], ['quarterly', 'Quarterly'], ['yearly', 'Yearly']];
const DAYS = [['MO', 'Mon'], ['TU', 'Tue'], ['WE', 'Wed'], ['TH', 'Thu'], ['FR', 'Fri'], ['SA', 'Sat'], ['SU', 'Sun']];

export function repeats(s) {
  if (s.rrule) return s.rrule;
  const every = s.interval > 1 ? ` (every ${s.interval})` : '';
  const days = s.by_weekday?.length ? ` on ${s.by_weekday.join(', ')}` : '';
  return `${s.frequency}${every}${days}`;
}

export async function schedules(ctx) {
  ctx.title('Schedules');
  const q = ctx.query;
  const edit = h('div');
  const err = h('div');
  const foot = h('div');
  const open = (s) => { replace(edit, scheduleForm(ctx, s, () => replace(edit))); edit.querySelector('input').focus(); };
  const grid = table('schedules', ['Name', 'Repeats', 'Time zone', 'Starts', 'Next run', ''], null, 'Schedules');
  replace(ctx.main,
    pageHead('Schedules', h('button', { type: 'button', class: 'btn btn-primary', id: 'new-schedule', onclick: () => open(null) }, 'New schedule')),
    filters(ctx, 'Filter schedules', [
      ['name', field('Name', h('input', { name: 'name', value: q.get('name') || '' }))],
      ['frequency', field('Frequency', select('frequency', [['', 'Any'], ...FREQS], q.get('frequency') || ''))],
    ]),
    edit, err, grid, foot);
  const r = await loadInto(ctx, grid.querySelector('tbody'), err, 6,
    () => api.get(`/v2/schedules${api.qs({ per_page: 50, ...apiQuery(q, ['name', 'frequency']) })}`),
    (r2) => (r2.schedules.length ? r2.schedules.map((s) => h('tr', { 'data-schedule': s.id },
      h('td', null, s.name),
      h('td', { class: s.rrule ? 'mono' : null }, repeats(s)),
      h('td', null, s.timezone),
      h('td', { class: 'nowrap' }, fmtDate(s.starts_at)),
      h('td', { class: 'nowrap' }, s.next_run_at ? fmtDate(s.next_run_at) : h('span', { class: 'hint' }, 'no more runs')),
      actions(
        act('Edit', `Edit ${s.name}`, () => open(s)),
        act('Delete', `Delete ${s.name}`, () => removeSchedule(ctx, s), 'btn btn-small btn-danger'))))
      : emptyRow(6, q.toString() ? 'No schedule matches.' : 'No schedules yet. Create one here or in the scan wizard.')));
  if (r) replace(foot, pager(r.pagination, goPage(ctx), 'schedules'));
}

// removeSchedule deletes; when scans use the schedule the API says 409, and
// the user may detach them (force) instead.
async function removeSchedule(ctx, s) {
  if (!window.confirm(`Delete schedule “${s.name}”?`)) return;
  try {
    await api.del(`/v2/schedules/${s.id}`);
  } catch (e) {
    if (e.status !== 409) { toast(e.message, 'error'); return; }
    if (!window.confirm(`${e.message}. Delete it anyway? Those scans keep running on demand.`)) return;
    try { await api.del(`/v2/schedules/${s.id}?force=true`); } catch (e2) { toast(e2.message, 'error'); return; }
  }
  toast(`Deleted schedule “${s.name}”`);
  reload(ctx);
}

// wallTime shows an instant as the datetime-local value in zone tz.
function wallTime(iso, tz) {
  if (!iso) return '';
  try {
    return new Date(iso).toLocaleString('sv-SE', { timeZone: tz, hour12: false }).slice(0, 16).replace(' ', 'T');
  } catch { return ''; }
}

function scheduleForm(ctx, s, close) {
  const tzDefault = s?.timezone || Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  const name = h('input', { name: 'name', value: s?.name || '', required: true });
  const mode = select('mode', [['frequency', 'Frequency'], ['rrule', 'RFC 5545 rule']], s?.rrule ? 'rrule' : 'frequency');
  const freq = select('frequency', FREQS, s?.frequency || 'weekly');
  const interval = h('input', { name: 'interval', type: 'number', min: 1, max: 1000, value: s?.interval || 1 });
  const dayBoxes = DAYS.map(([d]) => h('input', { type: 'checkbox', name: 'by_weekday', value: d, id: `day-${d}`, checked: s?.by_weekday?.includes(d) }));
  const rrule = h('input', { name: 'rrule', value: s?.rrule || '', spellcheck: 'false', placeholder: 'FREQ=MONTHLY;BYDAY=-1FR' });
  // The API needs a first run: a new schedule starts at the next full hour.
  const nextHour = new Date(Math.ceil(Date.now() / 3600000) * 3600000).toISOString();
  const starts = h('input', { name: 'starts_at', type: 'datetime-local', value: wallTime(s?.starts_at || nextHour, tzDefault) });
  const tz = h('input', { name: 'timezone', value: tzDefault });
  const ends = h('input', { name: 'ends_at', type: 'datetime-local', value: wallTime(s?.ends_at, tzDefault) });
  const freqBox = h('div', { class: 'form-grid full' }, field('Frequency', freq), field('Every', interval, 'n-th period (1 = every one)'),
    h('fieldset', { class: 'bare full' }, h('legend', { class: 'label' }, 'Days (weekly: the days to run)'),
      h('div', { class: 'checks' }, DAYS.map(([d, label], i) => h('label', { for: `day-${d}` }, dayBoxes[i], label)))));
  const ruleBox = h('div', { class: 'full' }, field('Rule', rrule, 'RFC 5545 RRULE, e.g. FREQ=WEEKLY;BYDAY=MO,TH'));
  const preview = h('div', { class: 'full', 'aria-live': 'polite', id: 'schedule-preview' });
  const sync = () => { freqBox.hidden = mode.value !== 'frequency'; ruleBox.hidden = mode.value !== 'rrule'; };
  mode.addEventListener('change', sync);
  sync();
  const wall = (v) => (v ? `${v.replace('T', ' ')}:00` : undefined);
  const body = () => {
    const b = { timezone: tz.value.trim() || 'UTC', starts_at: wall(starts.value) };
    if (ends.value) b.ends_at = wall(ends.value);
    else if (s?.ends_at) b.ends_at = '';
    if (mode.value === 'rrule') b.rrule = rrule.value.trim();
    else {
      b.frequency = freq.value;
      b.interval = +interval.value || 1;
      b.by_weekday = dayBoxes.filter((x) => x.checked).map((x) => x.value);
      if (s?.rrule) b.rrule = '';
    }
    return b;
  };
  const previewBtn = h('button', { type: 'button', class: 'btn', onclick: async () => {
    try {
      const r = await api.post('/v2/schedules/calculate_next_dates', { ...body(), count: 5 });
      const dates = r.dates || r.next_dates || [];
      replace(preview, h('div', { class: 'alert alert-info' }, h('p', null, dates.length ? 'Next runs:' : 'This schedule never runs.'),
        dates.length ? h('ul', null, dates.map((d) => h('li', null, fmtDate(d)))) : null));
    } catch (e) { replace(preview, errorBox(e)); }
  } }, 'Preview next runs');
  return editor({
    id: 'schedule-form',
    title: s ? `Edit ${s.name}` : 'New schedule',
    submit: s ? 'Save' : 'Create schedule',
    fields: h('div', { class: 'form-grid' }, field('Name', name), field('Repeats by', mode), freqBox, ruleBox,
      field('First run', starts, 'wall-clock time in the time zone'), field('Time zone', tz, 'IANA name, e.g. Europe/Berlin'),
      field('Last run (optional)', ends), h('div', { class: 'field field-end' }, previewBtn), preview),
    onCancel: close,
    onSubmit: async () => {
      const b = { name: name.value.trim(), ...body() };
      if (s) await api.put(`/v2/schedules/${s.id}`, b);
      else await api.post('/v2/schedules', b);
      reload(ctx);
      return s ? 'Schedule saved' : 'Schedule created';
    },
  });
}
