/**
 * The device's own key pairs and certificates (GBCS 13.3.5, DUIS 6.15.2 /
 * 6.17 / 6.24.2), the same on every meter:
 *
 * - CS02c Issue Security Credentials: the device generates a new P-256 key
 *   pair for the key usage asked (DS or KA) and answers a PKCS#10
 *   CertificationRequest (RFC 2986) signed with the new private key: empty
 *   subject, the new SubjectPublicKeyInfo, an extensionRequest with keyUsage
 *   (critical) and the subjectAltName HardwareModuleName carrying its EUI
 *   (critical), the layout of the RTDS 6.17 response. The key pair waits for
 *   its certificate; the key in use does not change.
 * - CS02d Update Device Certificate on Device: a Device Certificate for this
 *   EUI whose public key is that of the waiting key pair of its key usage:
 *   the pair and the certificate become the device's (responses and alerts
 *   are then signed / MAC'd with the new key), response 0. A certificate for
 *   the key already in use replaces the certificate only. Anything else (no
 *   waiting key pair with that public key, another device's certificate):
 *   response 3, nothing changes.
 * - CS02e Provide Device Certificate from Device: the device's certificate of
 *   the key usage asked.
 *
 * A key store the device cannot use (backchannel `hardwareFault` on
 * `deviceCredentials.ds` / `deviceCredentials.ka`, e.g. a failed secure
 * element) answers 3 to CS02c and CS02e for that key usage and refuses CS02d.
 *
 * PROVISIONAL (GBCS 13.3.5 text not available here): the response code 3
 * for every refusal is the one the RTDS ERROR examples of 6.15.2, 6.17 and
 * 6.24.2 show; the acceptance rule of CS02d (public key of the waiting pair,
 * or of the key in use) is designed from GBCS 4.3 (a device only ever holds
 * certificates for key pairs it generated) and confirmed on the RTDS flow
 * 6.17 -> 6.15.2 -> 6.24.2 (the certificate CS02d installs carries the
 * public key the CS02c request carried, and CS02e returns it).
 */
import { createPrivateKey, createPublicKey, type KeyObject, sign } from 'node:crypto';
import { oid, tlv } from '../../gbcs/asn1.ts';
import { generateP256KeyPair } from '../../gbcs/crypto.ts';
import { type GbcsCertificate, OID_SUBJECT_ALT_NAME, parseGbcsCertificate } from '../../gbcs/keystore.ts';
import { deviceSubjectAltName, p256Spki } from '../../gbcs/pki.ts';
import { fromHex, toHex } from '../../runtime/bytes.ts';
import type { DeviceCredentials } from '../security/credentials.ts';
import type { DeviceSecurity } from '../security/device-security.ts';
import type { HandlerResult, RegistryDevice, UseCaseCall } from './use-case-registry.ts';

export type DeviceKeyUsage = 'ds' | 'ka';

/** The device's own keys beyond its profile's (JSON-safe, part of the meter's credential state). */
export interface DeviceKeyState {
  /** key pairs CS02c generated that wait for their certificate: PKCS#8 DER hex by key usage */
  pending: Partial<Record<DeviceKeyUsage, string>>;
  /** key pairs and certificates CS02d installed over the profile's: DER hex by key usage */
  installed: Partial<Record<DeviceKeyUsage, { privateKey: string; certificate: string }>>;
}

export function defaultDeviceKeyState(): DeviceKeyState {
  return { pending: {}, installed: {} };
}

/** Response code of a refused CS02c / CS02d / CS02e (RTDS 6.15.2 / 6.17 / 6.24.2 ERROR). */
export const DEVICE_CREDENTIALS_REFUSED = 3;

/** The hardware-fault name of a key store (backchannel `hardwareFault`). */
export function keyStoreFault(usage: DeviceKeyUsage): string {
  return `deviceCredentials.${usage}`;
}

/** What these use cases need of a meter. */
export interface DeviceKeyHolder extends RegistryDevice {
  readonly eui: string;
  readonly security: DeviceSecurity;
  /** the live key state (read through this: replaced on restore) */
  readonly deviceKeys: DeviceKeyState;
}

