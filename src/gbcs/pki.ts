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
import { createHash, type KeyObject, sign, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { fromHex, normaliseEui, toHex } from '../runtime/bytes.ts';
import { children, oid, readTlv, tlv } from './asn1.ts';
import { generateP256KeyPair, type P256KeyPair } from './crypto.ts';
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

function newPair(): P256KeyPair {
  return generateP256KeyPair();
}

/** SubjectPublicKeyInfo of a P-256 key up to the point (RFC 5480: id-ecPublicKey, prime256v1, BIT STRING of 66 bytes). */
const P256_SPKI_PREFIX = fromHex('3059301306072A8648CE3D020106082A8648CE3D030107034200');

/**
 * The DER SubjectPublicKeyInfo of a P-256 public key, as `export({ format:
 * 'der', type: 'spki' })` writes it (the uncompressed point 04 || x || y),
 * built from the key's JWK coordinates: node's DER export cost about 130 us
 * a key, the JWK one about 15-35 (issue 16: ten keys per home at set-up).
 */
export function p256Spki(publicKey: KeyObject): Uint8Array {
  const jwk = publicKey.export({ format: 'jwk' });
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || !jwk.x || !jwk.y)
    throw new RangeError(`not a P-256 public key (${jwk.kty} ${jwk.crv})`);
  const x = Buffer.from(jwk.x, 'base64url');
  const y = Buffer.from(jwk.y, 'base64url');
  if (x.length !== 32 || y.length !== 32) throw new RangeError('P-256 coordinates must be 32 bytes');
  const out = new Uint8Array(P256_SPKI_PREFIX.length + 65);
  out.set(P256_SPKI_PREFIX);
  out[P256_SPKI_PREFIX.length] = 0x04;
  out.set(x, P256_SPKI_PREFIX.length + 1);
  out.set(y, P256_SPKI_PREFIX.length + 33);
  return out;
}

/** The DER SubjectPublicKeyInfo of a P-256 public point (04 || x || y). */
function spkiOfPoint(point: Uint8Array): Uint8Array {
  if (point.length !== 65 || point[0] !== 0x04) throw new RangeError('not an uncompressed P-256 point');
  const out = new Uint8Array(P256_SPKI_PREFIX.length + 65);
  out.set(P256_SPKI_PREFIX);
  out.set(point, P256_SPKI_PREFIX.length);
  return out;
}

function serial(): string {
  // positive 16-byte serial
  const b = webcrypto.getRandomValues(new Uint8Array(16));
  b[0] &= 0x7f;
  b[0] |= 0x01;
  return Buffer.from(b).toString('hex');
}

const ECDSA_WITH_SHA256 = tlv(0x30, oid('1.2.840.10045.4.3.2'));
const OID_KEY_USAGE = '2.5.29.15';
const OID_SKI = '2.5.29.14';
const OID_AKI = '2.5.29.35';
const OID_CERTIFICATE_POLICIES = '2.5.29.32';
const OID_OU = '2.5.4.11';

/** An Extension (RFC 5280 4.1): extnID, critical when true, extnValue. */
function extension(id: string, critical: boolean, value: Uint8Array): Uint8Array {
  return tlv(0x30, oid(id), ...(critical ? [Uint8Array.of(0x01, 0x01, 0xff)] : []), tlv(0x04, value));
}

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
  const sha1 = createHash('sha1').update(bits.value.subarray(1)).digest();
  const ski = new Uint8Array(sha1.subarray(12));
  ski[0] = 0x40 | (ski[0] & 0x0f);
  return ski;
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
  }

  /** The issuing CA's subject (DER), the issuer of every end-entity certificate. */
  private readonly issuerName: Uint8Array;
  /** The issuing CA's key identifier (the AKI of every end-entity certificate). */
  private readonly issuerKeyId: Uint8Array;

  static async create(opts: TestPkiOptions = {}): Promise<TestPki> {
    const validity = {
      notBefore: opts.notBefore ?? new Date(Date.UTC(2020, 0, 1)),
      notAfter: opts.notAfter ?? new Date(Date.UTC(9999, 11, 31, 23, 59, 59)),
    };
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
  ): { der: Uint8Array; serialBytes: Uint8Array } {
    // keyUsage (RFC 5280 4.2.1.3): digitalSignature is bit 0, keyAgreement bit 4
    const usageBits = slot === 'ds' ? Uint8Array.of(0x07, 0x80) : Uint8Array.of(0x03, 0x08);
    const serialBytes = fromHex(serial());
    const tbs = tlv(
      0x30,
      tlv(0xa0, tlv(0x02, Uint8Array.of(2))),
      tlv(0x02, serialBytes),
      ECDSA_WITH_SHA256,
      this.issuerName,
      tlv(0x30, derTime(this.validity.notBefore), derTime(this.validity.notAfter)),
      subject,
      spki,
      tlv(
        0xa3,
        tlv(
          0x30,
          extension(OID_KEY_USAGE, true, tlv(0x03, usageBits)),
          extension(OID_SKI, false, tlv(0x04, keyIdentifier(spki))),
          extension(OID_CERTIFICATE_POLICIES, true, tlv(0x30, tlv(0x30, oid(OID_GBCS_POLICY)))),
          extension(OID_AKI, false, tlv(0x30, tlv(0x80, this.issuerKeyId))),
          ...extra,
        ),
      ),
    );
    const signature = sign('sha256', tbs, { key: this.issuingCa.privateKey, dsaEncoding: 'der' });
    return { der: tlv(0x30, tbs, ECDSA_WITH_SHA256, tlv(0x03, Uint8Array.of(0), signature)), serialBytes };
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
    const { der, serialBytes } = this.signCertificate(slot, subject, spkiOfPoint(pair.point), extra);
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
    // subject: OU = role (two digits), x500UniqueIdentifier = the EUI as a BIT STRING (GBCS 4.3)
    const subject = tlv(
      0x30,
      tlv(0x31, tlv(0x30, oid(OID_OU), tlv(0x0c, new TextEncoder().encode(String(role).padStart(2, '0'))))),
      tlv(0x31, tlv(0x30, oid(OID_X500_UNIQUE_IDENTIFIER), tlv(0x03, Uint8Array.of(0, ...fromHex(e))))),
    );
    const keep = opts.storePrivateKeys ?? true;
    const ka = await this.issue(e, 'ka', subject, role, [], keep);
    const ds = await this.issue(e, 'ds', subject, role, [], keep);
    const ppKa = opts.prepayment ? await this.issue(e, 'pp-ka', subject, role, [], keep) : undefined;
    return ppKa ? { ka, ds, ppKa } : { ka, ds };
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
