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
import { generateKeyPairSync, type KeyObject, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { fromHex, normaliseEui } from '../runtime/bytes.ts';
import { oid, tlv } from './asn1.ts';
import {
  type GbcsCertificate,
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
  /** PEM of the certificate and PKCS#8 PEM of the private key (the RTDS keystore file contents) */
  certificatePem: string;
  privateKeyPem: string;
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

function newPair(): { privateKey: KeyObject; publicKey: KeyObject } {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' });
}

function serial(): string {
  // positive 16-byte serial
  const b = webcrypto.getRandomValues(new Uint8Array(16));
  b[0] &= 0x7f;
  b[0] |= 0x01;
  return Buffer.from(b).toString('hex');
}

function ab(b: Uint8Array): ArrayBuffer {
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
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
    private readonly issuerKeys: CryptoKeyPair,
    private readonly validity: { notBefore: Date; notAfter: Date },
    store: MemoryKeyStore,
  ) {
    this.store = store;
  }

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
      caKeys,
      validity,
      opts.store ?? new MemoryKeyStore(),
    );
  }

  private async issue(
    eui: Eui,
    slot: KeySlot,
    subject: x509.JsonName | string,
    extra: x509.Extension[],
    addPrivateKey: boolean,
  ): Promise<IssuedKey> {
    const pair = newPair();
    const keys = await toCryptoKeys(pair);
    const usage = slot === 'ds' ? x509.KeyUsageFlags.digitalSignature : x509.KeyUsageFlags.keyAgreement;
    const cert = await x509.X509CertificateGenerator.create(
      {
        serialNumber: serial(),
        subject,
        issuer: this.issuingCa.certificate.subject,
        publicKey: keys.publicKey,
        signingKey: this.issuerKeys.privateKey,
        signingAlgorithm: SIGNING,
        ...this.validity,
        extensions: [
          new x509.KeyUsagesExtension(usage, true),
          await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
          new x509.CertificatePolicyExtension([OID_GBCS_POLICY], true),
          await x509.AuthorityKeyIdentifierExtension.create(this.issuingCa.certificate, false, crypto),
          ...extra,
        ],
      },
      crypto,
    );
    const certificate = parseGbcsCertificate(new Uint8Array(cert.rawData));
    this.store.addCertificate(certificate, slot);
    if (addPrivateKey) this.store.addPrivateKey(eui, slot, pair.privateKey);
    return {
      eui: certificate.eui,
      slot,
      certificate,
      privateKey: pair.privateKey,
      publicKey: pair.publicKey,
      certificatePem: cert.toString('pem'),
      privateKeyPem: pair.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
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
    const san = new x509.Extension(OID_SUBJECT_ALT_NAME, true, ab(deviceSubjectAltName(e)));
    const keep = opts.storePrivateKeys ?? true;
    const ka = await this.issue(e, 'ka', [], [san], keep);
    const ds = await this.issue(e, 'ds', [], [san], keep);
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
    const uid = `#${Buffer.from(tlv(0x03, Uint8Array.of(0, ...fromHex(e)))).toString('hex')}`;
    const subject: x509.JsonName = [
      { OU: [String(role).padStart(2, '0')] },
      { [OID_X500_UNIQUE_IDENTIFIER]: [uid] },
    ];
    const keep = opts.storePrivateKeys ?? true;
    const ka = await this.issue(e, 'ka', subject, [], keep);
    const ds = await this.issue(e, 'ds', subject, [], keep);
    const ppKa = opts.prepayment ? await this.issue(e, 'pp-ka', subject, [], keep) : undefined;
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
