// Settings: profile, password, access token, two-factor authentication and,
// for admins, the white-label branding.
import * as api from './api.js';
import { h, replace, field, errorBox, toast, fmtDate } from './dom.js';

export async function settings(ctx) {
  ctx.title('Settings');
  const [{ user }, codes, brand] = await Promise.all([
    api.get('/v2/user'), api.get('/v2/user/2fa/recovery_codes').catch(() => null), api.get('/v2/whitelabel_settings').catch(() => null)]);
  const admin = ['admin', 'superadmin'].includes(user.role);
  replace(ctx.main, h('h1', null, 'Settings'),
    h('div', { class: 'grid grid-2' },
      h('div', { class: 'stack' }, profile(user), password(), accessToken()),
      h('div', { class: 'stack' }, twoFactor(codes, user), brand ? branding(brand.whitelabel_settings, admin) : null)),
    h('div', { class: 'mt' }, await webhooks()));
}

function section(id, title, ...children) {
  return h('section', { class: 'panel', 'aria-labelledby': `${id}-h`, id }, h('h2', { id: `${id}-h` }, title), ...children);
}

function form(id, fields, submitLabel, onSubmit) {
  const err = h('div');
  const btn = h('button', { type: 'submit', class: 'btn btn-primary' }, submitLabel);
  const f = h('form', { id: `${id}-form`, novalidate: true }, fields, err, btn);
  f.addEventListener('submit', async (e) => {
    e.preventDefault();
    btn.disabled = true;
    replace(err);
    try { await onSubmit(err); } catch (e2) { replace(err, errorBox(e2)); } finally { btn.disabled = false; }
  });
  return f;
}

function profile(u) {
  const first = h('input', { name: 'first_name', value: u.first_name, autocomplete: 'given-name' });
  const last = h('input', { name: 'last_name', value: u.last_name, autocomplete: 'family-name' });
  const tz = h('input', { name: 'timezone', value: u.timezone || '', placeholder: Intl.DateTimeFormat().resolvedOptions().timeZone });
  return section('profile', 'Profile', h('p', { class: 'hint' }, `${u.email} · ${u.role.replace('_', ' ')}`),
    form('profile', h('div', { class: 'form-grid' }, field('First name', first), field('Last name', last), field('Time zone', tz, 'IANA name')), 'Save profile', async () => {
      await api.put('/v2/user', { first_name: first.value, last_name: last.value, timezone: tz.value });
      document.getElementById('who-name').textContent = `${first.value} ${last.value}`.trim() || u.email;
      toast('Profile saved');
    }));
}

function password() {
  const cur = h('input', { name: 'current_password', type: 'password', autocomplete: 'current-password' });
  const pw = h('input', { name: 'password', type: 'password', autocomplete: 'new-password' });
  const pw2 = h('input', { name: 'password_confirmation', type: 'password', autocomplete: 'new-password' });
  return section('password', 'Password', form('password', [field('Current password', cur), field('New password', pw), field('Repeat the new password', pw2)], 'Change password', async () => {
    await api.put('/v2/user/password', { current_password: cur.value, password: pw.value, password_confirmation: pw2.value });
    cur.value = pw.value = pw2.value = '';
    toast('Password changed; your other sessions are signed out');
  }));
}

function accessToken() {
  const out = h('div', { 'aria-live': 'polite' });
  const gen = h('button', { type: 'button', class: 'btn' }, 'Generate a new access token');
  const rev = h('button', { type: 'button', class: 'btn btn-danger' }, 'Revoke');
  gen.addEventListener('click', async () => {
    try {
      const r = await api.put('/v2/user/generate_access_token');
      const code = h('code', { class: 'secret' }, r.access_token);
      replace(out, h('div', { class: 'alert alert-info' }, h('p', null, 'Your new access token, shown this once. Send it as ', h('code', null, 'Authorization: Basic <token>'), ' with an API key.'), code));
    } catch (e) { replace(out, errorBox(e)); }
  });
  rev.addEventListener('click', async () => {
    try { await api.del('/v2/user/access_token'); replace(out, h('p', { class: 'alert alert-ok' }, 'Access token revoked.')); } catch (e) { replace(out, errorBox(e)); }
  });
  return section('token', 'API access token', h('p', { class: 'hint' }, 'A long-lived token for scripts (one per user; a new one replaces the old).'), out, h('div', { class: 'row' }, gen, rev));
}

