/**
 * A small GBCS-style test PKI: a root and an issuing CA, device certificates
 * (empty subject, EUI in a HardwareModuleName subjectAltName) and
 * remote-party certificates (subject OU = role, x500UniqueIdentifier = EUI),
 * each for one key usage (KA keyAgreement, DS digitalSignature), as the RTDS
 * certificates are laid out (GBCS 4.3). Fresh P-256 keys from node:crypto;
 * certificates built and signed with @peculiar/x509 over node's WebCrypto.
 * For tests and "generated" profiles only: not an operational PKI.
 */
import './x509-runtime.ts';
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  randomFillSync,
  sign,
  webcrypto,
  X509Certificate,
} from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { fromHex, normaliseEui, toHex } from '../runtime/bytes.ts';
import { children, oid, readTlv, tlv } from './asn1.ts';
import {
  generateP256KeyPair,
  P256_SPKI_PREFIX,
  type P256KeyPair,
  p256Spki,
  p256SpkiOfPoint,
} from './crypto.ts';
import {
  type GbcsCertificate,
  gbcsCertificate,
  type KeySlot,
  MemoryKeyStore,
  OID_HARDWARE_MODULE_NAME,
  OID_SUBJECT_ALT_NAME,
  OID_X500_UNIQUE_IDENTIFIER,
  parseGbcsCertificate,
} from './keystore.ts';
import type { Eui } from './types.ts';

/** hwType of the HardwareModuleName in RTDS device certificates. */
export const OID_GBCS_DEVICE_HW_TYPE = '1.2.826.0.1.8641679.1.2.2.1';
/** Certificate policy seen on RTDS remote-party certificates. */
export const OID_GBCS_POLICY = '1.2.826.0.1.8641679.1.2.1.4';

const EC = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING = { name: 'ECDSA', hash: 'SHA-256' } as const;
const crypto = webcrypto as unknown as Crypto;

/** A key pair with its certificate. */
export interface IssuedKey {
  eui: Eui;
  slot: KeySlot;
  certificate: GbcsCertificate;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** PEM of the certificate and PKCS#8 PEM of the private key (the RTDS keystore file contents; written on first read) */
  readonly certificatePem: string;
  readonly privateKeyPem: string;
}

export interface CaKey {
  name: string;
  certificate: x509.X509Certificate;
  privateKey: KeyObject;
  certificatePem: string;
}

/** A saved CA of the test PKI: its certificate and PKCS#8 private key, PEM. */
export interface SavedCa {
  certificatePem: string;
  privateKeyPem: string;
}

export interface TestPkiOptions {
  notBefore?: Date;
  notAfter?: Date;
  /** where issued keys are added (default: a new MemoryKeyStore) */
  store?: MemoryKeyStore;
}

async function toCryptoKeys(pair: { privateKey: KeyObject; publicKey: KeyObject }): Promise<CryptoKeyPair> {
  const privateKey = await crypto.subtle.importKey(
    'pkcs8',
    pair.privateKey.export({ format: 'der', type: 'pkcs8' }),
    EC,
    true,
    ['sign'],
  );
  const publicKey = await crypto.subtle.importKey(
    'spki',
    pair.publicKey.export({ format: 'der', type: 'spki' }),
    EC,
    true,
    ['verify'],
  );
  return { privateKey, publicKey };
}

function validityOf(opts: TestPkiOptions): { notBefore: Date; notAfter: Date } {
  return {
    notBefore: opts.notBefore ?? new Date(Date.UTC(2020, 0, 1)),
    notAfter: opts.notAfter ?? new Date(Date.UTC(9999, 11, 31, 23, 59, 59)),
  };
}

function newPair(): P256KeyPair {
  return generateP256KeyPair();
}

export { p256Spki };

function serial(): string {
  return Buffer.from(serialBytes()).toString('hex');
}

/** A positive 16-byte serial (first octet 01..7F: no leading zero octet, no sign bit). */
function serialBytes(): Uint8Array {
  const b = randomFillSync(new Uint8Array(16));
  b[0] &= 0x7f;
  b[0] |= 0x01;
  return b;
}

const ECDSA_WITH_SHA256 = tlv(0x30, oid('1.2.840.10045.4.3.2'));
const OID_KEY_USAGE = '2.5.29.15';
const OID_SKI = '2.5.29.14';
const OID_AKI = '2.5.29.35';
const OID_CERTIFICATE_POLICIES = '2.5.29.32';
const OID_OU = '2.5.4.11';

const OID_DER = new Map<string, Uint8Array>();
const CRITICAL = Uint8Array.of(0x01, 0x01, 0xff);

