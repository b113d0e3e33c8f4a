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
import './x509-runtime.ts';
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { type Eui, toHex } from '../runtime/bytes.ts';
import { children, oidToString, readTlv } from './asn1.ts';
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
  publicKey: KeyObject;
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

/** Parses a GBCS certificate (PEM text or DER bytes). Throws GbcsMalformedError if it is not one. */
export function parseGbcsCertificate(input: string | Uint8Array): GbcsCertificate {
  let cert: x509.X509Certificate;
  try {
    cert = new x509.X509Certificate(typeof input === 'string' ? input : toArrayBuffer(input));
  } catch (err) {
    throw certError(`not an X.509 certificate (${err instanceof Error ? err.message : String(err)})`);
  }
  const der = new Uint8Array(cert.rawData);
  const ku = cert.getExtension(x509.KeyUsagesExtension);
  if (!ku) throw certError('no keyUsage extension');
  const usage: KeyUsageKind | null =
    ku.usages & x509.KeyUsageFlags.keyAgreement
      ? 'ka'
      : ku.usages & x509.KeyUsageFlags.digitalSignature
        ? 'ds'
        : null;
  if (!usage) throw certError('keyUsage is neither keyAgreement nor digitalSignature');
  let eui: Eui | null = null;
  let role: number | null = null;
  // Remote party: x500UniqueIdentifier (BIT STRING 03 09 00 <EUI>) and OU = role.
  for (const rdn of cert.subjectName.toJSON()) {
    for (const [type, values] of Object.entries(rdn)) {
      const v = values[0];
      if (type === 'OU' && /^\d+$/.test(v)) role = Number.parseInt(v, 10);
      if (type === OID_X500_UNIQUE_IDENTIFIER && v.startsWith('#')) {
        const raw = Buffer.from(v.slice(1), 'hex');
        const bs = readTlv(raw, 0);
        if (bs.tag === 0x03 && bs.value.length === 9 && bs.value[0] === 0) eui = toHex(bs.value.subarray(1));
      }
    }
  }
  const kind: GbcsCertificate['kind'] = eui ? 'remote-party' : 'device';
  if (!eui) {
    const san = cert.extensions.find((e) => e.type === OID_SUBJECT_ALT_NAME);
    if (san) eui = euiFromSubjectAltName(new Uint8Array(san.value));
    role = null;
  }
  if (!eui) throw certError('no EUI in subject x500UniqueIdentifier or subjectAltName HardwareModuleName');
  const publicKey = createPublicKey({
    key: Buffer.from(cert.publicKey.rawData),
    format: 'der',
    type: 'spki',
  });
  return {
    eui,
    usage,
    role,
    kind,
    publicKey,
    subject: cert.subject,
    issuer: cert.issuer,
    serialNumber: cert.serialNumber.toUpperCase(),
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    der,
    x509: cert,
  };
}

function toArrayBuffer(b: Uint8Array): ArrayBuffer {
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

/** The keys held for one EUI and slot. */
export interface KeyEntry {
  eui: Eui;
  slot: KeySlot;
  certificate?: GbcsCertificate;
  /** from the certificate, a bare public key, or derived from the private key */
  publicKey?: KeyObject;
  privateKey?: KeyObject;
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
}

type EuiKeys = { ka?: KeyEntry; ds?: KeyEntry; 'pp-ka'?: KeyEntry };

/** An in-memory KeyStore. KeyObjects are created once when keys are added, never per message. */
export class MemoryKeyStore implements KeyStore {
  private readonly byEui = new Map<Eui, EuiKeys>();

  private entry(eui: Eui, slot: KeySlot): KeyEntry {
    const e = canonicalEui(eui);
    let keys = this.byEui.get(e);
    if (!keys) {
      keys = {};
      this.byEui.set(e, keys);
    }
    let entry = keys[slot];
    if (!entry) {
      entry = { eui: e, slot };
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
    entry.publicKey = parsed.publicKey;
    return parsed;
  }

  /** Adds a private key (PKCS#8 PEM, DER, or a KeyObject). */
  addPrivateKey(eui: Eui, slot: KeySlot, key: string | Uint8Array | KeyObject): KeyObject {
    const k = toPrivateKey(key);
    const entry = this.entry(eui, slot);
    entry.privateKey = k;
    if (!entry.publicKey) entry.publicKey = createPublicKey(k);
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
    const keys = this.byEui.get(eui) ?? this.byEui.get(eui.toUpperCase());
    if (!keys) return undefined;
    const cert = keys.ds?.certificate ?? keys.ka?.certificate ?? keys['pp-ka']?.certificate;
    return cert === undefined ? undefined : cert.role;
  }
  *entries(): Iterable<KeyEntry> {
    for (const keys of this.byEui.values()) for (const e of [keys.ka, keys.ds, keys['pp-ka']]) if (e) yield e;
  }
  euis(): Eui[] {
    return [...this.byEui.keys()];
  }
  get size(): number {
    let n = 0;
    for (const _ of this.entries()) n++;
    return n;
  }
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
