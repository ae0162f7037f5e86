// The one way the site talks to its API (same origin, under /api/).
// Every answer is JSON; every failure, whether the API's own error body,
// the gateway's bare {"message"}, a proxy's text or no network at all,
// comes out as one ApiError so the sections handle a single shape.

export class ApiError extends Error {
  constructor(status, code, message, field = null, retryAfter = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status; // 0 when the request never got an answer
    this.code = code; // the API's error.code, or our own for the cases above
    this.field = field; // the input a validation_failed is about, if any
    this.retryAfter = retryAfter; // seconds, from Retry-After, for a 429
  }
}

// Retry-After is seconds or an HTTP date; either way we want seconds.
function retryAfterSeconds(value) {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

async function errorFrom(res) {
  let body = null;
  try {
    body = await res.json();
  } catch {
    // Not JSON (a proxy's page, an empty body): the status will have to do.
  }
  const retryAfter = retryAfterSeconds(res.headers.get('Retry-After'));
  const e = body && typeof body === 'object' ? body.error : null;
  if (e && typeof e === 'object') {
    return new ApiError(
      res.status,
      String(e.code || 'error'),
      String(e.message || `request failed (${res.status})`),
      typeof e.field === 'string' ? e.field : null,
      retryAfter,
    );
  }
  const fallback = res.status >= 500
    ? 'The server could not answer just now; please try again.'
    : `The request failed (HTTP ${res.status}).`;
  return new ApiError(res.status, `http_${res.status}`, fallback, null, retryAfter);
}

// request('POST', '/api/chat', {message}) → the parsed JSON body.
export async function request(method, path, body, headers = {}) {
  const init = { method, headers: { Accept: 'application/json', ...headers } };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch {
    throw new ApiError(0, 'network', 'Could not reach the server; check your connection and try again.');
  }
  if (!res.ok) throw await errorFrom(res);
  try {
    return await res.json();
  } catch {
    throw new ApiError(res.status, 'bad_response', 'The server sent an answer we could not read.');
  }
}

// A write the visitor means once (a comment, a chat message, a video's
// registration): sent with an Idempotency-Key, and sent again with the
// same key when no answer came back or the server said "not now", so a
// retry never writes twice. At most three tries, waiting as told.
const RETRIED = new Set([0, 502, 503, 504]);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export async function write(path, body) {
  const headers = { 'Idempotency-Key': newKey() };
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await request('POST', path, body, headers);
    } catch (e) {
      const again = RETRIED.has(e.status) || e.code === 'request_in_progress';
      if (!again || attempt === 3) throw e;
      await sleep(1000 * Math.min(e.retryAfter || attempt, 5));
    }
  }
}

// Path segments are always encoded: a slug, an id or a date never becomes
// a path of its own.
export const seg = (value) => encodeURIComponent(String(value));