/** An Extension (RFC 5280 4.1): extnID, critical when true, extnValue. */
function extension(id: string, critical: boolean, value: Uint8Array): Uint8Array {
  let o = OID_DER.get(id);
  if (!o) {
    o = oid(id);
    OID_DER.set(id, o);
  }
  return critical ? tlv(0x30, o, CRITICAL, tlv(0x04, value)) : tlv(0x30, o, tlv(0x04, value));
}

/** keyUsage (RFC 5280 4.2.1.3), critical: digitalSignature is bit 0, keyAgreement bit 4. */
const KEY_USAGE_DS = extension(OID_KEY_USAGE, true, tlv(0x03, Uint8Array.of(0x07, 0x80)));
const KEY_USAGE_KA = extension(OID_KEY_USAGE, true, tlv(0x03, Uint8Array.of(0x03, 0x08)));
/** TBSCertificate version: v3 ([0] INTEGER 2). */
const VERSION_3 = tlv(0xa0, tlv(0x02, Uint8Array.of(2)));

/** UTCTime before 2050, GeneralizedTime from 2050 (RFC 5280 4.1.2.5). */
function derTime(d: Date): Uint8Array {
  const p = (n: number) => String(n).padStart(2, '0');
  const y = d.getUTCFullYear();
  const rest = `${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`;
  return y < 2050
    ? tlv(0x17, new TextEncoder().encode(`${p(y % 100)}${rest}`))
    : tlv(0x18, new TextEncoder().encode(`${String(y).padStart(4, '0')}${rest}`));
}

/** Key identifier, RFC 5280 4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits. */
/**
 * subjectKeyIdentifier as GBCS's certificate profiles require it: RFC 5280 4.2.1.2 method 2, eight
 * octets: the four bits 0100 then the least significant 60 bits of the SHA-1 of the subjectPublicKey
 * BIT STRING's value (unused-bits octet excluded). The RTDS certificates carry exactly this, e.g.
 * 48CF97FA9F827FB5 in 90b3d51f30020000-ds.pem; CS02b/CS02c outcomes carry it as an octet-string(8).
 */
export function keyIdentifier(spki: Uint8Array): Uint8Array {
  const [, bits] = children(readTlv(spki, 0).value);
  return keyIdentifierOfBits(bits.value.subarray(1));
}

/** `keyIdentifier` of a P-256 SPKI (its prefix, then the point), without reading it again. */
function p256KeyIdentifier(spki: Uint8Array): Uint8Array {
  return spki.length === P256_SPKI_PREFIX.length + 65
    ? keyIdentifierOfBits(spki.subarray(P256_SPKI_PREFIX.length))
    : keyIdentifier(spki);
}

/** `keyIdentifier` from the subjectPublicKey BIT STRING's bits (for a P-256 key: its point 04 || x || y). */
function keyIdentifierOfBits(bits: Uint8Array): Uint8Array {
  const sha1 = createHash('sha1').update(bits).digest();
  const ski = new Uint8Array(sha1.subarray(12));
  ski[0] = 0x40 | (ski[0] & 0x0f);
  return ski;
}

function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function derToPem(der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64');
  return `-----BEGIN CERTIFICATE-----\n${b64.replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END CERTIFICATE-----\n`;
}

/** subjectAltName with the HardwareModuleName otherName carrying the EUI (RFC 4108). */
export function deviceSubjectAltName(eui: Eui): Uint8Array {
  const hmn = tlv(0x30, oid(OID_GBCS_DEVICE_HW_TYPE), tlv(0x04, fromHex(normaliseEui(eui))));
  return tlv(0x30, tlv(0xa0, oid(OID_HARDWARE_MODULE_NAME), tlv(0xa0, hmn)));
}

/** A remote party's subject: OU = role (two digits), x500UniqueIdentifier = the EUI as a BIT STRING (GBCS 4.3). */
function remotePartySubject(eui: Eui, role: number): Uint8Array {
  return tlv(
    0x30,
    tlv(0x31, tlv(0x30, oid(OID_OU), tlv(0x0c, new TextEncoder().encode(String(role).padStart(2, '0'))))),
    tlv(0x31, tlv(0x30, oid(OID_X500_UNIQUE_IDENTIFIER), tlv(0x03, Uint8Array.of(0, ...fromHex(eui))))),
  );
}

