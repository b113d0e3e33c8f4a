/**
 * Test helpers for the PPMID (its own tests, the home composition's and the
 * ATPS's): a scriptable `HanUplink` and a provisioned PPMID with generated
 * credentials in the RTDS home layout (GBCS.md 7: A0 ESME, A1 GSME, A2 CHF,
 * A3 GPF, A4 PPMID, A5 HCALCS, A6 a second ESME).
 */
import type { KeyObject } from 'node:crypto';
import { generateSigningKeyPair, type SigningKeyPair } from '../../delivery/index.ts';
import { createTestPki, type IssuedKey, type TestPki } from '../../gbcs/pki.ts';
import type { Eui } from '../../runtime/bytes.ts';
import type { Clock } from '../../runtime/clock.ts';
import { VirtualClock } from '../../runtime/clock.ts';
import type { HanSendResult, HanUplink } from '../contracts.ts';
import { type DeviceCredentials, RTDS_DEVICES, RTDS_PARTIES, TrustAnchors } from '../security/credentials.ts';
import { type HomeDevice, Ppmid, type PpmidOptions } from './ppmid.ts';

type DutyCycle = 'Normal' | 'Limited' | 'Critical' | 'Suspended';
type Failure = Extract<HanSendResult, { ok: false }>['reason'];

/**
 * A `HanUplink` whose readiness, duty cycle and send results a test sets.
 * Each `send` is recorded; its result comes `latencyMs` later on the clock:
 * `ok`, the next scripted failure, or never (`'silent'`).
 */
export class FakeUplink implements HanUplink {
  ready = true;
  duty: DutyCycle = 'Normal';
  latencyMs = 50;
  /** results for the next sends, in order (then `ok`) */
  script: Array<Failure | 'ok' | 'silent'> = [];
  /** fail every send with this while set */
  failAll: Failure | null = null;
  readonly sent: Array<{ at: number; bytes: Uint8Array }> = [];

  constructor(private readonly clock: Clock) {}

  isReady(): boolean {
    return this.ready;
  }
  dutyCycleState(): DutyCycle {
    return this.duty;
  }
  send(bytes: Uint8Array, done?: (result: HanSendResult) => void): void {
    this.sent.push({ at: this.clock.now(), bytes: bytes.slice() });
    const step = this.failAll ?? this.script.shift() ?? 'ok';
    if (step === 'silent') return;
    this.clock.setTimer(this.latencyMs, () => {
      const at = this.clock.now();
      done?.(step === 'ok' ? { ok: true, at } : { ok: false, at, reason: step });
    });
  }
}

/** The RTDS home as the PPMID sees it, plus an HHT. */
export const RTDS_HOME: readonly HomeDevice[] = [
  { eui: RTDS_DEVICES.esme, deviceType: 'ESME' },
  { eui: RTDS_DEVICES.gsme, deviceType: 'GSME' },
  { eui: RTDS_DEVICES.chf, deviceType: 'CHF' },
  { eui: RTDS_DEVICES.gpf, deviceType: 'GPF' },
  { eui: RTDS_DEVICES.ppmid, deviceType: 'PPMID' },
  { eui: RTDS_DEVICES.hcalcs, deviceType: 'HCALCS' },
  { eui: RTDS_DEVICES.esme2, deviceType: 'ESME' },
  { eui: '00DB1234567890AF', deviceType: 'HHT' },
];

export interface PpmidKit {
  pki: TestPki;
  clock: VirtualClock;
  uplink: FakeUplink;
  ppmid: Ppmid;
  /** the options the PPMID was built with (for `Ppmid.restore`) */
  options: PpmidOptions;
  /** delivery key per supplier id */
  supplierKeys: Map<Eui, SigningKeyPair>;
  reportingKey: SigningKeyPair;
  ppmidKeys: { ka: IssuedKey; ds: IssuedKey };
  gsmeKeys: { ka: IssuedKey; ds: IssuedKey };
  credentials: DeviceCredentials;
  trustAnchors: TrustAnchors;
}

/**
 * A PPMID `00DB1234567890A4` with generated GBCS credentials (and a GSME
 * `00DB1234567890A1` peer with generated ones), delivery keys for the given
 * suppliers (default the RTDS supplier 90B3D51F30010000), a reporting key,
 * a VirtualClock and a FakeUplink already attached.
 */
export async function makePpmidKit(
  o: {
    suppliers?: Eui[];
    home?: readonly HomeDevice[];
    clock?: VirtualClock;
    pki?: TestPki;
    overrides?: Partial<PpmidOptions>;
  } = {},
): Promise<PpmidKit> {
  const clock = o.clock ?? new VirtualClock();
  const pki = o.pki ?? (await createTestPki());
  const ppmidKeys = await pki.addDevice(RTDS_DEVICES.ppmid);
  const gsmeKeys = await pki.addDevice(RTDS_DEVICES.gsme, { storePrivateKeys: false });
  const credentials: DeviceCredentials = {
    eui: RTDS_DEVICES.ppmid,
    kaPrivateKey: ppmidKeys.ka.privateKey,
    kaCertificate: ppmidKeys.ka.certificate,
    dsPrivateKey: ppmidKeys.ds.privateKey,
    dsCertificate: ppmidKeys.ds.certificate,
  };
  const trustAnchors = new TrustAnchors({}, [
    { eui: RTDS_DEVICES.gsme, deviceType: 'GSME', ka: gsmeKeys.ka.certificate, ds: gsmeKeys.ds.certificate },
  ]);
  const supplierKeys = new Map<Eui, SigningKeyPair>();
  for (const s of o.suppliers ?? [RTDS_PARTIES.supplier]) supplierKeys.set(s, generateSigningKeyPair());
  const reportingKey = generateSigningKeyPair();
  const options: PpmidOptions = {
    eui: RTDS_DEVICES.ppmid,
    clock,
    credentials,
    trustAnchors,
    homeDevices: o.home ?? RTDS_HOME,
    supplierDeliveryKeys: new Map<Eui, KeyObject>([...supplierKeys].map(([s, k]) => [s, k.publicKey])),
    reportingKey: reportingKey.privateKey,
    ...(o.overrides ?? {}),
  };
  const ppmid = new Ppmid(options);
  const uplink = new FakeUplink(clock);
  ppmid.attachUplink(uplink);
  return {
    pki,
    clock,
    uplink,
    ppmid,
    options,
    supplierKeys,
    reportingKey,
    ppmidKeys,
    gsmeKeys,
    credentials,
    trustAnchors,
  };
}