// twoFactor sets up, extends and turns off two-factor authentication: an
// authenticator app (TOTP) or text messages (SMS, to a number checked with
// lookup_phone first), the default method, and new recovery codes.
function twoFactor(codes, user) {
  const on = codes && codes.total > 0;
  const body = h('div');
  const showCodes = (list, lead) => h('div', { class: 'alert alert-ok' }, h('p', null, lead),
    h('ul', { class: 'codes' }, (list || []).map((c) => h('li', null, h('code', null, c)))));
  // While 2FA is on, adding a method needs a current code.
  const current = on ? h('input', { name: 'current_code', inputmode: 'numeric', autocomplete: 'one-time-code' }) : null;
  // With SMS on, a current code can be texted: /auth/send_sms_otp wants the password.
  const currentField = () => {
    if (!current) return null;
    const parts = [field('A current code from your authenticator app or a text message', current)];
    if ((codes.methods || []).includes('sms')) {
      const pw = h('input', { name: 'sms_password', type: 'password', autocomplete: 'current-password' });
      const send = h('button', { type: 'button', class: 'btn', id: 'twofa-send-sms' }, 'Text me a code');
      const sent = h('p', { class: 'hint', 'aria-live': 'polite' });
      send.addEventListener('click', async () => {
        try {
          const r = await api.post('/auth/send_sms_otp', { username: user.email, password: pw.value });
          sent.textContent = `A code went to ${r.phone}.`;
        } catch (e) { sent.textContent = e.message || 'The code could not be sent.'; }
      });
      parts.push(h('details', null, h('summary', null, 'No code at hand? Get one by text message'),
        field('Your password', pw), h('div', { class: 'row' }, send), sent));
    }
    return parts;
  };
  const verify = (lead) => {
    const code = h('input', { name: 'code', inputmode: 'numeric', autocomplete: 'one-time-code' });
    return form('verify', field(lead, code), 'Turn on', async () => {
      const v = await api.post('/v2/user/2fa/verify', { code: code.value.trim() });
      replace(body, showCodes(v.recovery_codes, 'The method is on. Keep these recovery codes somewhere safe; they are shown once:'));
    });
  };
  const totp = h('button', { type: 'button', class: 'btn btn-primary', id: 'twofa-totp' }, 'Set up an authenticator app');
  totp.addEventListener('click', () => {
    replace(body, form('totp', currentField(), 'Show the key', async () => {
      const r = await api.post('/v2/user/2fa/enable', { method: 'totp', code: current ? current.value.trim() : undefined });
      replace(body,
        h('p', null, 'Scan this code with your authenticator app, or enter the key by hand, then type the code it shows.'),
        h('img', { src: `data:image/png;base64,${r.qr_png_base64}`, alt: 'QR code of the authenticator key', width: 180, height: 180, class: 'qr' }),
        h('p', null, 'Key: ', h('code', { class: 'secret' }, r.secret)),
        verify('Code from the app'));
    }));
  });
  const sms = h('button', { type: 'button', class: 'btn', id: 'twofa-sms' }, 'Use text messages (SMS)');
  sms.addEventListener('click', () => {
    const phone = h('input', { name: 'phone', type: 'tel', autocomplete: 'tel', value: user.phone || '', placeholder: '+1 415 555 0100' });
    const checked = h('p', { class: 'hint', 'aria-live': 'polite' });
    phone.addEventListener('change', async () => {
      try {
        const r = await api.post('/v2/user/2fa/lookup_phone', { phone: phone.value.trim() });
        checked.textContent = r.valid ? `${r.e164} (${r.country})` : 'This is not a number a text message can reach.';
      } catch (e) { checked.textContent = e.message || 'The number could not be checked.'; }
    });
    replace(body, form('sms', [field('Mobile number, with its country code', phone), checked, currentField()], 'Send a code', async () => {
      const r = await api.post('/v2/user/2fa/enable', { method: 'sms', phone: phone.value.trim(), code: current ? current.value.trim() : undefined });
      replace(body, h('p', null, `A code went to ${r.phone}${r.expires_at ? `; it expires at ${fmtDate(r.expires_at)}` : ''}.`), verify('Code from the text message'));
    }));
  });
  if (on) {
    const pw = h('input', { name: 'password', type: 'password', autocomplete: 'current-password' });
    const code = h('input', { name: 'code', inputmode: 'numeric', autocomplete: 'one-time-code' });
    const label = { totp: 'Authenticator app', sms: 'Text message (SMS)' };
    const active = codes.methods || [];
    const method = h('select', { name: 'default_method' },
      active.map((m) => h('option', { value: m, selected: m === codes.default_method }, label[m] || m)));
    const methods = h('p', { class: 'hint', 'aria-live': 'polite' },
      `Active: ${active.map((m) => label[m] || m).join(', ') || '—'}; asked for first: ${label[codes.default_method] || '—'}.`);
    const fresh = h('button', { type: 'button', class: 'btn', id: 'twofa-new-codes' }, 'New recovery codes');
    const freshOut = h('div', { 'aria-live': 'polite' });
    fresh.addEventListener('click', async () => {
      try {
        const r = await api.post('/v2/user/2fa/recovery_codes');
        replace(freshOut, showCodes(r.recovery_codes, 'New recovery codes (the old ones no longer work), shown once:'));
      } catch (e) { replace(freshOut, errorBox(e)); }
    });
    replace(body, h('p', null, h('span', { class: 'badge st-ok' }, 'On'), ` ${codes.remaining} of ${codes.total} recovery codes left (generated ${fmtDate(codes.generated_at)}).`),
      methods,
      active.length > 1 ? form('default-2fa', field('Method asked for first at sign-in', method), 'Save', async () => {
        const r = await api.put('/v2/user/2fa/default_method', { method: method.value });
        methods.textContent = `Active: ${(r.methods || []).map((m) => label[m] || m).join(', ')}; asked for first: ${label[r.default_method] || r.default_method}.`;
        toast('Default method saved');
      }) : null,
      h('div', { class: 'row mt' }, fresh), freshOut,
      active.length < 2 ? h('details', null, h('summary', null, 'Add another method'),
        h('div', { class: 'row' }, active.includes('totp') ? null : totp, active.includes('sms') ? null : sms)) : null,
      h('details', null, h('summary', null, 'Turn two-factor authentication off'),
        form('disable-2fa', [field('Password', pw), field('Current code', code)], 'Turn off', async () => {
          await api.del('/v2/user/2fa', { password: pw.value, code: code.value.trim() });
          replace(body, h('p', { class: 'alert alert-ok' }, 'Two-factor authentication is off.'));
        })));
  } else {
    replace(body, h('p', null, h('span', { class: 'badge st-muted' }, 'Off'), ' Protect your account with a code from an authenticator app or a text message at sign-in.'),
      h('div', { class: 'row' }, totp, sms));
  }
  return section('twofa', 'Two-factor authentication', body);
}

