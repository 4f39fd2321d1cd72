// The console's API client. It uses only the public API: every request
// carries the console's API key (GET /console/config); once signed in, the
// session token lives in an HttpOnly cookie the page cannot read, and
// requests prove they come from this page with the X-CSRF-Token the server
// returned (POST /console/session). No token is kept in JavaScript after
// sign-in, in the URL, or in localStorage/sessionStorage.

let apiKey = '';
let csrf = '';
let onExpired = () => {};

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || `Request failed (${status})`);
    this.status = status;
    this.body = body || {};
    this.fields = this.body.errors || null;
  }
}

export async function loadConfig() {
  const r = await fetch('/console/config', { credentials: 'same-origin', cache: 'no-store' });
  if (!r.ok) throw new ApiError(r.status, null);
  apiKey = (await r.json()).api_key;
}

export function setExpiredHandler(fn) { onExpired = fn; }
export function signedIn() { return csrf !== ''; }
export function clearSession() { csrf = ''; }

// request sends one API request. body is JSON-encoded; opts.raw returns the
// Response (downloads); opts.bearer sends that token instead of the cookie.
export async function request(method, path, body, opts = {}) {
  const headers = { 'X-API-KEY': apiKey, Accept: 'application/json' };
  if (opts.bearer) headers.Authorization = `Bearer ${opts.bearer}`;
  else if (csrf) headers['X-CSRF-Token'] = csrf;
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const r = await fetch(path, init);
  if (r.ok && opts.raw) return r;
  let data = null;
  if ((r.headers.get('Content-Type') || '').includes('json')) data = await r.json().catch(() => null);
  if (!r.ok) {
    const err = new ApiError(r.status, data);
    if (r.status === 401 && csrf && !opts.bearer) {
      csrf = '';
      onExpired();
    }
    throw err;
  }
  return data;
}

export const get = (p, o) => request('GET', p, undefined, o);
export const post = (p, b, o) => request('POST', p, b ?? {}, o);
export const put = (p, b, o) => request('PUT', p, b ?? {}, o);
export const del = (p, b, o) => request('DELETE', p, b, o);

// qs builds a query string from an object, skipping empty values; filters
// go in as q[column].
export function qs(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === '' || v == null) continue;
    u.set(k, v);
  }
  const s = u.toString();
  return s ? `?${s}` : '';
}

// signIn runs the public sign-in, then hands the token to the server to keep
// in the cookie and forgets it. A 401 with two_factor_required comes back as
// an ApiError whose body says so.
export async function signIn(creds, recovery) {
  const path = recovery ? '/auth/sign_in_with_recovery_code' : '/auth/sign_in';
  const res = await request('POST', path, creds);
  const s = await request('POST', '/console/session', undefined, { bearer: res.token });
  csrf = s.csrf_token;
  return { user: res.user, expiresAt: s.expires_at };
}

// resume picks up the session of the cookie after a reload (401: none).
export async function resume() {
  const s = await request('GET', '/console/session');
  csrf = s.csrf_token;
  return s.expires_at;
}

export async function signOut() {
  try { await request('DELETE', '/auth/sign_out'); } catch { /* expired already */ }
  csrf = '';
  await request('DELETE', '/console/session').catch(() => {});
}
