/**
 * One port, two doors (issue 13): a listening HTTP server that also accepts
 * TLS on the same port. Each new connection's first byte decides: 0x16 (a
 * TLS handshake record) goes to `tlsServer` (not listening itself), anything
 * else to the HTTP server as before. The supplier uses it so its Receive
 * Response Service is mutual TLS (the DSP's client certificate, as on the DCC
 * User Interface) while its consoles stay plain HTTP for a local browser.
 *
 * `close()` ends the TLS connections (an HTTP keep-alive agent holds them
 * open), so the HTTP server's own close does not wait for them.
 */
import type { Server as HttpServer } from 'node:http';
import type { Socket } from 'node:net';
import type { Server as TlsServer } from 'node:tls';
import { makeRoom } from '../../runtime/bounds.ts';
import type { Metrics } from '../../runtime/metrics.ts';

/** The first byte of a TLS record carrying a handshake (RFC 8446 5.1, ContentType handshake). */
const TLS_HANDSHAKE = 0x16;

export interface TlsSniffer {
  /** Destroys the connections handed to the TLS server and those still undecided. */
  close(): void;
  /** Connections that have not sent their first byte yet (bounded). */
  readonly undecided: number;
}

export function sniffTls(
  server: HttpServer,
  tlsServer: TlsServer,
  o: { maxUndecided?: number; metrics?: Metrics } = {},
): TlsSniffer {
  const plain = server.listeners('connection') as ((socket: Socket) => void)[];
  server.removeAllListeners('connection');
  const tlsSockets = new Set<Socket>();
  // Connections that have not sent their first byte yet belong to neither server: a speculative
  // browser pre-connect or a stalled client would otherwise keep the HTTP server's close() waiting.
  const undecided = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    // bounded (bounds.ts `http.undecided-connections`): a flood of silent connections ends the oldest
    makeRoom(undecided, 'http.undecided-connections', {
      capacity: o.maxUndecided,
      metrics: o.metrics,
      onEvict: (old) => old.destroy(),
    });
    undecided.add(socket);
    socket.once('close', () => undecided.delete(socket));
    const onReadable = (): void => {
      const first = socket.read(1) as Buffer | null;
      if (first === null) {
        socket.once('readable', onReadable);
        return;
      }
      undecided.delete(socket);
      socket.unshift(first);
      if (first[0] === TLS_HANDSHAKE) {
        tlsSockets.add(socket);
        socket.once('close', () => tlsSockets.delete(socket));
        tlsServer.emit('connection', socket);
      } else for (const l of plain) l.call(server, socket);
    };
    socket.once('readable', onReadable);
    socket.once('error', () => socket.destroy());
  });
  return {
    get undecided() {
      return undecided.size;
    },
    close() {
      for (const s of [...tlsSockets, ...undecided]) s.destroy();
      tlsSockets.clear();
      undecided.clear();
    },
  };
}
