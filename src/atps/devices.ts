/**
 * The device applications the test automation API puts in a home by default:
 * the ESME and GSME emulators of devices/esme and devices/gsme with the
 * profile's credentials and trust anchors, and the enhanced PPMID of
 * devices/ppmid (`provisionPpmid`: its GBCS keys from the profile, a fresh
 * supplier delivery key pair and reporting key pair per home, handed to the
 * API through `ctx.provisioned` for the `ppmid-inbox` route; its HanUplink is
 * its TunnelDeviceNode); the GPF of devices/gpf inside the CH, reading the
 * gas mirror the home's GSME writes on every wake (one mirror per home: the
 * home's clock keys it); an HCALCS (devices/hcalcs) in a home created with
 * `hcalcs: true`, driven by the ESME over the HAN.
 */
import type { DeviceType, GbcsDevice } from '../devices/contracts.ts';
import { defaultElectricityLoad, Esme } from '../devices/esme/esme.ts';
import { GasMirror } from '../devices/gpf/gas-mirror.ts';
import { Gpf } from '../devices/gpf/gpf.ts';
import { defaultGasLoad, Gsme } from '../devices/gsme/gsme.ts';
import { Hcalcs } from '../devices/hcalcs/hcalcs.ts';
import type { HomeProfile } from '../devices/home/profiles.ts';
import type { LoadModel } from '../devices/meter-common/metrology.ts';
import { provisionPpmid } from '../devices/ppmid/provision.ts';
import {
  type DeviceCredentials,
  DeviceCredentialsError,
  peerFromKeyStore,
  type TrustAnchors,
  trustAnchorsFromKeyStore,
} from '../devices/security/credentials.ts';
import type { Eui } from '../runtime/bytes.ts';
import type { DeviceAppFactory } from './api.ts';

/** GSMEs wake and poll their CHF mailbox this often (GBCS devices: typically 30 minutes). */
export const GSME_POLL_INTERVAL_MS = 30 * 60_000;

/** A device's own keys from the profile's world key store. */
export function deviceCredentials(profile: HomeProfile, eui: Eui): DeviceCredentials {
  const w = profile.world;
  const kaPrivateKey = w.privateKey(eui, 'ka');
  const dsPrivateKey = w.privateKey(eui, 'ds');
  const dsCertificate = w.certificate(eui, 'ds');
  if (!kaPrivateKey || !dsPrivateKey || !dsCertificate)
    throw new DeviceCredentialsError(`profile ${profile.name} holds no KA and DS keys for ${eui}`);
  return { eui, kaPrivateKey, kaCertificate: w.certificate(eui, 'ka') ?? null, dsPrivateKey, dsCertificate };
}

/** Trust anchors: every remote party of the profile in the cell of its role, plus HAN peers. */
export function deviceTrustAnchors(
  profile: HomeProfile,
  peers: Array<{ eui: Eui; deviceType: DeviceType }> = [],
): TrustAnchors {
  const ta = trustAnchorsFromKeyStore(
    profile.world,
    [profile.supplier, ...profile.world.euis()],
    profile.rootPublicKey ?? null,
  );
  for (const p of peers) ta.addPeer(peerFromKeyStore(profile.world, p.eui, p.deviceType));
  return ta;
}

/** The gas mirror of each home (keyed by the home's clock, which every app of one home shares). */
const MIRRORS = new WeakMap<object, GasMirror>();
function mirrorOf(clock: object): GasMirror {
  let m = MIRRORS.get(clock);
  if (!m) {
    m = new GasMirror();
    MIRRORS.set(clock, m);
  }
  return m;
}

/**
 * Consumption over virtual time (meter-common/metrology.ts, lazy: computed
 * from the elapsed device time when a meter handles a message, wakes or is
 * read; no timer per meter) in every home except the `rtds` profile's, whose
 * meters keep the RTDS reference registers the fidelity suites compare with.
 */
export function homeMetrology(
  profile: HomeProfile,
  load: () => LoadModel,
): { metrology?: { load: LoadModel } } {
  return profile.name === 'rtds' ? {} : { metrology: { load: load() } };
}

export const defaultDeviceApps: DeviceAppFactory = ({
  profile,
  clock,
  random,
  eui,
  deviceType,
  esmeVariant,
  metrics,
  provisioned,
}): GbcsDevice | undefined => {
  const e = profile.euis;
  if (deviceType === 'PPMID' && eui === e.ppmid) {
    // the enhanced PPMID (PP-1..PP-5), provisioned as SU-3 would: GBCS keys, supplier delivery key, reporting key
    const p = provisionPpmid({ profile, clock, ...(metrics ? { metrics } : {}) });
    provisioned?.(p);
    return p.ppmid;
  }
  if (deviceType === 'ESME')
    return new Esme({
      eui,
      clock,
      rng: random,
      credentials: deviceCredentials(profile, eui),
      // the ESME takes the PPMID's PECS01-03 and the HC ALCS's HECS01 over the HAN (esme/han-commands.ts)
      trustAnchors: deviceTrustAnchors(profile, [
        { eui: e.ppmid, deviceType: 'PPMID' },
        { eui: e.hcalcs, deviceType: 'HCALCS' },
      ]),
      ...(esmeVariant ? { variant: esmeVariant } : {}),
      ...homeMetrology(profile, () => defaultElectricityLoad(eui, esmeVariant)),
    });
  if (deviceType === 'GSME')
    return new Gsme({
      eui,
      clock,
      rng: random,
      credentials: deviceCredentials(profile, eui),
      // the GSME accepts the PPMID's PCS01 / PCS02 (GBCS.md 2)
      trustAnchors: deviceTrustAnchors(profile, [{ eui: e.ppmid, deviceType: 'PPMID' }]),
      pollIntervalMs: GSME_POLL_INTERVAL_MS,
      mirror: mirrorOf(clock),
      ...homeMetrology(profile, () => defaultGasLoad(eui)),
    });
  if (deviceType === 'HCALCS' && eui === e.hcalcs)
    return new Hcalcs({
      clock,
      credentials: deviceCredentials(profile, eui),
      trustAnchors: deviceTrustAnchors(profile),
    });
  if (deviceType === 'GPF')
    return new Gpf({
      eui,
      clock,
      rng: random,
      credentials: deviceCredentials(profile, eui),
      trustAnchors: deviceTrustAnchors(profile),
      mirror: mirrorOf(clock),
    });
  return undefined;
};