/** KeyUsage BIT STRING of the command (catalogue KeyUsage: '1' digitalSignature, '00001' keyAgreement). */
function usageOf(keyUsage: string): DeviceKeyUsage | null {
  if (keyUsage === '1') return 'ds';
  if (keyUsage === '00001') return 'ka';
  return null;
}

const OID_EXTENSION_REQUEST = '1.2.840.113549.1.9.14';
const OID_KEY_USAGE = '2.5.29.15';
const ECDSA_WITH_SHA256 = tlv(0x30, oid('1.2.840.10045.4.3.2'));
const CRITICAL = Uint8Array.of(0x01, 0x01, 0xff);
/** keyUsage BIT STRING values (RFC 5280 4.2.1.3): digitalSignature bit 0, keyAgreement bit 4. */
const KEY_USAGE_BITS: Record<DeviceKeyUsage, Uint8Array> = {
  ds: Uint8Array.of(0x07, 0x80),
  ka: Uint8Array.of(0x03, 0x08),
};

/** The PKCS#10 CertificationRequest (RFC 2986) for a device key (RTDS 6.17 layout), signed with that key. */
export function deviceCertificationRequest(
  eui: string,
  usage: DeviceKeyUsage,
  pair: { privateKey: KeyObject; publicKey: KeyObject },
): Uint8Array {
  const ext = (id: string, value: Uint8Array) => tlv(0x30, oid(id), CRITICAL, tlv(0x04, value));
  const info = tlv(
    0x30,
    tlv(0x02, Uint8Array.of(0)),
    tlv(0x30),
    p256Spki(pair.publicKey),
    tlv(
      0xa0,
      tlv(
        0x30,
        oid(OID_EXTENSION_REQUEST),
        tlv(
          0x31,
          tlv(
            0x30,
            ext(OID_KEY_USAGE, tlv(0x03, KEY_USAGE_BITS[usage])),
            ext(OID_SUBJECT_ALT_NAME, deviceSubjectAltName(eui)),
          ),
        ),
      ),
    ),
  );
  const signature = sign('sha256', info, { key: pair.privateKey, dsaEncoding: 'der' });
  return tlv(0x30, info, ECDSA_WITH_SHA256, tlv(0x03, Uint8Array.of(0), signature));
}

/**
 * A refusal: CS02c and CS02e answer the responseCode alternative of their CHOICE; CS02d's response is a bare
 * INTEGER (RTDS 6.15.2 ERROR response: 02 01 03), so `bare` answers the code alone.
 */
function refused(why: string, bare = false): HandlerResult {
  return {
    response: bare ? DEVICE_CREDENTIALS_REFUSED : { responseCode: DEVICE_CREDENTIALS_REFUSED },
    outcome: 'failed',
    detail: { refused: why },
  };
}

/** The refusal of a use of `usage` while its key store has a hardware fault (undefined: not faulted). */
function faultedKeyStore(d: DeviceKeyHolder, usage: DeviceKeyUsage, bare = false): HandlerResult | undefined {
  return d.hardwareFaults().has(keyStoreFault(usage))
    ? refused(`the ${usage} key store has a hardware fault`, bare)
    : undefined;
}

/** The key usage a command names (CS02c, CS02e), or its refusal: an unknown usage, a faulted key store. */
function usableKeyUsage(d: DeviceKeyHolder, keyUsage: string): DeviceKeyUsage | HandlerResult {
  const usage = usageOf(keyUsage);
  if (!usage) return refused(`key usage ${keyUsage}`);
  return faultedKeyStore(d, usage) ?? usage;
}

/** CS02c: a new key pair waits for its certificate; the answer is its certification request. */
export function issueSecurityCredentials(
  call: UseCaseCall<{ keyUsage: string }>,
  d: DeviceKeyHolder,
): HandlerResult {
  const usage = usableKeyUsage(d, call.fields.keyUsage);
  if (typeof usage !== 'string') return usage;
  const pair = generateP256KeyPair(); // not generateKeyPairSync: it can deadlock (gbcs/crypto.ts)
  const csr = deviceCertificationRequest(d.eui, usage, pair);
  d.deviceKeys.pending[usage] = toHex(pair.privateKey.export({ format: 'der', type: 'pkcs8' }));
  return {
    response: { certificationRequest: toHex(csr) },
    outcome: 'applied',
    detail: { keyUsage: usage, pending: true },
  };
}

