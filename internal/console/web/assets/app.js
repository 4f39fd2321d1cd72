// The console's shell: session start, sign-in (with the second factor when
// the API asks for it), sign-out, session expiry, routing (History API) and
// white-label branding.
import * as api from './api.js';
import { h, replace, field, errorBox, announce } from './dom.js';

const main = document.getElementById('main');
const state = { user: null, expiryTimer: 0, page: null, notice: '' };

// Pages load on first use, so the dashboard does not wait for the others.
const routes = [
  [/^\/$/, 'dashboard', () => import('./dashboard.js').then((m) => m.dashboard)],
  [/^\/scans$/, 'scans', () => import('./scans.js').then((m) => m.scanList)],
  [/^\/scans\/new$/, 'scans', () => import('./wizard.js').then((m) => m.wizard)],
  [/^\/scans\/([^/]+)$/, 'scans', () => import('./scans.js').then((m) => m.scanDetail)],
  [/^\/scans\/([^/]+)\/runs\/([^/]+)$/, 'scans', () => import('./scans.js').then((m) => m.scanDetail)],
  [/^\/findings$/, 'findings', () => import('./findings.js').then((m) => m.findingList)],
  [/^\/findings\/([^/]+)$/, 'findings', () => import('./findings.js').then((m) => m.findingDetail)],
  [/^\/targets$/, 'targets', () => import('./targets.js').then((m) => m.targets)],
  [/^\/hosts$/, 'hosts', () => import('./hosts.js').then((m) => m.hostList)],
  [/^\/hosts\/([^/]+)$/, 'hosts', () => import('./hosts.js').then((m) => m.hostDetail)],
  [/^\/exceptions$/, 'exceptions', () => import('./exceptions.js').then((m) => m.exceptionList)],
  [/^\/exceptions\/([^/]+)$/, 'exceptions', () => import('./exceptions.js').then((m) => m.exceptionDetail)],
  [/^\/port-lists$/, 'port-lists', () => import('./portlists.js').then((m) => m.portLists)],
  [/^\/schedules$/, 'schedules', () => import('./schedules.js').then((m) => m.schedules)],
  [/^\/scanners$/, 'scanners', () => import('./scanners.js').then((m) => m.scanners)],
  [/^\/notifications$/, 'notifications', () => import('./notifications.js').then((m) => m.notifications)],
  [/^\/audit$/, 'audit', () => import('./audit.js').then((m) => m.auditLog)],
  [/^\/settings\/webhooks\/([^/]+)$/, 'settings', () => import('./deliveries.js').then((m) => m.deliveries)],
  [/^\/reports$/, 'reports', () => import('./reports.js').then((m) => m.reports)],
  [/^\/settings$/, 'settings', () => import('./settings.js').then((m) => m.settings)],
];

// navigate shows path (pushing it on the history unless replace).
export function navigate(path, { replace: rep = false } = {}) {
  if (rep) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  render();
}

// A page gets a context: where to draw, its path parameters, and cleanup
// for timers (polling stops when the user leaves the page).
function newContext(params) {
  const cleanups = [];
  return {
    main, params, query: new URLSearchParams(location.search), user: state.user,
    onLeave: (fn) => cleanups.push(fn),
    leave: () => cleanups.splice(0).forEach((fn) => fn()),
    active: true,
    navigate,
    title(t) { document.title = `${t} · ${brandName()}`; },
  };
}

async function render() {
  if (state.page) { state.page.active = false; state.page.leave(); }
  if (!state.user) return showSignIn();
  const path = location.pathname;
  if (path === '/signin') return navigate('/', { replace: true });
  for (const [re, nav, load] of routes) {
    const m = path.match(re);
    if (!m) continue;
    markNav(nav);
    setMenu(false);
    refreshUnread(nav === 'notifications');
    const ctx = newContext(m.slice(1).map(decodeURIComponent));
    state.page = ctx;
    try {
      const page = await load();
      if (!ctx.active) return;
      // Shown until the page draws (detail pages wait for their record).
      replace(main, h('p', { class: 'loading', role: 'status' }, 'Loading…'));
      await page(ctx);
    } catch (err) {
      if (err instanceof api.ApiError && err.status === 401) return;
      if (ctx.active) replace(main, h('h1', null, 'Something went wrong'), errorBox(err));
    }
    focusHeading();
    return;
  }
  markNav('');
  document.title = `Not found · ${brandName()}`;
  replace(main, h('h1', { tabindex: '-1' }, 'Page not found'), h('p', null, h('a', { href: '/' }, 'Back to the dashboard')));
  focusHeading();
}