function branding(w, admin) {
  const name = h('input', { name: 'company_name', value: w.company_name || '' });
  const primary = h('input', { name: 'primary_color', type: 'color', value: w.primary_color || '#1f4fd1' });
  const secondary = h('input', { name: 'secondary_color', type: 'color', value: w.secondary_color || '#0f766e' });
  const logo = h('input', { name: 'logo', type: 'file', accept: 'image/png,image/svg+xml' });
  const info = h('p', { class: 'hint' }, w.inherited_from ? 'Inherited from your partner organization.' : w.inherited ? 'Defaults: nothing set yet.' : 'Set for your organization.');
  if (!admin) {
    return section('branding', 'Branding', info, h('dl', { class: 'facts' }, h('dt', null, 'Company'), h('dd', null, w.company_name || '—'),
      h('dt', null, 'Primary colour'), h('dd', null, w.primary_color || '—')));
  }
  return section('branding', 'Branding (white label)', info,
    form('branding', h('div', { class: 'form-grid' }, h('div', { class: 'full' }, field('Company name', name)), field('Primary colour', primary), field('Accent colour', secondary),
      h('div', { class: 'full' }, field('Logo (PNG or SVG, up to 1 MiB)', logo))), 'Save branding', async () => {
      const body = { company_name: name.value, primary_color: primary.value, secondary_color: secondary.value };
      const file = logo.files[0];
      if (file) body.logo = await new Promise((resolve, reject) => { const r = new FileReader(); r.onload = () => resolve(r.result); r.onerror = reject; r.readAsDataURL(file); });
      const r = await api.put('/v2/whitelabel_settings', body);
      window.dispatchEvent(new CustomEvent('branding', { detail: r.whitelabel_settings }));
      toast('Branding saved');
    }));
}