/** The GBCS test PKI: CAs, a key store, and issuing functions. */
export class TestPki {
  readonly store: MemoryKeyStore;
  private constructor(
    readonly root: CaKey,
    readonly issuingCa: CaKey,
    private readonly validity: { notBefore: Date; notAfter: Date },
    store: MemoryKeyStore,
  ) {
    this.store = store;
    const ca = new Uint8Array(issuingCa.certificate.rawData);
    const [tbs] = children(readTlv(ca, 0).value);
    const t = children(tbs.value);
    const subject = t[t[0].tag === 0xa0 ? 5 : 4];
    this.issuerName = tbs.value.slice(subject.offset, subject.end);
    const ski = issuingCa.certificate.getExtension(x509.SubjectKeyIdentifierExtension);
    if (!ski) throw new Error('test PKI: the issuing CA has no subjectKeyIdentifier');
    this.issuerKeyId = fromHex(ski.keyId);
    // What every end-entity TBSCertificate of this PKI shares, written once (issue 16: ten
    // certificates a home): signature algorithm, issuer, validity; the policy and AKI extensions.
    this.tbsIssuerPart = concatBytes([
      ECDSA_WITH_SHA256,
      this.issuerName,
      tlv(0x30, derTime(validity.notBefore), derTime(validity.notAfter)),
    ]);
    this.tbsPolicyAndAki = concatBytes([
      extension(OID_CERTIFICATE_POLICIES, true, tlv(0x30, tlv(0x30, oid(OID_GBCS_POLICY)))),
      extension(OID_AKI, false, tlv(0x30, tlv(0x80, this.issuerKeyId))),
    ]);
  }

  /** signature AlgorithmIdentifier, issuer Name and Validity of every end-entity TBSCertificate (DER). */
  private readonly tbsIssuerPart: Uint8Array;
  /** the certificatePolicies (GBCS policy, critical) and authorityKeyIdentifier extensions (DER). */
  private readonly tbsPolicyAndAki: Uint8Array;

  /** The issuing CA's subject (DER), the issuer of every end-entity certificate. */
  private readonly issuerName: Uint8Array;
  /** The issuing CA's key identifier (the AKI of every end-entity certificate). */
  private readonly issuerKeyId: Uint8Array;

