/**
 * GBCS certificates and key stores.
 *
 * A GBCS certificate binds one P-256 key to one EUI for one use (GBCS 4.3):
 * Key Agreement (KA, keyUsage keyAgreement) or Digital Signing (DS, keyUsage
 * digitalSignature). Device certificates carry the EUI in the
 * subjectAltName as a HardwareModuleName (otherName 1.3.6.1.5.5.7.8.4,
 * hwSerialNum = the 8-byte EUI) and have an empty subject; remote-party
 * certificates carry it in the subject's x500UniqueIdentifier (2.5.4.45, a
 * BIT STRING holding the 8 bytes) with the remote-party role in the OU
 * (GBCS.md 5: 2 supplier, 3 network operator, 4 ACB, ...).
 *
 * The KeyStore interface is what every security check reads; MemoryKeyStore
 * is the implementation others add keys to; `keyStoreFromFiles` builds one
 * from files named in the RTDS layout `<eui>[-pp]-<ka|ds>.<pem|key>` (pure;
 * the directory loader is in keystore-dir.ts).
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';
import type * as x509 from '@peculiar/x509';
import { type Eui, toHex } from '../runtime/bytes.ts';
import { children, oidToString, readTlv, type Tlv } from './asn1.ts';
import { GbcsError, GbcsMalformedError } from './errors.ts';

/** Which key of an EUI: Key Agreement, Digital Signing, or a supplier's prepayment KA key (UTRNs). */
export type KeySlot = 'ka' | 'ds' | 'pp-ka';
export type KeyUsageKind = 'ka' | 'ds';

/** Remote-party roles (certificate OU, GBCS.md 5). */
export const REMOTE_PARTY_ROLES: Readonly<Record<number, string>> = {
  0: 'root',
  1: 'recovery',
  2: 'supplier',
  3: 'network operator',
  4: 'access control broker',
  5: 'transitional change of supplier',
  6: 'WAN provider',
  7: 'issuing authority',
  8: 'load controller',
  127: 'other',
};

export const OID_HARDWARE_MODULE_NAME = '1.3.6.1.5.5.7.8.4';
export const OID_X500_UNIQUE_IDENTIFIER = '2.5.4.45';
export const OID_SUBJECT_ALT_NAME = '2.5.29.17';

/** A parsed GBCS certificate. */
export interface GbcsCertificate {
  eui: Eui;
  usage: KeyUsageKind;
  /** remote-party role from the subject OU; null for a device certificate */
  role: number | null;
  kind: 'device' | 'remote-party';
  /** made on first use by parseGbcsCertificate (the P-256 point check costs more than the whole parse) */
  readonly publicKey: KeyObject;
  subject: string;
  issuer: string;
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
  der: Uint8Array;
  /** the @peculiar/x509 object, for callers that need more */
  x509: x509.X509Certificate;
}

function certError(message: string): GbcsMalformedError {
  return new GbcsMalformedError(`certificate: ${message}`);
}

/** EUI from a HardwareModuleName otherName in a subjectAltName extension value. */
function euiFromSubjectAltName(extValue: Uint8Array): Eui | null {
  const seq = readTlv(extValue, 0);
  for (const gn of children(seq.value)) {
    if (gn.tag !== 0xa0) continue; // otherName [0]
    const [typeId, explicit] = children(gn.value);
    if (typeId?.tag !== 0x06 || oidToString(typeId.value) !== OID_HARDWARE_MODULE_NAME) continue;
    if (explicit?.tag !== 0xa0) continue;
    const hmn = readTlv(explicit.value, 0);
    const [, serial] = children(hmn.value);
    if (serial?.tag === 0x04 && serial.value.length === 8) return toHex(serial.value);
  }
  return null;
}

/**
 * Parses a GBCS certificate (PEM text or DER bytes) with the project's own
 * DER reader: only the fields a GBCS check reads (key usage, EUI, role,
 * validity, public key). The @peculiar/x509 object (`x509`, `subject`,
 * `issuer`) is built on first use only: parsing every certificate of an
 * estate through it cost a fifth of the set-up (issue 16 profile).
 * Throws GbcsMalformedError if it is not one.
 */