const EVENTS = ['scan_started', 'scan_completed', 'scan_stopped', 'scan_failed', 'report_generated', 'vulnerability_found', 'exception_expired'];

async function webhooks() {
  const el = section('webhooks', 'Webhooks');
  const body = h('div');
  const out = h('div', { 'aria-live': 'polite' });
  el.append(h('p', { class: 'hint' }, 'POSTs signed with X-CG-Hook-Signature (HMAC-SHA256 of the body with the webhook\'s secret) when events happen.'), body);
  async function load() {
    let r;
    try { r = await api.get('/v2/webhooks?per_page=100'); } catch (e) { replace(body, errorBox(e)); return; }
    const name = h('input', { name: 'webhook_name' });
    const url = h('input', { name: 'webhook_url', type: 'url', placeholder: 'https://example.com/hooks/perimeter' });
    const boxes = EVENTS.map((ev) => h('input', { type: 'checkbox', name: 'events', value: ev, id: `ev-${ev}`, checked: ev === 'scan_completed' }));
    replace(body,
      h('div', { class: 'table-wrap' }, h('table', { id: 'webhooks-table' },
        h('thead', null, h('tr', null, ['Name', 'URL', 'Events', 'State', ''].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', null, r.webhooks.length ? r.webhooks.map((w) => h('tr', null,
          h('td', null, w.name), h('td', { class: 'mono' }, w.url), h('td', null, w.events.join(', ')),
          h('td', null, h('span', { class: `badge ${w.active ? 'st-ok' : 'st-muted'}` }, w.active ? 'active' : 'inactive'),
            w.deactivated_reason ? h('span', { class: 'sub' }, w.deactivated_reason) : null),
          h('td', { class: 'num' }, h('div', { class: 'row' },
            h('a', { class: 'btn btn-small', href: `/settings/webhooks/${w.id}`, 'aria-label': `Deliveries of ${w.name}` }, 'Deliveries'),
            h('button', { type: 'button', class: 'btn btn-small', onclick: async () => {
              try { await api.post(`/v2/webhooks/${w.id}/${w.active ? 'deactivate' : 'activate'}`); load(); } catch (e) { toast(e.message, 'error'); }
            } }, w.active ? 'Deactivate' : 'Activate'),
            h('button', { type: 'button', class: 'btn btn-small btn-danger', 'aria-label': `Delete webhook ${w.name}`, onclick: async () => {
              if (!window.confirm(`Delete webhook “${w.name}”?`)) return;
              try { await api.del(`/v2/webhooks/${w.id}`); load(); } catch (e) { toast(e.message, 'error'); }
            } }, 'Delete'))))) : h('tr', null, h('td', { colspan: 5, class: 'empty' }, 'No webhooks.'))))),
      h('h3', null, 'Add a webhook'),
      out,
      form('webhook', [h('div', { class: 'form-grid' }, field('Name', name), field('URL', url)),
        h('fieldset', { class: 'bare' }, h('legend', { class: 'label' }, 'Events'),
          h('div', { class: 'checks' }, EVENTS.map((ev, i) => h('label', { for: `ev-${ev}` }, boxes[i], ev.replace('_', ' ')))))], 'Add webhook', async () => {
        const w = (await api.post('/v2/webhooks', { name: name.value, url: url.value, events: boxes.filter((b) => b.checked).map((b) => b.value) })).webhook;
        await load();
        replace(out, h('div', { class: 'alert alert-info' }, h('p', null, `Webhook “${w.name}” added. Its signing secret, shown this once:`), h('code', { class: 'secret' }, w.secret)));
      }));
  }
  await load();
  return el;
}
