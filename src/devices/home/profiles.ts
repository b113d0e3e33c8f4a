/**
 * Home profiles: who is who in a home and which keys each party holds.
 *
 * - `rtds`: the RTDS fixture EUIs (ESME 00DB1234567890A0, GSME ...A1, CHF
 *   ...A2, GPF ...A3, PPMID ...A4 relay-enabled) and the fixture keystore's
 *   certificates as trust anchors; the ESME holds the fixture ESME KA key, so
 *   it can check the ACB MAC of every RTDS command addressed to it. The
 *   fixture has no other device private key: this profile issues fresh KA and
 *   DS keys for the CHF, GPF, GSME and PPMID, and a fresh DS key for the ESME,
 *   from a test PKI (src/gbcs/pki.ts), and puts those certificates in place of
 *   the fixture ones, so the devices' responses and alerts are real GBCS the
 *   CSP side can verify. Consequence: RTDS commands addressed to the CHF, GPF
 *   or GSME (MAC'd for the fixture keys) fail those devices' MAC checks, as
 *   they would on any other device.
 * - `generated`: the same EUIs, roles and key usages, every key fresh from a
 *   test PKI this project creates (nothing from the fixtures).
 *
 * Install codes: the ESME's is the one in the RTDS CCS01 fixture
 * ("0123456789ABCDEF"); the others are derived from the EUI (SHA-256), so a
 * profile is reproducible.
 */
