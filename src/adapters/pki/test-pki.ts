/**
 * A test PKI for the internet leg's TLS (SECMP0038 PP-1: "MQTT over TLS with
 * a per-device client certificate"): a CA, a server certificate for
 * 127.0.0.1 / ::1 / localhost, and a client certificate per MQTT client id
 * (a PPMID's EUI, `supplier-<EUI>`), CN = the client id. P-256 ECDSA with
 * SHA-256, PEM out, keys from node:crypto's WebCrypto.
 *
 * This is the transport PKI of the demo and tests, not the SMKI of GBCS
 * (device and organisation certificates live with the GBCS code).
 *
 * With a `dir`, everything is persisted there (`ca.crt`, `ca.key`,
 * `server.crt`, `server.key`, `clients/<id>.crt|.key`; keys mode 0600) and
 * reused on the next start; without one it lives in memory.
 */
// tsyringe (under @peculiar/x509) needs the Reflect metadata API; this shim must load first.
import '../../gbcs/x509-runtime.ts';
import {
  createPrivateKey,
  createPublicKey,
  X509Certificate as NodeX509,
  randomBytes,
  webcrypto,
} from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { generateP256KeyPair } from '../../gbcs/crypto.ts';
import { PpmidRelayError } from '../../runtime/errors.ts';
import { Logger } from '../../runtime/logger.ts';
import { issueCrl } from './crl.ts';
import { CertificateRevocations, type RevokedCertificate } from './revocations.ts';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);
const subtle = webcrypto.subtle;
const log = Logger.get('pki');

const EC = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGN = { name: 'ECDSA', hash: 'SHA-256' } as const;
const DAY = 24 * 3600_000;

export class PkiError extends PpmidRelayError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('PKI', message, options);
  }
}

/** A certificate and its private key, PEM (key: PKCS#8). */
export interface PemCredentials {
  certPem: string;
  keyPem: string;
}

export interface TestPkiOptions {
  /** Persist to / reuse from this directory; omitted: in memory only. */
  dir?: string;
  /** Subject of the CA (default `ppmid-relay test CA`). Two PKIs with different CAs do not trust each other. */
  caName?: string;
  /** Time source for validity periods (default wall clock: TLS checks certificates against real time). */
  now?: () => number;
  /** Validity of leaf certificates in days (default 825). */
  leafDays?: number;
  /**
   * Issue 13, an external broker: also write the CA's CRL here (PEM, 0644,
   * replaced atomically) on every start and every revocation, e.g. where
   * Mosquitto's `crlfile` points (`MQTT_CRL_FILE`). With a `dir` the CRL is
   * always written to `<dir>/ca.crl` as well.
   */
  crlFile?: string;
}

export interface IssueOptions {
  /** Subject CN (default: the client id). Tests use another CN to prove the broker checks it. */
  commonName?: string;
  /** Extra DNS SANs. */
  dnsNames?: string[];
  /** Organisational unit, e.g. `PPMID` or `Supplier`. */
  unit?: string;
}