function focusHeading() {
  const h1 = main.querySelector('h1');
  if (h1) { h1.tabIndex = -1; h1.focus({ preventScroll: true }); }
}

function markNav(name) {
  for (const a of document.querySelectorAll('[data-nav]')) {
    if (a.dataset.nav === name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

function brandName() {
  return document.getElementById('brand-name').textContent || 'Perimeter';
}

// Links inside the console navigate without reloading.
document.addEventListener('click', (e) => {
  const a = e.target.closest('a');
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const href = a.getAttribute('href');
  if (href && href.startsWith('#')) { // the skip link: move focus, keep the URL
    const target = document.getElementById(href.slice(1));
    if (target) { e.preventDefault(); target.focus(); }
    return;
  }
  if (!href || !href.startsWith('/') || href.startsWith('//') || a.hasAttribute('download') || a.target) return;
  if (/^\/(v2|auth|docs|openapi\.json|console)(\/|$)/.test(href)) return;
  e.preventDefault();
  navigate(href);
});
window.addEventListener('popstate', render);

// --- Session ---------------------------------------------------------------

function setShell(signedIn) {
  document.getElementById('nav').hidden = !signedIn;
  document.getElementById('nav-toggle').hidden = !signedIn;
  setMenu(false);
  document.getElementById('who').hidden = !signedIn;
  document.getElementById('layout').classList.toggle('signed-out', !signedIn);
  if (signedIn) {
    const u = state.user;
    document.getElementById('who-name').textContent = [u.first_name, u.last_name].filter(Boolean).join(' ') || u.email;
    document.getElementById('who-role').textContent = `${u.email} · ${u.role.replace('_', ' ')}`;
    document.getElementById('nav-audit').hidden = !['admin', 'superadmin'].includes(u.role);
  }
}

// Below 900 px the navigation folds into a menu button (CSS shows the
// button and hides the closed menu); choosing a page closes it again.
function setMenu(open) {
  document.getElementById('sidebar').classList.toggle('open', open);
  document.getElementById('nav-toggle').setAttribute('aria-expanded', String(open));
}
document.getElementById('nav-toggle').addEventListener('click', () => {
  setMenu(!document.getElementById('sidebar').classList.contains('open'));
});
document.getElementById('sidebar').addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && document.getElementById('sidebar').classList.contains('open')) {
    setMenu(false);
    document.getElementById('nav-toggle').focus();
  }
});

// The unread count beside "Notifications", refreshed at most every 30 s as
// the user moves between pages (and at once on the notifications page).
let unreadAt = 0;
export async function refreshUnread(force = false) {
  if (!state.user || (!force && Date.now() - unreadAt < 30000)) return;
  unreadAt = Date.now();
  try {
    const r = await api.get('/v2/notifications?per_page=1&q[read]=false');
    const el = document.getElementById('unread');
    el.textContent = r.unread_count ? String(r.unread_count) : '';
    el.hidden = !r.unread_count;
    el.setAttribute('aria-label', `${r.unread_count} unread`);
  } catch { /* the count is a hint; the page itself shows errors */ }
}

function started(user, expiresAt) {
  state.user = user;
  clearTimeout(state.expiryTimer);
  const ms = new Date(expiresAt) - Date.now();
  if (ms > 0 && ms < 2 ** 31) state.expiryTimer = setTimeout(() => expired(), ms + 1000);
  setShell(true);
  loadBranding();
}

function expired() {
  if (!state.user) return;
  api.clearSession();
  endSession('Your session has expired. Please sign in again.');
}

