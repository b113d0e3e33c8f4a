/**
 * Ready-made device profiles for the home composition, the simulator and
 * tests:
 * - `rtdsEsmeProfile(keyStore)`: the RTDS ESME 00DB1234567890A0 with the
 *   fixture KA private key, a generated DS key (the RTDS ships none for
 *   devices) and the RTDS trust anchors;
 * - `generatedWorld(euis)`: the RTDS EUIs with fresh keys under one generated
 *   test PKI, so every device has private keys (GSME, PPMID...).
 */
import { X509Certificate } from 'node:crypto';
import {
  createTestPki,
  type Eui,
  type GbcsCertificate,
  type IssuedKey,
  type MemoryKeyStore,
  SecurityContext,
  type TestPki,
} from '../../gbcs/index.ts';
import {
  anchorFromKeyStore,
  type DeviceCredentials,
  type PeerDevice,
  type RemotePartyAnchor,
  RTDS_DEVICES,
  RTDS_PARTIES,
  rtdsDeviceCredentials,
  rtdsTrustAnchors,
  type TrustAnchorCellName,
  TrustAnchors,
} from './credentials.ts';

/** RTDS profile of one device: its credentials (RTDS KA key + a generated DS key) and trust anchors. */
export interface RtdsProfile {
  keyStore: MemoryKeyStore;
  credentials: DeviceCredentials;
  trustAnchors: TrustAnchors;
  /** the generated DS certificate that verifies the device's signed responses and alerts */
  dsCertificate: GbcsCertificate;
  /** a SecurityContext over the whole fixture key store (remote parties' private keys): verifies and builds */
  remote: SecurityContext;
}

/**
 * The RTDS ESME profile: `00DB1234567890A0` with the fixture KA private key,
 * a generated DS key (RTDS ships none for devices), and the RTDS trust anchors.
 */
export async function rtdsEsmeProfile(
  keyStore: MemoryKeyStore,
  peers: PeerDevice[] = [],
): Promise<RtdsProfile> {
  const pki = await createTestPki();
  const { ds } = await pki.addDevice(RTDS_DEVICES.esme, { storePrivateKeys: false });
  const credentials = rtdsDeviceCredentials(keyStore, RTDS_DEVICES.esme, {
    dsPrivateKey: ds.privateKey,
    dsCertificate: ds.certificate,
  });
  return {
    keyStore,
    credentials,
    trustAnchors: rtdsTrustAnchors(keyStore, { peers }),
    dsCertificate: ds.certificate,
    remote: new SecurityContext({ keyStore }),
  };
}

/** A generated GBCS world: the RTDS EUIs with fresh keys (so device private keys exist for every device). */
export interface GeneratedWorld {
  pki: TestPki;
  /** every private key: builds and verifies anything */
  remote: SecurityContext;
  /** trust anchors a device of this world holds (RTDS roles), with the given peers */
  trustAnchors(peers?: PeerDevice[]): TrustAnchors;
  /** credentials of a device of this world */
  credentials(eui: Eui): DeviceCredentials;
  peer(eui: Eui, deviceType: PeerDevice['deviceType']): PeerDevice;
}

/**
 * Issues keys for the RTDS remote parties (suppliers with prepayment keys,
 * network operator, ACB, transitional CoS, WAN provider, recovery, load
 * controller) and for `devices`, all under one generated test PKI.
 */
export async function generatedWorld(devices: Eui[]): Promise<GeneratedWorld> {
  const pki = await createTestPki();
  const P = RTDS_PARTIES;
  await pki.addRemoteParty(P.supplier, 2, { prepayment: true });
  await pki.addRemoteParty(P.supplier2, 2, { prepayment: true });
  await pki.addRemoteParty(P.networkOperator, 3);
  await pki.addRemoteParty(P.acb, 4);
  await pki.addRemoteParty(P.transitionalCoS, 5);
  await pki.addRemoteParty(P.wanProvider, 6);
  await pki.addRemoteParty(P.recovery, 1);
  await pki.addRemoteParty(P.loadController, 8);
  const issued = new Map<Eui, { ka: IssuedKey; ds: IssuedKey }>();
  for (const d of devices) issued.set(d, await pki.addDevice(d));
  const store = pki.store;
  return {
    pki,
    remote: new SecurityContext({ keyStore: store }),
    trustAnchors: (peers = []) => {
      const cells: Partial<Record<TrustAnchorCellName, RemotePartyAnchor>> = {};
      const want: Array<[TrustAnchorCellName, Eui]> = [
        ['supplier', P.supplier],
        ['networkOperator', P.networkOperator],
        ['acb', P.acb],
        ['transitionalCoS', P.transitionalCoS],
        ['wanProvider', P.wanProvider],
        ['recovery', P.recovery],
        ['loadController', P.loadController],
      ];
      for (const [cell, eui] of want) cells[cell] = anchorFromKeyStore(store, eui);
      const ta = new TrustAnchors(cells, peers);
      ta.rootPublicKey = new X509Certificate(pki.root.certificatePem).publicKey;
      return ta;
    },
    credentials: (eui) => {
      const k = issued.get(eui);
      if (!k) throw new Error(`no generated device ${eui}`);
      return {
        eui,
        kaPrivateKey: k.ka.privateKey,
        kaCertificate: k.ka.certificate,
        dsPrivateKey: k.ds.privateKey,
        dsCertificate: k.ds.certificate,
      };
    },
    peer: (eui, deviceType) => {
      const k = issued.get(eui);
      if (!k) throw new Error(`no generated device ${eui}`);
      return { eui, deviceType, ka: k.ka.certificate, ds: k.ds.certificate };
    },
  };
}
