/**
 * Provisioning an enhanced PPMID in a home profile (SECMP0038 SU-3: its GBCS
 * certificates, its supplier's delivery key, its reporting key; the relay flag
 * is the Device Log's). What the home composition and the test automation API
 * call to put a real PPMID application on the home's PPMID node.
 */
import type { KeyObject } from 'node:crypto';
import { generateSigningKeyPair, type SigningKeyPair } from '../../delivery/index.ts';
import type { Eui } from '../../runtime/bytes.ts';
import type { Clock } from '../../runtime/clock.ts';
import type { Metrics } from '../../runtime/metrics.ts';
import type { HomeProfile } from '../home/profiles.ts';
import {
  anchorFromKeyStore,
  CELL_BY_ROLE,
  type DeviceCredentials,
  DeviceCredentialsError,
  peerFromKeyStore,
  TrustAnchors,
} from '../security/credentials.ts';
import { type HomeDevice, Ppmid, type PpmidOptions } from './ppmid.ts';

export interface ProvisionedPpmid {
  ppmid: Ppmid;
  /** the supplier's delivery key pair (the private key signs envelopes: the supplier service, the ATPS) */
  delivery: { supplierId: Eui; key: SigningKeyPair };
  /** the PPMID's reporting key pair (the public key verifies its status reports) */
  reporting: SigningKeyPair;
  /** what the PPMID was built with (for `Ppmid.restore`) */
  options: PpmidOptions;
}

/**
 * A PPMID for `profile` (its EUI `profile.euis.ppmid`): its KA/DS keys from the
 * profile's world, trust anchors for every remote party role of the profile,
 * the GSME as its HAN peer, the home's devices (ESME, GSME, CHF, GPF, PPMID,
 * HHT), a fresh delivery key for `profile.supplier` (or the one given) and a
 * fresh reporting key.
 */
export function provisionPpmid(o: {
  profile: HomeProfile;
  clock: Clock;
  metrics?: Metrics;
  /** reuse a supplier delivery key (e.g. one supplier service for many PPMIDs) */
  deliveryKey?: SigningKeyPair;
  options?: Partial<PpmidOptions>;
}): ProvisionedPpmid {
  const { profile } = o;
  const e = profile.euis;
  const w = profile.world;
  const kaPrivateKey = w.privateKey(e.ppmid, 'ka');
  const dsPrivateKey = w.privateKey(e.ppmid, 'ds');
  const dsCertificate = w.certificate(e.ppmid, 'ds');
  if (!kaPrivateKey || !dsPrivateKey || !dsCertificate)
    throw new DeviceCredentialsError(
      `profile ${profile.name} holds no KA and DS keys for the PPMID ${e.ppmid}`,
    );
  const credentials: DeviceCredentials = {
    eui: e.ppmid,
    kaPrivateKey,
    kaCertificate: w.certificate(e.ppmid, 'ka') ?? null,
    dsPrivateKey,
    dsCertificate,
  };
  const trustAnchors = new TrustAnchors();
  const taken = new Set<string>();
  for (const eui of [profile.supplier, ...w.euis()]) {
    const a = anchorFromKeyStore(w, eui);
    const cell = a ? CELL_BY_ROLE[a.role] : undefined;
    if (!a || !cell || taken.has(cell)) continue;
    taken.add(cell);
    trustAnchors.setCell(cell, a);
  }
  trustAnchors.addPeer(peerFromKeyStore(w, e.gsme, 'GSME'));
  const homeDevices: HomeDevice[] = [
    { eui: e.esme, deviceType: 'ESME' },
    { eui: e.gsme, deviceType: 'GSME' },
    { eui: e.chf, deviceType: 'CHF' },
    { eui: e.gpf, deviceType: 'GPF' },
    { eui: e.ppmid, deviceType: 'PPMID' },
    { eui: e.hht, deviceType: 'HHT' },
  ];
  const delivery = o.deliveryKey ?? generateSigningKeyPair();
  const reporting = generateSigningKeyPair();
  const options: PpmidOptions = {
    eui: e.ppmid,
    clock: o.clock,
    credentials,
    trustAnchors,
    homeDevices,
    supplierDeliveryKeys: new Map<Eui, KeyObject>([[profile.supplier, delivery.publicKey]]),
    reportingKey: reporting.privateKey,
    ...(o.metrics ? { metrics: o.metrics } : {}),
    ...(o.options ?? {}),
  };
  return {
    ppmid: new Ppmid(options),
    delivery: { supplierId: profile.supplier, key: delivery },
    reporting,
    options,
  };
}