export function parseGbcsCertificate(input: string | Uint8Array): GbcsCertificate {
  const der = typeof input === 'string' ? pemToDer(input) : input;
  let f: CertificateFields;
  try {
    f = readCertificateFields(der);
  } catch (err) {
    if (err instanceof GbcsMalformedError && err.message.startsWith('certificate:')) throw err;
    throw certError(`not an X.509 certificate (${err instanceof Error ? err.message : String(err)})`);
  }
  if (f.keyUsage === undefined) throw certError('no keyUsage extension');
  // keyUsage bits (RFC 5280 4.2.1.3): digitalSignature bit 0 (0x80), keyAgreement bit 4 (0x08)
  const usage: KeyUsageKind | null = f.keyUsage & 0x08 ? 'ka' : f.keyUsage & 0x80 ? 'ds' : null;
  if (!usage) throw certError('keyUsage is neither keyAgreement nor digitalSignature');
  let eui = f.uniqueIdEui;
  let role = f.ouRole;
  const kind: GbcsCertificate['kind'] = eui ? 'remote-party' : 'device';
  if (!eui) {
    if (f.subjectAltName) eui = euiFromSubjectAltName(f.subjectAltName);
    role = null;
  }
  if (!eui) throw certError('no EUI in subject x500UniqueIdentifier or subjectAltName HardwareModuleName');
  checkP256Spki(f.spki);
  const spki = Buffer.from(f.spki);
  return gbcsCertificate({
    eui,
    usage,
    role,
    kind,
    publicKey: () => {
      try {
        return createPublicKey({ key: spki, format: 'der', type: 'spki' });
      } catch (err) {
        throw certError(`bad public key (${err instanceof Error ? err.message : String(err)})`);
      }
    },
    serialNumber: f.serialNumber,
    notBefore: f.notBefore,
    notAfter: f.notAfter,
    der: new Uint8Array(der),
  });
}

/** What a GbcsCertificate is made from: its public key, or how to make it on first use. */
export type GbcsCertificateFields = Omit<GbcsCertificate, 'x509' | 'subject' | 'issuer' | 'publicKey'> & {
  publicKey: KeyObject | (() => KeyObject);
};

/**
 * A GbcsCertificate from fields already known (the test PKI that just built
 * the DER), with `x509`, `subject` and `issuer` (and `publicKey`, when given
 * as a function) derived on first use.
 */
export function gbcsCertificate(f: GbcsCertificateFields): GbcsCertificate {
  return new LazyCertificate(f);
}

/**
 * One class for every certificate, its lazy parts as prototype getters: an
 * estate holds tens of certificates per home, and a plain object given
 * accessors one by one (Object.defineProperties, three closures each) went
 * to dictionary mode, about 0.8 KB more per certificate (heap snapshot).
 */
class LazyCertificate implements GbcsCertificate {
  eui: Eui;
  usage: KeyUsageKind;
  role: number | null;
  kind: 'device' | 'remote-party';
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
  der: Uint8Array;
  #key: KeyObject | (() => KeyObject);
  #cert: x509.X509Certificate | undefined;

  constructor(f: GbcsCertificateFields) {
    this.eui = f.eui;
    this.usage = f.usage;
    this.role = f.role;
    this.kind = f.kind;
    this.serialNumber = f.serialNumber;
    this.notBefore = f.notBefore;
    this.notAfter = f.notAfter;
    this.der = f.der;
    this.#key = f.publicKey;
    this.#cert = undefined;
  }