const CLIENT_ID_FILE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export class TestPki {
  private readonly clients = new Map<string, PemCredentials>();
  /** The CA's revocation list (`<dir>/revoked.json`; in memory without a dir). */
  readonly revocations: CertificateRevocations;

  private constructor(
    readonly caCertPem: string,
    private readonly caCert: x509.X509Certificate,
    private readonly caKey: CryptoKey,
    readonly server: PemCredentials,
    private readonly opts: Required<Pick<TestPkiOptions, 'now' | 'leafDays'>> & TestPkiOptions,
  ) {
    this.revocations = new CertificateRevocations(opts.dir ? join(opts.dir, 'revoked.json') : undefined);
    // every revocation made through this CA is published as a new CRL
    this.revocations.onRevoke(() => {
      this.publishCrl().catch(() => undefined);
    });
  }

  private crlChain: Promise<string> = Promise.resolve('');

  /**
   * Issues a CRL of the current revocation list (signed by the CA, X.509
   * PEM) and writes it to `<dir>/ca.crl` and `crlFile` (atomically: a broker
   * never reads half a file). Serialised: concurrent calls write in order.
   * Also called by itself on `open` and after each revocation.
   */
  publishCrl(): Promise<string> {
    const run = async (): Promise<string> => {
      const pem = await issueCrl({
        caCert: this.caCert,
        caKey: this.caKey,
        revoked: this.revocations.list(),
        thisUpdate: this.opts.now(),
      });
      for (const file of this.crlFiles()) {
        mkdirSync(dirname(file), { recursive: true });
        const tmp = `${file}.${process.pid}.tmp`;
        writeFileSync(tmp, pem, { mode: 0o644 });
        renameSync(tmp, file);
      }
      return pem;
    };
    this.crlChain = this.crlChain.then(run, run);
    this.crlChain.catch((err) => log.error('CRL not written', { error: String(err) }));
    return this.crlChain;
  }

  /** Resolves when every CRL publication asked for so far is written (its PEM). */
  crlWritten(): Promise<string> {
    return this.crlChain;
  }

  /** Where the CRL is written. */
  crlFiles(): string[] {
    return [
      ...(this.opts.dir ? [join(this.opts.dir, 'ca.crl')] : []),
      ...(this.opts.crlFile ? [this.opts.crlFile] : []),
    ];
  }

  /** Revokes a certificate this CA issued (replaced or compromised); a cached copy is forgotten. */
  revoke(certPem: string, reason: RevokedCertificate['reason']): RevokedCertificate {
    for (const [id, c] of this.clients) if (c.certPem === certPem) this.clients.delete(id);
    return this.revocations.revoke(certPem, reason, this.opts.now());
  }

  /** Opens the PKI in `opts.dir` (creating what is missing) or a fresh one in memory. */
  static async open(opts: TestPkiOptions = {}): Promise<TestPki> {
    const o = { now: opts.now ?? Date.now, leafDays: opts.leafDays ?? 825, ...opts };
    const dir = opts.dir;
    if (dir) mkdirSync(join(dir, 'clients'), { recursive: true });
    let ca: { cert: x509.X509Certificate; key: CryptoKey; pem: string };
    if (dir && existsSync(join(dir, 'ca.crt')) && existsSync(join(dir, 'ca.key'))) {
      const pem = readFileSync(join(dir, 'ca.crt'), 'utf8');
      const cert = new x509.X509Certificate(pem);
      if (cert.notAfter.getTime() <= o.now())
        throw new PkiError(
          `test CA in ${dir} expired on ${cert.notAfter.toISOString()}: delete the directory to make a new one`,
        );
      ca = { cert, pem, key: await importKey(readFileSync(join(dir, 'ca.key'), 'utf8')) };
    } else {
      ca = await createCa(opts.caName ?? 'ppmid-relay test CA', o.now());
      if (dir) {
        writeFileSync(join(dir, 'ca.crt'), ca.pem);
        writeFileSync(join(dir, 'ca.key'), await exportKey(ca.key), { mode: 0o600 });
        log.info('created test CA', { dir });
      }
    }
    const pki = new TestPki(ca.pem, ca.cert, ca.key, { certPem: '', keyPem: '' }, o);
    let server = dir ? pki.load(join(dir, 'server')) : undefined;
    if (!server) {
      server = await pki.issue('localhost', {
        kind: 'server',
        dnsNames: ['localhost'],
        ips: ['127.0.0.1', '::1'],
        unit: 'Broker',
      });
      if (dir) pki.save(join(dir, 'server'), server);
    }
    (pki as { server: PemCredentials }).server = server;
    if (pki.crlFiles().length) await pki.publishCrl();
    return pki;
  }

  /** The directory this PKI persists to, if any. */
  get dir(): string | undefined {
    return this.opts.dir;
  }

  /**
   * Client credentials for `clientId` (CN = clientId, EKU clientAuth), issued
   * once and then reused (and persisted with a `dir`).
   */
  async clientCredentials(clientId: string, unit?: string): Promise<PemCredentials> {
    if (!CLIENT_ID_FILE.test(clientId))
      throw new PkiError(`client id not usable in a certificate: ${JSON.stringify(clientId)}`);
    const cached = this.clients.get(clientId);
    if (cached) return cached;
    const base = this.opts.dir ? join(this.opts.dir, 'clients', clientId) : undefined;
    let creds = base ? this.load(base) : undefined;
    if (!creds) {
      creds = await this.issue(clientId, { kind: 'client', unit });
      if (base) this.save(base, creds);
    }
    this.clients.set(clientId, creds);
    return creds;
  }

  /**
   * SU-3 (issue 13): a client certificate for a key the device made itself.
   * The CSR's signature proves possession of its private key; the key must
   * be P-256; the subject is the CA's choice (CN = `clientId`), whatever the
   * CSR asked for. The private key never reaches the CA.
   */
  async signCsr(clientId: string, csrPem: string, unit?: string): Promise<string> {
    if (!CLIENT_ID_FILE.test(clientId))
      throw new PkiError(`client id not usable in a certificate: ${JSON.stringify(clientId)}`);
    let csr: x509.Pkcs10CertificateRequest;
    try {
      csr = new x509.Pkcs10CertificateRequest(csrPem);
    } catch (err) {
      throw new PkiError('the CSR is not a PKCS#10 request (PEM)', { cause: err });
    }
    const alg = csr.publicKey.algorithm as EcKeyAlgorithm;
    if (alg.name !== 'ECDSA' || alg.namedCurve !== 'P-256')
      throw new PkiError('the CSR key must be EC P-256');
    if (!(await csr.verify()))
      throw new PkiError('the CSR signature does not verify (no proof of possession)');
    const publicKey = await csr.publicKey.export(EC, ['verify']);
    return (await this.issue(clientId, { kind: 'client', unit, publicKey })).certPem;
  }

  /** Fresh client credentials with any subject (never cached or persisted): for negative tests. */
  async issueClient(clientId: string, o: IssueOptions = {}): Promise<PemCredentials> {
    return this.issue(o.commonName ?? clientId, { kind: 'client', dnsNames: o.dnsNames, unit: o.unit });
  }

  private load(base: string): PemCredentials | undefined {
    if (!existsSync(`${base}.crt`) || !existsSync(`${base}.key`)) return undefined;
    const creds = {
      certPem: readFileSync(`${base}.crt`, 'utf8'),
      keyPem: readFileSync(`${base}.key`, 'utf8'),
    };
    // Reuse only a certificate this CA issued that is still valid for a while; otherwise re-issue.
    try {
      const c = new NodeX509(creds.certPem);
      const ca = new NodeX509(this.caCertPem);
      if (
        c.checkIssued(ca) &&
        c.verify(ca.publicKey) &&
        Date.parse(c.validTo) > this.opts.now() + 7 * DAY &&
        !this.revocations.isRevoked(c.serialNumber)
      )
        return creds;
    } catch {
      // unreadable: re-issue
    }
    return undefined;
  }

  private save(base: string, creds: PemCredentials): void {
    writeFileSync(`${base}.crt`, creds.certPem);
    writeFileSync(`${base}.key`, creds.keyPem, { mode: 0o600 });
  }

  private async issue(
    commonName: string,
    o: {
      kind: 'server' | 'client';
      dnsNames?: string[];
      ips?: string[];
      unit?: string;
      publicKey?: CryptoKey;
    },
  ): Promise<PemCredentials> {
    const keys: Pick<CryptoKeyPair, 'publicKey'> & { privateKey?: CryptoKey } = o.publicKey
      ? { publicKey: o.publicKey }
      : ((await subtle.generateKey(EC, true, ['sign', 'verify'])) as CryptoKeyPair);
    const now = this.opts.now();
    const names: x509.JsonGeneralName[] = [
      ...(o.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
      ...(o.ips ?? []).map((value) => ({ type: 'ip' as const, value })),
    ];
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial(),
      subject: dn(commonName, o.unit),
      issuer: this.caCert.subject,
      notBefore: new Date(now - 3600_000),
      notAfter: new Date(now + this.opts.leafDays * DAY),
      signingAlgorithm: SIGN,
      publicKey: keys.publicKey,
      signingKey: this.caKey,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension(
          [o.kind === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth],
          false,
        ),
        ...(names.length ? [new x509.SubjectAlternativeNameExtension(names, false)] : []),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
        await x509.AuthorityKeyIdentifierExtension.create(this.caCert.publicKey),
      ],
    });
    return { certPem: cert.toString('pem'), keyPem: keys.privateKey ? await exportKey(keys.privateKey) : '' };
  }
}