function endSession(notice, { comeBack = true } = {}) {
  clearTimeout(state.expiryTimer);
  document.getElementById('toast').hidden = true;
  if (state.page) { state.page.active = false; state.page.leave(); state.page = null; }
  state.user = null;
  state.notice = notice;
  setShell(false);
  const back = location.pathname === '/signin' || !comeBack ? '' : location.pathname + location.search;
  history.replaceState(null, '', back && back !== '/' ? `/signin?next=${encodeURIComponent(back)}` : '/signin');
  showSignIn();
}

api.setExpiredHandler(expired);

document.getElementById('sign-out').addEventListener('click', async () => {
  await api.signOut();
  endSession('You have signed out.', { comeBack: false });
  announce('Signed out');
});

function showSignIn() {
  document.title = `Sign in · ${brandName()}`;
  markNav('');
  let twoFactor = null; // {methods} once the API asked for a code
  let recovery = false;
  const notice = state.notice;
  state.notice = '';
  const err = h('div', { id: 'signin-error' });
  const user = h('input', { name: 'username', type: 'email', autocomplete: 'username', required: true });
  const pass = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const code = h('input', { name: 'otp_code', inputmode: 'numeric', autocomplete: 'one-time-code', pattern: '[0-9]*', maxlength: 8 });
  const rcode = h('input', { name: 'recovery_code', autocomplete: 'off' });
  const codeBox = h('div', { class: 'twofa', hidden: true });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-wide' }, 'Sign in');
  const form = h('form', { class: 'signin-form', novalidate: true, 'aria-describedby': 'signin-error' },
    field('E-mail', user), field('Password', pass), codeBox, err, submit);

  function showCode() {
    const sms = twoFactor.methods.includes('sms');
    replace(codeBox,
      h('p', { class: 'hint' }, recovery ? 'Enter one of your recovery codes.' : 'Two-factor authentication is on for this account. Enter the code from your authenticator app' + (sms ? ' or from the SMS.' : '.')),
      recovery ? field('Recovery code', rcode) : field('Verification code', code),
      h('div', { class: 'row' },
        sms && !recovery ? h('button', { type: 'button', class: 'btn btn-quiet', onclick: sendSMS }, 'Send a code by SMS') : null,
        h('button', { type: 'button', class: 'btn btn-quiet', onclick: () => { recovery = !recovery; showCode(); } },
          recovery ? 'Use a verification code' : 'Use a recovery code')));
    codeBox.hidden = false;
    (recovery ? rcode : code).focus();
  }

  async function sendSMS() {
    try {
      await api.post('/auth/send_sms_otp', { username: user.value, password: pass.value });
      replace(err, h('p', { class: 'alert alert-info', role: 'status' }, 'A code is on its way to your phone.'));
    } catch (e) { replace(err, errorBox(e)); }
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!user.value || !pass.value) {
      replace(err, h('p', { class: 'alert alert-error', role: 'alert' }, 'Enter your e-mail and password.'));
      return;
    }
    submit.disabled = true;
    replace(err);
    const creds = { username: user.value.trim(), password: pass.value };
    if (twoFactor && !recovery && code.value) creds.otp_code = code.value.trim();
    if (twoFactor && recovery) creds.recovery_code = rcode.value.trim();
    try {
      const s = await api.signIn(creds, twoFactor && recovery);
      const next = new URLSearchParams(location.search).get('next');
      started(s.user, s.expiresAt);
      announce('Signed in');
      navigate(next && next.startsWith('/') && !next.startsWith('//') ? next : '/', { replace: true });
    } catch (e2) {
      if (e2.status === 401 && e2.body.two_factor_required) {
        const first = !twoFactor;
        twoFactor = { methods: e2.body.methods || ['totp'] };
        showCode();
        if (!first) replace(err, h('p', { class: 'alert alert-error', role: 'alert' }, 'That code is not valid. Try again.'));
      } else if (e2.status === 429) {
        replace(err, h('p', { class: 'alert alert-error', role: 'alert' }, `${e2.message}.`));
      } else {
        replace(err, h('p', { class: 'alert alert-error', role: 'alert' }, e2.status === 401 ? 'Wrong e-mail or password.' : e2.message));
      }
    } finally {
      submit.disabled = false;
    }
  });

  replace(main, h('section', { class: 'signin' },
    h('div', { class: 'signin-card' },
      h('h1', null, `Sign in to ${brandName()}`),
      notice ? h('p', { class: 'alert alert-info', role: 'status' }, notice) : null,
      form,
      h('p', { class: 'hint' }, 'Scripts and integrations use the same API: see ', h('a', { href: '/docs' }, 'the API documentation'), '.'))));
  user.focus();
}

