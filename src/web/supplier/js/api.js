// The supplier API as the console uses it. Errors carry the API's own words
// (`{error, message}`), so the page can show them as they are.

let base = '';

export function setApiBase(b) {
  base = (b || '').replace(/\/+$/, '');
}

export function apiUrl(path) {
  return `${base}${path}`;
}

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** fetch + JSON; throws ApiError with the server's code and message. */
export async function api(path, opts = {}) {
  let r;
  try {
    r = await fetch(path.startsWith('/api/') ? apiUrl(path) : path, opts);
  } catch {
    throw new ApiError(
      0,
      'UNREACHABLE',
      'The supplier service did not answer. Is it running? Retry in a moment.',
    );
  }
  const isJson = r.headers.get('content-type')?.includes('json');
  const body = isJson ? await r.json().catch(() => null) : await r.text();
  if (!r.ok) {
    const code = body && typeof body === 'object' && body.error ? body.error : `HTTP_${r.status}`;
    const message =
      body && typeof body === 'object' && body.message
        ? body.message
        : `the server answered HTTP ${r.status}${typeof body === 'string' && body ? `: ${body.slice(0, 200)}` : ''}`;
    throw new ApiError(r.status, code, message);
  }
  return body;
}

export function postJson(path, data) {
  return api(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(data),
  });
}
