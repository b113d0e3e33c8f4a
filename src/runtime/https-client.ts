/**
 * HTTPS with a client certificate, for the DCC User Interface (issue 13:
 * DUIS over TLS with the user's certificate, as the DCC User Interface
 * uses it). Node's global fetch takes no client certificate, so this is a
 * small fetch-shaped client over node:https with one keep-alive agent per
 * identity: `tlsFetch(o)` returns a function with fetch's call shape (URL,
 * method, headers, string body, AbortSignal) answering a standard Response.
 * Plain `http:` URLs are refused: the identity must not go out unencrypted.
 */
import { Agent, request } from 'node:https';
import { PpmidRelayError } from './errors.ts';

export interface TlsClientIdentity {
  /** The user's certificate (PEM) and its private key (PKCS#8 PEM); omitted: no client certificate (an operator). */
  certPem?: string;
  keyPem?: string;
  /** The CA the server's certificate must chain to (PEM). */
  caPem: string;
}

export type FetchLike = (url: string | URL, init?: RequestInit) => Promise<Response>;

export function tlsFetch(id: TlsClientIdentity): FetchLike & { close(): void } {
  const agent = new Agent({
    ...(id.certPem && id.keyPem ? { cert: id.certPem, key: id.keyPem } : {}),
    ca: id.caPem,
    keepAlive: true,
    maxSockets: 16,
  });
  const f = (url: string | URL, init: RequestInit = {}): Promise<Response> => {
    const u = new URL(String(url));
    if (u.protocol !== 'https:')
      return Promise.reject(
        new PpmidRelayError('TLS_REQUIRED', `${u.href}: the DCC User Interface is https only`),
      );
    return new Promise<Response>((resolve, reject) => {
      const headers: Record<string, string> = {};
      new Headers(init.headers).forEach((v, k) => {
        headers[k] = v;
      });
      const req = request(
        u,
        { method: init.method ?? 'GET', headers, agent, signal: init.signal ?? undefined },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const h = new Headers();
            for (const [k, v] of Object.entries(res.headers))
              if (v !== undefined) h.set(k, Array.isArray(v) ? v.join(', ') : String(v));
            const status = res.statusCode ?? 0;
            const body = status === 204 || status === 304 ? null : Buffer.concat(chunks);
            resolve(new Response(body, { status, headers: h }));
          });
        },
      );
      req.on('error', reject);
      req.end(typeof init.body === 'string' || init.body instanceof Uint8Array ? init.body : undefined);
    });
  };
  return Object.assign(f, { close: () => agent.destroy() });
}