// --- Branding --------------------------------------------------------------

// applyBranding sets the white-label colours (CSS custom properties), name
// and logo (a data: URL; nothing is fetched from elsewhere).
function applyBranding(w) {
  if (!w) return;
  const root = document.documentElement.style;
  const hex = /^#[0-9a-fA-F]{6}$/;
  if (hex.test(w.primary_color || '')) {
    const c = w.primary_color.toLowerCase();
    root.setProperty('--primary', c);
    // Text on the brand colour: white or black, whichever contrasts more
    // (WCAG 2). Pure black, because with any lighter dark text a mid-tone
    // brand colour (luminance about 0.2) stays under 4.5:1 with both.
    root.setProperty('--on-primary', contrast(c, '#ffffff') >= contrast(c, INK) ? '#ffffff' : INK);
    // Links and quiet buttons use the brand colour as text on white panels:
    // darkened until it reaches 4.5:1 (a light brand colour stays its hue).
    root.setProperty('--link', readableOn(c, '#ffffff'));
  }
  if (hex.test(w.secondary_color || '')) root.setProperty('--accent', w.secondary_color);
  if (w.company_name) {
    document.getElementById('brand-name').textContent = w.company_name;
    document.title = document.title.replace(/ · .*$/, ` · ${w.company_name}`);
  }
  if (w.logo && /^image\/(png|svg\+xml)$/.test(w.logo_type || '')) {
    document.getElementById('brand-logo').src = w.logo.startsWith('data:') ? w.logo : `data:${w.logo_type};base64,${w.logo}`;
  }
}

window.addEventListener('branding', (e) => applyBranding(e.detail));

const INK = '#000000';

// luminance is the relative luminance of #rrggbb (WCAG 2).
export function luminance(hex) {
  const c = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
  return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
}

export function contrast(a, b) {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}

// readableOn darkens fg in 5 % steps until it has 4.5:1 against bg.
export function readableOn(fg, bg) {
  let rgb = [1, 3, 5].map((i) => parseInt(fg.slice(i, i + 2), 16));
  const hexOf = (v) => `#${v.map((n) => Math.round(n).toString(16).padStart(2, '0')).join('')}`;
  for (let i = 0; i < 60 && contrast(hexOf(rgb), bg) < 4.5; i++) rgb = rgb.map((n) => n * 0.95);
  return hexOf(rgb);
}

async function loadBranding() {
  try { applyBranding((await api.get('/v2/whitelabel_settings')).whitelabel_settings); } catch { /* defaults */ }
}

async function loadPublicBranding() {
  try { applyBranding((await api.get(`/v2/whitelabel_settings/public${api.qs({ domain: location.hostname })}`)).whitelabel_settings); } catch { /* defaults */ }
}

// --- Start -----------------------------------------------------------------

async function start() {
  try {
    await api.loadConfig();
  } catch (e) {
    replace(main, h('h1', null, 'The console cannot reach the server'), errorBox(e));
    return;
  }
  try {
    const expiresAt = await api.resume();
    const { user } = await api.get('/v2/user');
    started(user, expiresAt);
  } catch {
    loadPublicBranding();
    if (location.pathname !== '/signin') {
      const back = location.pathname + location.search;
      history.replaceState(null, '', back !== '/' ? `/signin?next=${encodeURIComponent(back)}` : '/signin');
    }
  }
  render();
}

start();