  get publicKey(): KeyObject {
    if (typeof this.#key === 'function') this.#key = this.#key();
    return this.#key;
  }

  get x509(): x509.X509Certificate {
    this.#cert ??= new (peculiarX509().X509Certificate)(toArrayBuffer(this.der));
    return this.#cert;
  }

  get subject(): string {
    return this.x509.subject;
  }

  get issuer(): string {
    return this.x509.issuer;
  }
}

let x509Module: typeof x509 | undefined;
/**
 * @peculiar/x509, loaded on first use (its CommonJS build, synchronously):
 * importing it costs about 170 ms of CPU, more than the whole RTDS key store,
 * and decoding never needs it. It needs the Reflect metadata API first.
 */
function peculiarX509(): typeof x509 {
  if (!x509Module) {
    const require = createRequire(import.meta.url);
    require('reflect-metadata');
    x509Module = require('@peculiar/x509') as typeof x509;
  }
  return x509Module;
}

const OID_EC_PUBLIC_KEY = '1.2.840.10045.2.1';
const OID_PRIME256V1 = '1.2.840.10045.3.1.7';

/**
 * A GBCS key is P-256 (GBCS 4.3.2): id-ecPublicKey on prime256v1 with an
 * uncompressed point (04 X Y). Checked at parse time; the point itself is
 * checked when its KeyObject is first made.
 */
function checkP256Spki(spkiDer: Uint8Array): void {
  const spki = readTlv(spkiDer, 0);
  const [alg, key] = children(spki.value);
  const [algOid, curve] = alg?.tag === 0x30 ? children(alg.value) : [];
  if (algOid?.tag !== 0x06 || oidToString(algOid.value) !== OID_EC_PUBLIC_KEY)
    throw certError('public key is not an EC key (id-ecPublicKey)');
  if (curve?.tag !== 0x06 || oidToString(curve.value) !== OID_PRIME256V1)
    throw certError('public key is not on P-256 (prime256v1)');
  if (key?.tag !== 0x03 || key.value.length !== 66 || key.value[0] !== 0 || key.value[1] !== 0x04)
    throw certError('public key is not an uncompressed P-256 point');
}

function pemToDer(pem: string): Uint8Array {
  const m = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/.exec(pem);
  if (!m) throw certError('not an X.509 certificate (no PEM CERTIFICATE block)');
  return new Uint8Array(Buffer.from(m[1].replace(/\s+/g, ''), 'base64'));
}

interface CertificateFields {
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
  spki: Uint8Array;
  /** first byte of the keyUsage BIT STRING */
  keyUsage: number | undefined;
  subjectAltName: Uint8Array | undefined;
  uniqueIdEui: Eui | null;
  ouRole: number | null;
}

const OID_KEY_USAGE = '2.5.29.15';
const OID_OU = '2.5.4.11';

function derTime(t: Tlv): Date {
  const s = Buffer.from(t.value).toString('latin1');
  const m =
    t.tag === 0x17
      ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s)
      : t.tag === 0x18
        ? /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s)
        : null;
  if (!m) throw certError(`bad time ${JSON.stringify(s)}`);
  let year = Number(m[1]);
  if (t.tag === 0x17) year += year >= 50 ? 1900 : 2000; // RFC 5280 4.1.2.5.1
  return new Date(Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
}

/** The TBSCertificate fields GBCS reads (RFC 5280 4.1). */
function readCertificateFields(der: Uint8Array): CertificateFields {
  const cert = readTlv(der, 0);
  if (cert.tag !== 0x30) throw certError('not a SEQUENCE');
  const [tbs] = children(cert.value);
  if (tbs?.tag !== 0x30) throw certError('no TBSCertificate');
  const t = children(tbs.value);
  let i = t[0]?.tag === 0xa0 ? 1 : 0;
  const serial = t[i++];
  i++; // signature algorithm
  i++; // issuer
  const validity = t[i++];
  const subject = t[i++];
  const spki = t[i++];
  if (serial?.tag !== 0x02 || validity?.tag !== 0x30 || subject?.tag !== 0x30 || spki?.tag !== 0x30)
    throw certError('TBSCertificate fields out of order');
  const [nb, na] = children(validity.value);
  if (!nb || !na) throw certError('bad validity');
  const f: CertificateFields = {
    serialNumber: toHex(serial.value),
    notBefore: derTime(nb),
    notAfter: derTime(na),
    spki: tbs.value.subarray(spki.offset, spki.end),
    keyUsage: undefined,
    subjectAltName: undefined,
    uniqueIdEui: null,
    ouRole: null,
  };
  for (const rdn of children(subject.value))
    for (const atv of children(rdn.value)) {
      const [type, value] = children(atv.value);
      if (type?.tag !== 0x06 || !value) continue;
      const o = oidToString(type.value);
      if (o === OID_OU) {
        const v = Buffer.from(value.value).toString('utf8');
        if (/^\d+$/.test(v)) f.ouRole = Number.parseInt(v, 10);
      } else if (o === OID_X500_UNIQUE_IDENTIFIER) {
        if (value.tag === 0x03 && value.value.length === 9 && value.value[0] === 0)
          f.uniqueIdEui = toHex(value.value.subarray(1));
      }
    }
  for (; i < t.length; i++) {
    if (t[i].tag !== 0xa3) continue;
    const [exts] = children(t[i].value);
    for (const ext of children(exts?.value ?? new Uint8Array())) {
      const parts = children(ext.value);
      const id = parts[0];
      const value = parts[parts.length - 1];
      if (id?.tag !== 0x06 || value?.tag !== 0x04) continue;
      const o = oidToString(id.value);
      if (o === OID_KEY_USAGE) {
        const bs = readTlv(value.value, 0);
        if (bs.tag === 0x03 && bs.value.length >= 2) f.keyUsage = bs.value[1];
      } else if (o === OID_SUBJECT_ALT_NAME) f.subjectAltName = value.value;
    }
  }
  return f;
}