import { createHash, type KeyObject, X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { HolderKeyStore, type KeyStore, type MemoryKeyStore } from '../../gbcs/keystore.ts';
import { loadKeyStoreDir } from '../../gbcs/keystore-dir.ts';
import { createTestPki } from '../../gbcs/pki.ts';
import { type Eui, normaliseEui } from '../../runtime/bytes.ts';
import { ConfigError } from '../../runtime/errors.ts';
import { rtdsRootPublicKey } from '../security/rtds-root.ts';

export type ProfileName = 'rtds' | 'generated';

export interface HomeEuis {
  esme: Eui;
  gsme: Eui;
  chf: Eui;
  gpf: Eui;
  ppmid: Eui;
  /** an HHT that may join within the CH's start-up window */
  hht: Eui;
  /**
   * the HAN Connected ALCS a home may have (its `hcalcs` option): the RTDS
   * ESME's auxiliary load switch 2 is this HCALCS (its alcsDeviceId2), so the
   * ESME drives it (docs/devices.md "HCALCS in a home")
   */
  hcalcs: Eui;
}

export interface HomeProfile {
  name: ProfileName;
  euis: HomeEuis;
  /** Access Control Broker (MACs commands), role 4 */
  acb: Eui;
  /** CSP's WAN provider / Communications Hub Manager (Block / Unblock Buffer Feed), role 6 */
  wanProvider: Eui;
  /** the import supplier, role 2 */
  supplier: Eui;
  /** the network operator, role 3 */
  networkOperator: Eui;
  /** Every certificate and private key of the profile (the test world: remote parties' keys included). */
  world: MemoryKeyStore;
  /** Install code (without CRC) per device EUI. */
  installCodes: Record<Eui, Uint8Array>;
  /** The Root public key of the devices' root Trust Anchor cell (certification paths of CS02b); absent: none */
  rootPublicKey?: KeyObject;
}

export const RTDS_EUIS: HomeEuis = {
  esme: '00DB1234567890A0',
  gsme: '00DB1234567890A1',
  chf: '00DB1234567890A2',
  gpf: '00DB1234567890A3',
  ppmid: '00DB1234567890A4',
  hht: '00DB1234567890C9',
  hcalcs: '00DB123456789097',
};

const PARTIES = {
  acb: '90B3D51F30000002',
  wanProvider: '90B3D51F30000007',
  supplier: '90B3D51F30010000',
  networkOperator: '90B3D51F30020000',
  recovery: '90B3D51F30000001',
  transitionalCoS: '90B3D51F30000004',
} as const;

/** The ESME install code of the RTDS CCS01 fixture ("0123456789ABCDEF" as 16 bytes). */
export const RTDS_ESME_INSTALL_CODE = new TextEncoder().encode('0123456789ABCDEF');

/** A reproducible 16-byte install code for an EUI. */
export function derivedInstallCode(eui: Eui): Uint8Array {
  return new Uint8Array(
    createHash('sha256')
      .update(`install-code:${normaliseEui(eui)}`)
      .digest()
      .subarray(0, 16),
  );
}

/** Where the shared fixtures are: `PPMID_FIXTURES`, or `../shared/fixtures` beside the checkout. */
export function fixturesDir(): string {
  const repo = resolve(new URL('../../..', import.meta.url).pathname);
  return resolve(process.env.PPMID_FIXTURES ?? join(repo, '..', 'shared', 'fixtures'));
}

function installCodes(e: HomeEuis): Record<Eui, Uint8Array> {
  return {
    [e.esme]: RTDS_ESME_INSTALL_CODE,
    [e.gsme]: derivedInstallCode(e.gsme),
    [e.ppmid]: derivedInstallCode(e.ppmid),
    [e.hht]: derivedInstallCode(e.hht),
    [e.hcalcs]: derivedInstallCode(e.hcalcs),
  };
}

/**
 * A key store with `world`'s certificates and public keys (the trust anchors)
 * and the private keys of `holders` only: what one party really holds. A
 * view of `world` (HolderKeyStore), so N homes cost N small views, not N
 * copies of an N-home world.
 */
export function keyStoreFor(world: KeyStore, holders: Eui[]): KeyStore {
  return new HolderKeyStore(world, holders);
}

export interface LoadProfileOptions {
  /** RTDS keystore directory (default: fixtures/rtds/keystore). */
  keystoreDir?: string;
}

/** Builds a profile (async: fresh keys are issued by a test PKI). */
export async function loadProfile(name: ProfileName, opts: LoadProfileOptions = {}): Promise<HomeProfile> {
  const euis = { ...RTDS_EUIS };
  if (name === 'rtds') {
    const dir = opts.keystoreDir ?? join(fixturesDir(), 'rtds', 'keystore');
    if (!existsSync(dir)) throw new ConfigError(`RTDS keystore not found at ${dir} (set PPMID_FIXTURES)`);
    const world = loadKeyStoreDir(dir);
    // The fixture holds only the ESME's KA private key. Every other device key
    // this home needs is issued fresh and replaces the fixture certificate.
    const pki = await createTestPki({ store: world });
    for (const eui of [euis.chf, euis.gpf, euis.gsme, euis.ppmid, euis.hcalcs]) await pki.addDevice(eui);
    // The ESME keeps its fixture KA key (it verifies the RTDS ACB MACs); only its DS key is new.
    const side = await createTestPki();
    const { ds } = await side.addDevice(euis.esme, { storePrivateKeys: false });
    world.addCertificate(ds.certificate, 'ds');
    world.addPrivateKey(euis.esme, 'ds', ds.privateKey);
    return {
      name,
      euis,
      ...PARTIES,
      world,
      installCodes: installCodes(euis),
      rootPublicKey: rtdsRootPublicKey(),
    };
  }
  if (name === 'generated') {
    const pki = await createTestPki();
    await pki.addRemoteParty(PARTIES.acb, 4);
    await pki.addRemoteParty(PARTIES.supplier, 2, { prepayment: true });
    await pki.addRemoteParty(PARTIES.networkOperator, 3);
    await pki.addRemoteParty(PARTIES.wanProvider, 6);
    await pki.addRemoteParty(PARTIES.recovery, 1);
    await pki.addRemoteParty(PARTIES.transitionalCoS, 5);
    for (const eui of [euis.esme, euis.gsme, euis.chf, euis.gpf, euis.ppmid, euis.hcalcs])
      await pki.addDevice(eui);
    return {
      name,
      euis,
      ...PARTIES,
      world: pki.store,
      installCodes: installCodes(euis),
      rootPublicKey: new X509Certificate(pki.root.certificatePem).publicKey,
    };
  }
  throw new ConfigError(`unknown profile ${JSON.stringify(name)} (rtds | generated)`);
}