/**
 * A device's side of SU-3 (issue 13): a PKCS#10 request for its own P-256
 * key (PKCS#8 PEM), signed with that key. Only the request leaves the device.
 */
export async function createCsr(commonName: string, keyPem: string): Promise<string> {
  const der = Buffer.from(
    keyPem.replace(/-----(BEGIN|END) PRIVATE KEY-----/g, '').replace(/\s+/g, ''),
    'base64',
  );
  const node = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(node).export({ type: 'spki', format: 'der' });
  const keys = {
    privateKey: await subtle.importKey('pkcs8', der, EC, false, ['sign']),
    publicKey: await subtle.importKey('spki', spki, EC, true, ['verify']),
  };
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: dn(commonName),
    keys: keys as CryptoKeyPair,
    signingAlgorithm: SIGN,
  });
  return csr.toString('pem');
}

/** A fresh P-256 private key (PKCS#8 PEM), as a device makes its own. */
export function generateDeviceKeyPem(): string {
  // not generateKeyPairSync('ec'): it can deadlock Node 20 under GC (gbcs/crypto.ts)
  return generateP256KeyPair().privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

async function createCa(name: string, now: number) {
  const keys = (await subtle.generateKey(EC, true, ['sign', 'verify'])) as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: dn(name, 'Test CA'),
    notBefore: new Date(now - 3600_000),
    notAfter: new Date(now + 3650 * DAY),
    signingAlgorithm: SIGN,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert, key: keys.privateKey, pem: cert.toString('pem') };
}