function toArrayBuffer(b: Uint8Array): ArrayBuffer {
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

/** The keys held for one EUI and slot. */
export interface KeyEntry {
  readonly eui: Eui;
  readonly slot: KeySlot;
  readonly certificate?: GbcsCertificate;
  /** from the certificate, a bare public key, or derived from the private key */
  readonly publicKey?: KeyObject;
  readonly privateKey?: KeyObject;
}

/** MemoryKeyStore's entry: the public key is the certificate's (made on first use) unless one was set. */
class StoredKey implements KeyEntry {
  certificate?: GbcsCertificate;
  privateKey?: KeyObject;
  private ownPublicKey?: KeyObject;
  constructor(
    readonly eui: Eui,
    readonly slot: KeySlot,
  ) {}
  get publicKey(): KeyObject | undefined {
    return this.ownPublicKey ?? this.certificate?.publicKey;
  }
  set publicKey(k: KeyObject | undefined) {
    this.ownPublicKey = k;
  }
}

/** What GBCS security reads: keys and certificates by EUI and slot. EUIs are 16 upper-case hex digits. */
export interface KeyStore {
  get(eui: Eui, slot: KeySlot): KeyEntry | undefined;
  publicKey(eui: Eui, slot: KeySlot): KeyObject | undefined;
  privateKey(eui: Eui, slot: KeySlot): KeyObject | undefined;
  certificate(eui: Eui, slot: KeySlot): GbcsCertificate | undefined;
  /** remote-party role from the EUI's certificates: a number, null for a device, undefined if no certificate */
  role(eui: Eui): number | null | undefined;
  entries(): Iterable<KeyEntry>;
  /** every EUI with at least one key */
  euis(): Eui[];
  /** the EUIs with a remote-party certificate (role from the OU), without walking every device */
  remoteParties(): Eui[];
}

/**
 * What every KeyStore answers from its `get`: the public key, private key,
 * certificate and remote-party role of an EUI. MemoryKeyStore and a device's
 * AnchorKeyStore (devices/security/credentials.ts) extend it.
 */
export abstract class EntryKeyStore {
  abstract get(eui: Eui, slot: KeySlot): KeyEntry | undefined;
  publicKey(eui: Eui, slot: KeySlot): KeyObject | undefined {
    return this.get(eui, slot)?.publicKey;
  }
  privateKey(eui: Eui, slot: KeySlot): KeyObject | undefined {
    return this.get(eui, slot)?.privateKey;
  }
  certificate(eui: Eui, slot: KeySlot): GbcsCertificate | undefined {
    return this.get(eui, slot)?.certificate;
  }
  role(eui: Eui): number | null | undefined {
    const cert =
      this.get(eui, 'ds')?.certificate ??
      this.get(eui, 'ka')?.certificate ??
      this.get(eui, 'pp-ka')?.certificate;
    return cert === undefined ? undefined : cert.role;
  }
}

type EuiKeys = { ka?: StoredKey; ds?: StoredKey; 'pp-ka'?: StoredKey };

/**
 * An in-memory KeyStore. KeyObjects are created once, when keys are added or
 * (certificate public keys) on first use, never per message.
 */
export class MemoryKeyStore extends EntryKeyStore implements KeyStore {
  private readonly byEui = new Map<Eui, EuiKeys>();
  private readonly parties = new Set<Eui>();

  private entry(eui: Eui, slot: KeySlot): StoredKey {
    const e = canonicalEui(eui);
    let keys = this.byEui.get(e);
    if (!keys) {
      keys = {};
      this.byEui.set(e, keys);
    }
    let entry = keys[slot];
    if (!entry) {
      entry = new StoredKey(e, slot);
      keys[slot] = entry;
    }
    return entry;
  }

  /** Adds a certificate (PEM or DER, or already parsed); the slot defaults to its key usage. */
  addCertificate(cert: string | Uint8Array | GbcsCertificate, slot?: KeySlot): GbcsCertificate {
    const parsed = typeof cert === 'string' || cert instanceof Uint8Array ? parseGbcsCertificate(cert) : cert;
    const s = slot ?? parsed.usage;
    if ((s === 'ds') !== (parsed.usage === 'ds'))
      throw new GbcsMalformedError(`certificate key usage ${parsed.usage} does not fit slot ${s}`);
    const entry = this.entry(parsed.eui, s);
    entry.certificate = parsed;
    entry.publicKey = undefined; // the certificate's, made on first use
    if (parsed.role !== null) this.parties.add(entry.eui);
    return parsed;
  }

  /** Adds a private key (PKCS#8 PEM, DER, or a KeyObject). */
  addPrivateKey(eui: Eui, slot: KeySlot, key: string | Uint8Array | KeyObject): KeyObject {
    const k = toPrivateKey(key);
    const entry = this.entry(eui, slot);
    entry.privateKey = k;
    if (!entry.certificate && !entry.publicKey) entry.publicKey = createPublicKey(k);
    return k;
  }

  /** Adds a bare public key (SPKI PEM, DER, or a KeyObject) without a certificate. */
  addPublicKey(eui: Eui, slot: KeySlot, key: string | Uint8Array | KeyObject): KeyObject {
    const k = toPublicKey(key);
    this.entry(eui, slot).publicKey = k;
    return k;
  }

  get(eui: Eui, slot: KeySlot): KeyEntry | undefined {
    return (this.byEui.get(eui) ?? this.byEui.get(eui.toUpperCase()))?.[slot];
  }
  *entries(): Iterable<KeyEntry> {
    for (const keys of this.byEui.values()) for (const e of [keys.ka, keys.ds, keys['pp-ka']]) if (e) yield e;
  }
  euis(): Eui[] {
    return [...this.byEui.keys()];
  }
  remoteParties(): Eui[] {
    return [...this.parties].filter((e) => typeof this.role(e) === 'number');
  }
  get size(): number {
    let n = 0;
    for (const _ of this.entries()) n++;
    return n;
  }
}

/**
 * What one party really holds, as a view of the world store: every
 * certificate and public key (they are public: the trust anchors), and the
 * private keys of `holders` only. A view, not a copy, so an estate of N homes
 * holds one world store rather than N copies of it (each CHF reads the same
 * certificates); keys added to the world later are seen.
 */
export class HolderKeyStore implements KeyStore {
  private readonly own: ReadonlySet<Eui>;
  constructor(
    private readonly world: KeyStore,
    holders: Iterable<Eui>,
  ) {
    this.own = new Set([...holders].map(canonicalEui));
  }

  get(eui: Eui, slot: KeySlot): KeyEntry | undefined {
    const e = this.world.get(eui, slot);
    if (!e?.privateKey || this.own.has(e.eui)) return e;
    return publicPart(e);
  }
  publicKey(eui: Eui, slot: KeySlot): KeyObject | undefined {
    return this.world.publicKey(eui, slot);
  }
  privateKey(eui: Eui, slot: KeySlot): KeyObject | undefined {
    const e = this.world.get(eui, slot);
    return e && this.own.has(e.eui) ? e.privateKey : undefined;
  }
  certificate(eui: Eui, slot: KeySlot): GbcsCertificate | undefined {
    return this.world.certificate(eui, slot);
  }
  role(eui: Eui): number | null | undefined {
    return this.world.role(eui);
  }
  *entries(): Iterable<KeyEntry> {
    for (const e of this.world.entries()) yield !e.privateKey || this.own.has(e.eui) ? e : publicPart(e);
  }
  euis(): Eui[] {
    return this.world.euis();
  }
  remoteParties(): Eui[] {
    return this.world.remoteParties();
  }
}

function publicPart(e: KeyEntry): KeyEntry {
  return {
    eui: e.eui,
    slot: e.slot,
    ...(e.certificate ? { certificate: e.certificate } : {}),
    ...(e.publicKey ? { publicKey: e.publicKey } : {}),
  };
}

function canonicalEui(eui: string): Eui {
  const clean = eui.replace(/[\s:-]/g, '').toUpperCase();
  if (!/^[0-9A-F]{16}$/.test(clean)) throw new GbcsMalformedError(`not an EUI-64: ${JSON.stringify(eui)}`);
  return clean;
}

function toPrivateKey(key: string | Uint8Array | KeyObject): KeyObject {
  if (typeof key === 'object' && !(key instanceof Uint8Array)) return key;
  try {
    return typeof key === 'string'
      ? createPrivateKey(key)
      : createPrivateKey({ key: Buffer.from(key), format: 'der', type: 'pkcs8' });
  } catch (err) {
    throw new GbcsMalformedError(`not a private key (${err instanceof Error ? err.message : String(err)})`);
  }
}

function toPublicKey(key: string | Uint8Array | KeyObject): KeyObject {
  if (typeof key === 'object' && !(key instanceof Uint8Array)) return key;
  try {
    return typeof key === 'string'
      ? createPublicKey(key)
      : createPublicKey({ key: Buffer.from(key), format: 'der', type: 'spki' });
  } catch (err) {
    throw new GbcsMalformedError(`not a public key (${err instanceof Error ? err.message : String(err)})`);
  }
}

/** A keystore file name in the RTDS layout: `<eui>[-pp]-<ka|ds>.<pem|key>`. */
export const KEYSTORE_FILE_PATTERN = /^([0-9a-fA-F]{16})(-pp)?-(ka|ds)\.(pem|key)$/;

export interface KeyStoreFile {
  name: string;
  text: string;
}

/** What `keyStoreFromFiles` did with each file. */
export interface KeyStoreLoadReport {
  loaded: string[];
  skipped: Array<{ name: string; reason: string }>;
}

/**
 * Builds a MemoryKeyStore from RTDS-layout files (pure: the caller reads
 * them). `.pem` holds a certificate (or, in one RTDS case, a bare public key),
 * `.key` a PKCS#8 private key. Files that do not fit are reported, not fatal.
 */
export function keyStoreFromFiles(
  files: Iterable<KeyStoreFile>,
  store = new MemoryKeyStore(),
): { store: MemoryKeyStore; report: KeyStoreLoadReport } {
  const report: KeyStoreLoadReport = { loaded: [], skipped: [] };
  // certificates first, so a private key finds its public key already present
  const sorted = [...files].sort((a, b) => Number(a.name.endsWith('.key')) - Number(b.name.endsWith('.key')));
  for (const f of sorted) {
    const m = KEYSTORE_FILE_PATTERN.exec(f.name);
    if (!m) {
      report.skipped.push({ name: f.name, reason: 'name is not <eui>[-pp]-<ka|ds>.<pem|key>' });
      continue;
    }
    const eui = m[1].toUpperCase();
    const slot: KeySlot = m[2] ? 'pp-ka' : (m[3] as KeyUsageKind);
    try {
      if (m[4] === 'key') store.addPrivateKey(eui, slot, f.text);
      else if (f.text.includes('BEGIN CERTIFICATE')) {
        const cert = parseGbcsCertificate(f.text);
        if (cert.eui !== eui)
          throw new GbcsMalformedError(`certificate is for ${cert.eui}, file name says ${eui}`);
        store.addCertificate(cert, slot);
      } else store.addPublicKey(eui, slot, f.text);
      report.loaded.push(f.name);
    } catch (err) {
      report.skipped.push({ name: f.name, reason: err instanceof GbcsError ? err.message : String(err) });
    }
  }
  return { store, report };
}