  static async create(opts: TestPkiOptions = {}): Promise<TestPki> {
    const validity = validityOf(opts);
    const rootPair = newPair();
    const rootKeys = await toCryptoKeys(rootPair);
    const rootCert = await x509.X509CertificateGenerator.createSelfSigned(
      {
        serialNumber: serial(),
        name: 'OU=00, CN=Test Root',
        keys: rootKeys,
        signingAlgorithm: SIGNING,
        ...validity,
        extensions: [
          new x509.BasicConstraintsExtension(true, 1, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
          await x509.SubjectKeyIdentifierExtension.create(rootKeys.publicKey, false, crypto),
        ],
      },
      crypto,
    );
    const caPair = newPair();
    const caKeys = await toCryptoKeys(caPair);
    const caCert = await x509.X509CertificateGenerator.create(
      {
        serialNumber: serial(),
        subject: 'OU=07, CN=Test Issuing CA',
        issuer: rootCert.subject,
        publicKey: caKeys.publicKey,
        signingKey: rootKeys.privateKey,
        signingAlgorithm: SIGNING,
        ...validity,
        extensions: [
          new x509.BasicConstraintsExtension(true, 0, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
          await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey, false, crypto),
          await x509.AuthorityKeyIdentifierExtension.create(rootCert, false, crypto),
        ],
      },
      crypto,
    );
    return new TestPki(
      {
        name: rootCert.subject,
        certificate: rootCert,
        privateKey: rootPair.privateKey,
        certificatePem: rootCert.toString('pem'),
      },
      {
        name: caCert.subject,
        certificate: caCert,
        privateKey: caPair.privateKey,
        certificatePem: caCert.toString('pem'),
      },
      validity,
      opts.store ?? new MemoryKeyStore(),
    );
  }

  /**
   * The PKI again from its saved Root and issuing CA (certificate PEM and
   * PKCS#8 private key PEM of each, as `caFiles` writes them): further
   * certificates chain to the same Root. Throws when the Root key is not the
   * Root certificate's or the issuing CA was not signed by the Root.
   */
  static restore(cas: { root: SavedCa; issuingCa: SavedCa }, opts: TestPkiOptions = {}): TestPki {
    const load = (c: SavedCa): CaKey => {
      const certificate = new x509.X509Certificate(c.certificatePem);
      return {
        name: certificate.subject,
        certificate,
        privateKey: createPrivateKey(c.privateKeyPem),
        certificatePem: c.certificatePem,
      };
    };
    const root = load(cas.root);
    const ca = load(cas.issuingCa);
    const spki = (k: KeyObject) => k.export({ format: 'der', type: 'spki' }).toString('hex');
    const rootCert = new X509Certificate(cas.root.certificatePem);
    if (spki(rootCert.publicKey) !== spki(createPublicKey(root.privateKey)))
      throw new Error("test PKI: the saved Root key is not the saved Root certificate's");
    if (!new X509Certificate(cas.issuingCa.certificatePem).verify(rootCert.publicKey))
      throw new Error('test PKI: the saved issuing CA certificate is not signed by the saved Root');
    return new TestPki(root, ca, validityOf(opts), opts.store ?? new MemoryKeyStore());
  }

  /** The Root's public key: what a device's root Trust Anchor cell holds (certification paths end in it). */
  get rootPublicKey(): KeyObject {
    return createPublicKey(this.root.privateKey);
  }

  /** The issuing CA certificate (DER): the certification path of every certificate this PKI issues. */
  get issuingCaDer(): Uint8Array {
    return new Uint8Array(this.issuingCa.certificate.rawData);
  }

  /** The Root and the issuing CA as PEM files (`restore` reads them back). */
  caFiles(): { root: SavedCa; issuingCa: SavedCa } {
    const pem = (k: KeyObject) => k.export({ format: 'pem', type: 'pkcs8' }).toString();
    return {
      root: { certificatePem: this.root.certificatePem, privateKeyPem: pem(this.root.privateKey) },
      issuingCa: {
        certificatePem: this.issuingCa.certificatePem,
        privateKeyPem: pem(this.issuingCa.privateKey),
      },
    };
  }

  /**
   * Issues one end-entity certificate. The TBSCertificate is written with the
   * project's DER writer and signed with node:crypto (ECDSA P-256 SHA-256):
   * the same fields @peculiar/x509 wrote (key usage critical, SKI, the GBCS
   * policy critical, AKI, the device SAN), at a tenth of the CPU (issue 16:
   * certificate issuing was a third of an estate's set-up).
   */
  private signCertificate(
    slot: KeySlot,
    subject: Uint8Array,
    spki: Uint8Array,
    extra: Uint8Array[],
    validity?: { notBefore: Date; notAfter: Date },
  ): { der: Uint8Array; serialBytes: Uint8Array } {
    const serial = serialBytes();
    const tbs = tlv(
      0x30,
      VERSION_3,
      tlv(0x02, serial),
      validity
        ? concatBytes([
            ECDSA_WITH_SHA256,
            this.issuerName,
            tlv(0x30, derTime(validity.notBefore), derTime(validity.notAfter)),
          ])
        : this.tbsIssuerPart,
      subject,
      spki,
      tlv(
        0xa3,
        tlv(
          0x30,
          slot === 'ds' ? KEY_USAGE_DS : KEY_USAGE_KA,
          extension(OID_SKI, false, tlv(0x04, p256KeyIdentifier(spki))),
          this.tbsPolicyAndAki,
          ...extra,
        ),
      ),
    );
    const signature = sign('sha256', tbs, { key: this.issuingCa.privateKey, dsaEncoding: 'der' });
    return {
      der: tlv(0x30, tbs, ECDSA_WITH_SHA256, tlv(0x03, Uint8Array.of(0), signature)),
      serialBytes: serial,
    };
  }

  /**
   * A Device Certificate for a public key the device generated (its CS02c
   * certification request): the layout `addDevice` issues, nothing stored.
   */
  certifyDeviceKey(eui: Eui, slot: 'ka' | 'ds', publicKey: KeyObject): GbcsCertificate {
    const e = normaliseEui(eui);
    const san = extension(OID_SUBJECT_ALT_NAME, true, deviceSubjectAltName(e));
    const { der } = this.signCertificate(slot, tlv(0x30), p256Spki(publicKey), [san]);
    return parseGbcsCertificate(der);
  }

  private async issue(
    eui: Eui,
    slot: KeySlot,
    subject: Uint8Array,
    role: number | null,
    extra: Uint8Array[],
    addPrivateKey: boolean,
  ): Promise<IssuedKey> {
    const pair = newPair();
    const { der, serialBytes } = this.signCertificate(slot, subject, p256SpkiOfPoint(pair.point), extra);
    const certificate = gbcsCertificate({
      eui: normaliseEui(eui),
      usage: slot === 'ds' ? 'ds' : 'ka',
      role,
      kind: role === null ? 'device' : 'remote-party',
      publicKey: pair.publicKey,
      serialNumber: toHex(serialBytes),
      notBefore: this.validity.notBefore,
      notAfter: this.validity.notAfter,
      der,
    });
    this.store.addCertificate(certificate, slot);
    if (addPrivateKey) this.store.addPrivateKey(eui, slot, pair.privateKey);
    // The PEMs are written on first read only (the keystore files, the XML signers): exporting
    // every private key to PKCS#8 PEM was a sixth of an in-memory estate's set-up (issue 16).
    let certificatePem: string | undefined;
    let privateKeyPem: string | undefined;
    return {
      eui: certificate.eui,
      slot,
      certificate,
      privateKey: pair.privateKey,
      publicKey: pair.publicKey,
      get certificatePem() {
        certificatePem ??= derToPem(der);
        return certificatePem;
      },
      get privateKeyPem() {
        privateKeyPem ??= pair.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
        return privateKeyPem;
      },
    };
  }

  /**
   * Issues a device's KA and DS certificates (empty subject, HardwareModuleName
   * SAN). Private keys go into the store unless `storePrivateKeys: false`
   * (e.g. a DCC-side store that only knows device certificates).
   */
  async addDevice(
    eui: Eui,
    opts: { storePrivateKeys?: boolean } = {},
  ): Promise<{ ka: IssuedKey; ds: IssuedKey }> {
    const e = normaliseEui(eui);
    const san = extension(OID_SUBJECT_ALT_NAME, true, deviceSubjectAltName(e));
    const keep = opts.storePrivateKeys ?? true;
    const empty = tlv(0x30);
    const ka = await this.issue(e, 'ka', empty, null, [san], keep);
    const ds = await this.issue(e, 'ds', empty, null, [san], keep);
    return { ka, ds };
  }

  /**
   * Issues a remote party's KA and DS certificates (subject OU = role as two
   * digits, x500UniqueIdentifier = EUI), and a prepayment KA key when asked.
   */
  async addRemoteParty(
    eui: Eui,
    role: number,
    opts: { prepayment?: boolean; storePrivateKeys?: boolean } = {},
  ): Promise<{ ka: IssuedKey; ds: IssuedKey; ppKa?: IssuedKey }> {
    if (!Number.isInteger(role) || role < 0 || role > 127) throw new RangeError('role must be 0..127');
    const e = normaliseEui(eui);
    const subject = remotePartySubject(e, role);
    const keep = opts.storePrivateKeys ?? true;
    const ka = await this.issue(e, 'ka', subject, role, [], keep);
    const ds = await this.issue(e, 'ds', subject, role, [], keep);
    const ppKa = opts.prepayment ? await this.issue(e, 'pp-ka', subject, role, [], keep) : undefined;
    return ppKa ? { ka, ds, ppKa } : { ka, ds };
  }

  /**
   * A remote party's certificate for a public key it holds (`spki`, DER
   * SubjectPublicKeyInfo, any curve): the subject `addRemoteParty` writes,
   * nothing stored, `validity` instead of the PKI's when given. For an
   * Unknown Remote Party read's own KA key, and for tests of what a checker
   * refuses (a P-384 key, a DS certificate offered as KA, an expired one).
   */
  certifyRemotePartyKey(
    eui: Eui,
    role: number,
    slot: 'ka' | 'ds',
    spki: Uint8Array,
    validity?: { notBefore: Date; notAfter: Date },
  ): Uint8Array {
    if (!Number.isInteger(role) || role < 0 || role > 127) throw new RangeError('role must be 0..127');
    return this.signCertificate(slot, remotePartySubject(normaliseEui(eui), role), spki, [], validity).der;
  }

  /** Files in the RTDS keystore layout (`<eui>[-pp]-<ka|ds>.<pem|key>`) for the keys issued so far. */
  static keystoreFiles(keys: IssuedKey[], withPrivateKeys = true): Array<{ name: string; text: string }> {
    const out: Array<{ name: string; text: string }> = [];
    for (const k of keys) {
      const base = `${k.eui.toLowerCase()}${k.slot === 'pp-ka' ? '-pp-ka' : `-${k.slot}`}`;
      out.push({ name: `${base}.pem`, text: k.certificatePem });
      if (withPrivateKeys) out.push({ name: `${base}.key`, text: k.privateKeyPem });
    }
    return out;
  }
}

/** Creates a test PKI (root + issuing CA) with an empty key store: `createTestPki()` then `addDevice` / `addRemoteParty`. */
export function createTestPki(opts: TestPkiOptions = {}): Promise<TestPki> {
  return TestPki.create(opts);
}