/** CS02d: installs a Device Certificate for the waiting key pair (or for the key in use). */
export function updateDeviceCertificate(call: UseCaseCall<string>, d: DeviceKeyHolder): HandlerResult {
  let cert: GbcsCertificate;
  try {
    cert = parseGbcsCertificate(fromHex(call.fields));
  } catch (err) {
    return refused(err instanceof Error ? err.message : String(err), true);
  }
  if (cert.kind !== 'device' || cert.eui !== d.eui)
    return refused(`a certificate for ${cert.eui} (${cert.kind})`, true);
  const usage = cert.usage;
  const fault = faultedKeyStore(d, usage, true);
  if (fault) return fault;
  const own = d.security.ownCredentials;
  const spki = toHex(p256Spki(cert.publicKey));
  const pendingHex = d.deviceKeys.pending[usage];
  const pending = pendingHex ? pkcs8(pendingHex) : null;
  const inUse = currentCertificate(own, usage);
  let privateKey: KeyObject;
  // the public key of the waiting pair (derived from its private key), else of the key in use
  if (pending && toHex(p256Spki(createPublicKey(pending))) === spki) privateKey = pending;
  else if (inUse && toHex(p256Spki(inUse.publicKey)) === spki)
    privateKey = usage === 'ds' ? own.dsPrivateKey : own.kaPrivateKey;
  else return refused(`no ${usage} key pair of this device has the certificate's public key`, true);
  installOwnKey(d.security, usage, privateKey, cert);
  if (privateKey === pending) delete d.deviceKeys.pending[usage];
  d.deviceKeys.installed[usage] = {
    privateKey: toHex(privateKey.export({ format: 'der', type: 'pkcs8' })),
    certificate: toHex(cert.der),
  };
  return { response: 0, outcome: 'applied', detail: { keyUsage: usage, serialNumber: cert.serialNumber } };
}

/** CS02e: the device's certificate of the key usage asked. */
export function provideDeviceCertificate(
  call: UseCaseCall<{ keyUsage: string }>,
  d: DeviceKeyHolder,
): HandlerResult {
  const usage = usableKeyUsage(d, call.fields.keyUsage);
  if (typeof usage !== 'string') return usage;
  const cert = currentCertificate(d.security.ownCredentials, usage);
  if (!cert) return refused(`no ${usage} certificate`);
  return { response: { deviceCertificate: toHex(cert.der) }, outcome: 'read' };
}

/** After a restore: the key pairs and certificates CS02d installed are the device's again. */
export function reapplyInstalledKeys(security: DeviceSecurity, keys: DeviceKeyState): void {
  for (const usage of ['ds', 'ka'] as const) {
    const k = keys.installed[usage];
    if (!k) continue;
    installOwnKey(security, usage, pkcs8(k.privateKey), parseGbcsCertificate(fromHex(k.certificate)));
  }
}

function pkcs8(hex: string): KeyObject {
  return createPrivateKey({ key: Buffer.from(fromHex(hex)), format: 'der', type: 'pkcs8' });
}

function currentCertificate(own: DeviceCredentials, usage: DeviceKeyUsage): GbcsCertificate | null {
  return usage === 'ds' ? own.dsCertificate : own.kaCertificate;
}

function installOwnKey(
  security: DeviceSecurity,
  usage: DeviceKeyUsage,
  privateKey: KeyObject,
  cert: GbcsCertificate,
): void {
  const own = security.ownCredentials;
  security.setOwnCredentials(
    usage === 'ds'
      ? { ...own, dsPrivateKey: privateKey, dsCertificate: cert }
      : { ...own, kaPrivateKey: privateKey, kaCertificate: cert },
  );
}