/** A DN; values are escaped so a client id can never inject extra RDNs. */
function dn(commonName: string, unit?: string): string {
  const esc = (v: string) => v.replace(/([,+"\\<>;=#])/g, '\\$1');
  return `CN=${esc(commonName)}${unit ? `, OU=${esc(unit)}` : ''}, O=ppmid-relay test PKI`;
}

/** Positive 128-bit serial (RFC 5280 4.1.2.2: at most 20 octets, positive). */
function serial(): string {
  const b = randomBytes(16);
  b[0] &= 0x7f;
  b[0] |= 0x01;
  return b.toString('hex');
}

async function exportKey(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await subtle.exportKey('pkcs8', key));
  const b64 = der
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '');
  return `-----BEGIN PRIVATE KEY-----\n${b64}\n-----END PRIVATE KEY-----\n`;
}

async function importKey(pem: string): Promise<CryptoKey> {
  const b64 = pem.replace(/-----(BEGIN|END) PRIVATE KEY-----/g, '').replace(/\s+/g, '');
  try {
    return await subtle.importKey('pkcs8', Buffer.from(b64, 'base64'), EC, true, ['sign']);
  } catch (err) {
    throw new PkiError('cannot read the test CA key (expected a P-256 PKCS#8 PEM)', { cause: err });
  }
}
