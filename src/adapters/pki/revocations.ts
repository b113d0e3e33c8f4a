/**
 * Certificate revocation for the test PKIs (issue 13): a PPMID's MQTT client
 * certificate that was replaced (SU-3 `replace`) or revoked by an operator,
 * and a DCC user's TLS certificate, must no longer open a connection. The
 * CA keeps a revocation list (serial numbers, as a CRL would), persisted
 * next to its key (`revoked.json`, 0600) so every process of the data
 * directory sees it; the servers that trust the CA ask it on each handshake
 * (`isRevoked`) and drop live connections of a certificate revoked while
 * connected (`onRevoke`).
 */
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { Logger } from '../../runtime/logger.ts';

const log = Logger.get('pki:revocations');

export interface RevokedCertificate {
  /** upper-case hex, as node's X509Certificate.serialNumber */
  serial: string;
  subject: string;
  reason: 'replaced' | 'revoked' | 'key-compromise';
  at: number;
}

/** What a TLS server needs of a revocation list. */
export interface RevocationCheck {
  isRevoked(serial: string): boolean;
  /** Called for each certificate revoked from now on; returns a function that removes the listener. */
  onRevoke(listener: (r: RevokedCertificate) => void): () => void;
}

export function certificateSerial(certPem: string): string {
  return new X509Certificate(certPem).serialNumber.toUpperCase();
}

export class CertificateRevocations implements RevocationCheck {
  private readonly revoked = new Map<string, RevokedCertificate>();
  private readonly listeners = new Set<(r: RevokedCertificate) => void>();
  private loadedMtime = 0;

  /** `file`: where the list is kept; omitted: in memory only. */
  constructor(private readonly file?: string) {
    this.reload();
  }

  /** Re-reads the list when another process of the data directory changed it. */
  private reload(): void {
    if (!this.file || !existsSync(this.file)) return;
    const mtime = statSync(this.file).mtimeMs;
    if (mtime === this.loadedMtime) return;
    try {
      const list = JSON.parse(readFileSync(this.file, 'utf8')) as RevokedCertificate[];
      for (const r of list) if (typeof r.serial === 'string') this.revoked.set(r.serial.toUpperCase(), r);
      this.loadedMtime = mtime;
    } catch (err) {
      // An unreadable list must not let a revoked certificate in: keep what is known, say so.
      log.error('revocation list unreadable; the entries known so far stay in force', {
        file: this.file,
        error: String(err),
      });
    }
  }

  isRevoked(serial: string): boolean {
    this.reload();
    return this.revoked.has(serial.toUpperCase());
  }

  list(): RevokedCertificate[] {
    this.reload();
    return [...this.revoked.values()];
  }

  /** Revokes a certificate (idempotent); persisted before it returns, then every listener is told. */
  revoke(certPem: string, reason: RevokedCertificate['reason'], at = Date.now()): RevokedCertificate {
    const cert = new X509Certificate(certPem);
    const serial = cert.serialNumber.toUpperCase();
    this.reload();
    const known = this.revoked.get(serial);
    if (known) return known;
    const r: RevokedCertificate = { serial, subject: cert.subject.replace(/\n/g, ', '), reason, at };
    this.revoked.set(serial, r);
    if (this.file) {
      writeFileSync(this.file, JSON.stringify([...this.revoked.values()], null, 1), { mode: 0o600 });
      this.loadedMtime = statSync(this.file).mtimeMs;
    }
    log.warn('certificate revoked', { serial, subject: r.subject, reason });
    for (const l of this.listeners) {
      try {
        l(r);
      } catch (err) {
        log.error('revocation listener threw', { error: String(err) });
      }
    }
    return r;
  }

  onRevoke(listener: (r: RevokedCertificate) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
