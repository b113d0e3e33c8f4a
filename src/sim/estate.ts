/**
 * The estate builder: one Home per planned premises (devices/home: the
 * Communications Hub with its Device Log, an ESME and a GSME emulator, and
 * an enhanced PPMID on one HAN), each Communications Hub on the CSP's SM WAN
 * with its WAN class, and the SU-3 provisioning of every PPMID through the
 * supplier (8.11 over the WAN, relay flag in the CHF Device Log, MQTT client
 * certificate, delivery key).
 *
 * The same code runs under the system clock (`ppmid-relay up`, `ppmid-relay
 * estate`) and under a VirtualClock (tests, benchmarks): every device reads
 * time from the injected Clock and every hop carries real bytes
 * (ARCHITECTURE "One path, not two").
 *
 * Installation (a modelling decision, docs/running.md): a PPMID is paired
 * while its Communications Hub has a WAN (the 8.11 Add and its response
 * travel over it), so the estate holds each CH's WAN up until the
 * supplier reports the PPMID `relay-enabled`, then hands the CH back to its
 * WAN class model (a `none` home then never sees the WAN again).
 *
 * Restart: a CH keeps its Device Log in non-volatile memory and a PPMID its
 * outbox (PP-3). The estate restores a PPMID the supplier already reports
 * `relay-enabled` into the rebuilt CH's Device Log, and restores each PPMID
 * from its snapshot in `stateDir` when there is one.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { InternetLink } from '../adapters/mqtt/index.ts';
import { createCsr } from '../adapters/pki/index.ts';
import type { AvailabilityModel } from '../dcc/wan/models.ts';
import type { SmWan, WanChLink } from '../dcc/wan/sm-wan.ts';
import type { SigningKeyPair } from '../delivery/index.ts';
import type { ChfConfig } from '../devices/chf/chf.ts';
import type { DeviceType } from '../devices/contracts.ts';
import { defaultElectricityLoad, Esme } from '../devices/esme/esme.ts';
import { GasMirror } from '../devices/gpf/gas-mirror.ts';
import { Gpf } from '../devices/gpf/gpf.ts';
import { defaultGasLoad, Gsme } from '../devices/gsme/gsme.ts';
import type { HanMediumOptions } from '../devices/han/medium.ts';
import { Hcalcs } from '../devices/hcalcs/hcalcs.ts';
import { Home } from '../devices/home/home.ts';
import { keyStoreFor } from '../devices/home/profiles.ts';
import {
  attachStatusPublisher,
  Ppmid,
  type PpmidOptions,
  type PpmidSnapshot,
  ppmidInboxHandler,
} from '../devices/ppmid/index.ts';
import {
  anchorFromKeyStore,
  CELL_BY_ROLE,
  type DeviceCredentials,
  DeviceCredentialsError,
  type PeerDevice,
  peerFromKeyStore,
  TRUST_ANCHOR_CELLS_OF,
  type TrustAnchorCellName,
  TrustAnchors,
} from '../devices/security/credentials.ts';
import { publicKeyPem } from '../gbcs/crypto.ts';
import type { MemoryKeyStore } from '../gbcs/keystore.ts';
import { type Eui, toHex } from '../runtime/bytes.ts';
import type { Clock } from '../runtime/clock.ts';
import { ConfigError } from '../runtime/errors.ts';
import { Logger } from '../runtime/logger.ts';
import { Metrics, type MetricsSnapshot } from '../runtime/metrics.ts';
import { SeededRandom } from '../runtime/random.ts';
import { HomeNvmStore } from './nvm.ts';
import type { EstatePlan, HomeWanClass, PlannedHome } from './plan.ts';
import type { PpmidBundle, PpmidInternetPort, SupplierPort } from './ports.ts';

const log = Logger.get('sim:estate');

/** The ESME attribute naming the device of auxiliary load switch 2 (the RTDS ESME's HCALCS switch). */
const HCALCS_SWITCH_ID = 'alcsDeviceId2.value';

/** GSMEs wake and poll their CHF mailbox this often by default (GBCS devices: typically 30 minutes). */
export const DEFAULT_GSME_POLL_MS = 30 * 60_000;

/** The model of an `intermittent` home's WAN by default: up 4 h, down 2 h on average (dcc/wan DEFAULT_INTERMITTENT). */
export const DEFAULT_INTERMITTENT_MEANS = { meanUpMs: 4 * 3_600_000, meanDownMs: 2 * 3_600_000 };

export interface EstateParties {
  supplier: Eui;
  acb: Eui;
  wanProvider: Eui;
}

export interface EstateOptions {
  clock: Clock;
  plan: EstatePlan;
  /** Every GBCS certificate and the devices' private keys (each device is given only its own). */
  world: MemoryKeyStore;
  parties: EstateParties;
  /**
   * The Root public key of the PKI `world` comes from (one per estate): every
   * device's root Trust Anchor cell, so a CS02b replacement certificate
   * (6.21 handover) chains to it (issue 12). Omitted: devices hold no Root
   * key and refuse every replacement certificate's certification path.
   */
  rootPublicKey?: KeyObject;
  /** The CSP's SM WAN: each CH is added to it with its class. */
  wan: SmWan;
  /** A PPMID's reporting key pair (its own secret; the public half goes to the supplier, SU-3). */
  reportingKey: (ppmid: Eui) => SigningKeyPair;
  /**
   * A PPMID's own MQTT/TLS key and the certificate issued for its CSR
   * (issue 13: the device makes its keys; the supplier signs a CSR).
   */
  ppmidTls?: (ppmid: Eui) => {
    keyPem: string;
    certPem: string | undefined;
    saveCertificate(pem: string): void;
  };
  random?: SeededRandom | string | number;
  /** Up/down means of an `intermittent` home. */
  intermittent?: { meanUpMs: number; meanDownMs: number };
  gsmePollIntervalMs?: number;
  chf?: Partial<ChfConfig>;
  han?: Partial<Omit<HanMediumOptions, 'clock' | 'random' | 'metrics'>>;
  ppmid?: Pick<PpmidOptions, 'retry' | 'maxOutbox'>;
  /** Where PPMID snapshots are kept across restarts (PP-3); omitted: nowhere. */
  stateDir?: string;
  /**
   * `none` homes never have a WAN, not even at installation (SECMP0038 3.1.1;
   * supplier/no-wan.ts): the installer pairs the PPMID (Device Log entry
   * without the relay flag, as the ESME and GSME), and the 8.11 that sets the
   * relay flag travels through that PPMID. Default false: the installation
   * visit holds the CH's WAN up until the PPMID is relay-enabled.
   */
  noWanInstallation?: boolean;
}

export type ProvisioningPhase = 'not-started' | 'provisioning' | 'relay-enabled' | 'failed';

/** One premises of the estate. */
export class SimHome {
  ppmid: Ppmid | undefined;
  ppmidLink: InternetLink | undefined;
  provisioning: ProvisioningPhase = 'not-started';
  failure: string | undefined;
  /** The PPMID's Device Log entry arrived at the CHF (CCS01) before its application was attached. */
  deviceLogReady = false;
  /** What the PPMID was configured with (SU-3): its supplier and that supplier's delivery key. */
  supplierEui: Eui | undefined;
  deliveryPublicKeyPem: string | undefined;
  private detachReports: (() => void) | undefined;

  constructor(
    readonly plan: PlannedHome,
    readonly home: Home,
    readonly link: WanChLink,
    readonly esme: Esme,
    readonly gsme: Gsme,
    /** the GPF inside the CH: it answers GPF-targeted reads from the gas mirror the GSME writes on each wake */
    readonly gpf: Gpf,
    readonly availability: AvailabilityModel,
    /** the home's HCALCS, when the plan gives it one */
    readonly hcalcs?: Hcalcs,
  ) {}

  get premisesId(): string {
    return this.plan.premisesId;
  }

  /** The PPMID is joined to the HAN (its node is connected). */
  get ppmidJoined(): boolean {
    return this.home.deviceEuis().includes(this.plan.ppmid) && this.home.node(this.plan.ppmid).isConnected;
  }

  /** Detaches the status publisher and drops the internet link (a power cut: the broker keeps the session). */
  async dropLink(): Promise<void> {
    this.detachReports?.();
    this.detachReports = undefined;
    const l = this.ppmidLink;
    this.ppmidLink = undefined;
    if (l) await l.close().catch(() => {});
  }

  attachReporter(link: InternetLink): void {
    if (!this.ppmid) throw new ConfigError(`no PPMID application in ${this.plan.premisesId}`);
    this.ppmidLink = link;
    this.detachReports = attachStatusPublisher(this.ppmid, link);
  }

  /** A summary for consoles and the smoke check. */
  view(): Record<string, unknown> {
    const esme = this.esme.stateView;
    const gsme = this.gsme.stateView;
    return {
      premisesId: this.plan.premisesId,
      name: this.plan.name,
      wanClass: this.plan.wanClass,
      wanUp: this.link.isUp(),
      chf: this.plan.chf,
      gpf: this.plan.gpf,
      esme: { eui: this.plan.esme, meterBalanceMillipence: esme.meterBalance, supply: esme.supply },
      gsme: { eui: this.plan.gsme, meterBalanceMillipence: gsme.meterBalance, valve: gsme.valve },
      ppmid: {
        eui: this.plan.ppmid,
        provisioning: this.provisioning,
        ...(this.failure ? { failure: this.failure } : {}),
        joined: this.ppmidJoined,
        internet: this.ppmidLink ? (this.ppmidLink.connected ? 'online' : 'offline') : 'none',
        ...(this.ppmid ? { display: this.ppmid.display() } : {}),
      },
      standalone: (this.home.chf.status() as { standalone?: boolean }).standalone ?? null,
    };
  }

  async stop(stateDir: string | undefined): Promise<void> {
    if (this.ppmid) {
      this.ppmid.shutdown();
      if (stateDir) saveSnapshot(stateDir, this.ppmid.snapshot());
    }
    await this.dropLink();
  }
}

/**
 * The home's non-volatile memory (nvm.ts): restored when there is one, then
 * written through after each message a meter handled, each command the GPF
 * handled (before its response goes out: the GPF records the command first)
 * and each change of the CH's WAN uplink buffer. The gas mirror is saved
 * with the GPF at each of these writes, not at each GSME wake (the GSME
 * writes it again at its next wake after a restart).
 */
function keepNvm(
  nvm: HomeNvmStore,
  p: PlannedHome,
  home: Home,
  devices: { esme: Esme; gsme: Gsme; gpf: Gpf },
  clock: Clock,
): void {
  const { esme, gsme, gpf } = devices;
  const saved = nvm.load(p.chf);
  if (saved) {
    esme.restore(saved.esme);
    gsme.restore(saved.gsme);
    if (saved.gpf) gpf.restore(saved.gpf);
    home.chf.restoreUplinkBuffer(saved.uplink);
    log.info('home restored from its non-volatile memory', {
      home: p.premisesId,
      uplink: saved.uplink.length,
      gpf: saved.gpf !== undefined,
    });
  }
  const persist = () =>
    nvm.save(p.chf, {
      format: 'home-nvm/1',
      savedAt: clock.now(),
      esme: esme.snapshot(),
      gsme: gsme.snapshot(),
      gpf: gpf.snapshot(),
      uplink: home.chf.uplinkBuffer(),
    });
  home.node(p.esme).onDelivered(persist);
  home.node(p.gsme).onDelivered(persist);
  gpf.onEvent((e) => {
    if (e.kind === 'command') persist();
  });
  home.chf.onUplinkChange(persist);
  if (!saved) persist();
}

function snapshotFile(stateDir: string, eui: Eui): string {
  return join(stateDir, 'ppmid', `${eui}.json`);
}

function saveSnapshot(stateDir: string, s: PpmidSnapshot): void {
  const file = snapshotFile(stateDir, s.eui);
  mkdirSync(join(stateDir, 'ppmid'), { recursive: true });
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, JSON.stringify(s));
  renameSync(tmp, file);
}

function loadSnapshot(stateDir: string | undefined, eui: Eui): PpmidSnapshot | undefined {
  if (!stateDir) return undefined;
  const file = snapshotFile(stateDir, eui);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as PpmidSnapshot;
  } catch (err) {
    log.warn('PPMID snapshot unreadable: starting it empty', { ppmid: eui, error: String(err) });
    return undefined;
  }
}

/** A device's own keys out of the world key store. */
export function deviceCredentialsFrom(world: MemoryKeyStore, eui: Eui): DeviceCredentials {
  const kaPrivateKey = world.privateKey(eui, 'ka');
  const dsPrivateKey = world.privateKey(eui, 'ds');
  const dsCertificate = world.certificate(eui, 'ds');
  if (!kaPrivateKey || !dsPrivateKey || !dsCertificate)
    throw new DeviceCredentialsError(`no KA and DS keys for device ${eui}`);
  return {
    eui,
    kaPrivateKey,
    kaCertificate: world.certificate(eui, 'ka') ?? null,
    dsPrivateKey,
    dsCertificate,
  };
}

/**
 * Trust anchors of a device: each remote party in the cell of its role (of `cells` only, when given), plus HAN
 * peers, and the Root public key of the root cell (null: none).
 */
export function trustAnchorsFrom(
  world: MemoryKeyStore,
  parties: Eui[],
  peers: PeerDevice[] = [],
  cells?: readonly TrustAnchorCellName[],
  rootPublicKey: KeyObject | null = null,
): TrustAnchors {
  const ta = new TrustAnchors();
  ta.rootPublicKey = rootPublicKey;
  for (const eui of parties) {
    const a = anchorFromKeyStore(world, eui);
    const cell = a ? CELL_BY_ROLE[a.role] : undefined;
    if (a && cell && !ta.cell(cell) && (!cells || cells.includes(cell))) ta.setCell(cell, a);
  }
  for (const p of peers) ta.addPeer(p);
  return ta;
}

export function availabilityOf(
  cls: HomeWanClass,
  intermittent: { meanUpMs: number; meanDownMs: number },
): AvailabilityModel {
  if (cls === 'reliable') return { kind: 'always' };
  if (cls === 'none') return { kind: 'none' };
  return { kind: 'intermittent', ...intermittent };
}

export class Estate {
  readonly homes: SimHome[] = [];
  readonly clock: Clock;
  readonly plan: EstatePlan;
  private readonly byKey = new Map<string, SimHome>();
  private readonly o: EstateOptions;
  private readonly partyEuis: Eui[];
  private readonly deliveryKeys = new Map<string, KeyObject>();
  private stopped = false;
  private internet: PpmidInternetPort | undefined;

  /** The estate's figures: the sum of every home's registry (counters added, gauges and high-water marks too). */
  metricsSnapshot(): MetricsSnapshot {
    const counters: Record<string, number> = {};
    const gauges: Record<string, { value: number; highWater: number }> = {};
    for (const h of this.homes) {
      const m = h.home.metrics.snapshot();
      for (const [k, v] of Object.entries(m.counters)) counters[k] = (counters[k] ?? 0) + v;
      for (const [k, g] of Object.entries(m.gauges)) {
        const t = gauges[k] ?? { value: 0, highWater: 0 };
        gauges[k] = { value: t.value + g.value, highWater: t.highWater + g.highWater };
      }
    }
    return { counters, gauges };
  }

  constructor(o: EstateOptions) {
    this.o = o;
    this.clock = o.clock;
    this.plan = o.plan;
    const random = o.random instanceof SeededRandom ? o.random : new SeededRandom(o.random ?? o.plan.seed);
    this.partyEuis = o.world.euis().filter((e) => {
      const role = o.world.role(e);
      return role !== null && role !== undefined;
    });
    // One set of trust anchors for every device without HAN peers (GPF, ESME, HCALCS): a device
    // copies it only when it changes it (DeviceSecurity), so the estate holds one, not one per device.
    const root = o.rootPublicKey ?? null;
    const partyAnchors = trustAnchorsFrom(o.world, this.partyEuis, [], undefined, root);
    const intermittent = o.intermittent ?? DEFAULT_INTERMITTENT_MEANS;
    const nvm = o.stateDir ? new HomeNvmStore(o.stateDir) : undefined;
    for (const p of o.plan.homes) {
      const availability = availabilityOf(p.wanClass, intermittent);
      const link = o.wan.addCh({ chf: p.chf, gpf: p.gpf, availability });
      // One registry per home (runtime/metrics.ts): a home's figures are its own; `metricsSnapshot()` sums them.
      const homeMetrics = new Metrics();
      // The GPF (devices/gpf) inside the CH: the CHF hands it the commands addressed to the GPF's Entity ID.
      // Its clock is the CH's (it is the same hub); its gas mirror is written by the home's GSME on each wake.
      const mirror = new GasMirror();
      let chfOfHome: Home | undefined;
      const gpf = new Gpf({
        eui: p.gpf,
        clock: o.clock,
        networkTime: () => chfOfHome?.chf.time.now() ?? o.clock.now(),
        networkTimeStatus: () => chfOfHome?.chf.time.status() ?? 'reliable',
        rng: random.fork(`gpf:${p.gpf}`),
        credentials: deviceCredentialsFrom(o.world, p.gpf),
        trustAnchors: partyAnchors,
        metrics: homeMetrics,
        mirror,
      });
      const home = new Home({
        clock: o.clock,
        random: random.fork(`home:${p.chf}`),
        wan: link,
        name: p.premisesId,
        chf: {
          eui: p.chf,
          gpfEui: p.gpf,
          keyStore: keyStoreFor(o.world, [p.chf, p.gpf]),
          acb: o.parties.acb,
          ...(o.rootPublicKey ? { rootPublicKey: o.rootPublicKey } : {}),
          config: o.chf,
          gpf,
        },
        han: o.han,
        metrics: homeMetrics,
      });
      chfOfHome = home;
      link.attachReceiver((bytes) => home.chf.receiveFromWan(bytes));
      // GBCS: the meters take their time, and its status, from the CH (SECMP0038 3.1.1)
      const chTime = {
        networkTime: () => home.chf.time.now(),
        networkTimeStatus: () => home.chf.time.status(),
      };
      const esme = new Esme({
        eui: p.esme,
        clock: o.clock,
        ...chTime,
        rng: random.fork(`esme:${p.esme}`),
        credentials: deviceCredentialsFrom(o.world, p.esme),
        trustAnchors: partyAnchors,
        metrics: homeMetrics,
        // consumption over virtual time, computed lazily from the elapsed device time (no timer per meter)
        metrology: { load: defaultElectricityLoad(p.esme) },
        // a home with an HCALCS: the ESME's auxiliary load switch 2 is it, as in the RTDS ESME (issue 12)
        ...(p.hcalcs ? { initialState: { attributes: { [HCALCS_SWITCH_ID]: p.hcalcs } } } : {}),
      });
      const gsme = new Gsme({
        eui: p.gsme,
        clock: o.clock,
        ...chTime,
        rng: random.fork(`gsme:${p.gsme}`),
        credentials: deviceCredentialsFrom(o.world, p.gsme),
        // the GSME accepts its PPMID's PCS01 / PCS02 (GBCS.md 2)
        trustAnchors: trustAnchorsFrom(
          o.world,
          this.partyEuis,
          [peerFromKeyStore(o.world, p.ppmid, 'PPMID')],
          undefined,
          root,
        ),
        pollIntervalMs: o.gsmePollIntervalMs ?? DEFAULT_GSME_POLL_MS,
        metrics: homeMetrics,
        metrology: { load: defaultGasLoad(p.gsme) },
        mirror,
      });
      // Installed at commissioning: in the Device Log and joined (GBCS 10.8.2 targets).
      home.addDevice({ eui: p.esme, deviceType: 'ESME', installCode: p.installCodes.esme, device: esme });
      home.addDevice({ eui: p.gsme, deviceType: 'GSME', installCode: p.installCodes.gsme, device: gsme });
      // The HCALCS (devices/hcalcs, as an ATPS home's): joined; the CH hands it and the ESME their link key.
      const hcalcs = p.hcalcs
        ? new Hcalcs({
            clock: o.clock,
            credentials: deviceCredentialsFrom(o.world, p.hcalcs),
            trustAnchors: partyAnchors,
            metrics: homeMetrics,
          })
        : undefined;
      if (p.hcalcs && hcalcs && p.installCodes.hcalcs)
        home.addDevice({
          eui: p.hcalcs,
          deviceType: 'HCALCS',
          installCode: p.installCodes.hcalcs,
          device: hcalcs,
        });
      if (nvm) keepNvm(nvm, p, home, { esme, gsme, gpf }, o.clock);
      const h = new SimHome(p, home, link, esme, gsme, gpf, availability, hcalcs);
      // PP-5: the PPMID joins once its Device Log entry (CCS01 from the 8.11) is there.
      home.chf.onEvent((e) => {
        if (e.kind === 'device-log' && e.reason === 'added' && e.target === p.ppmid) {
          h.deviceLogReady = true;
          if (h.ppmid && !h.ppmidJoined) home.connect(p.ppmid);
        }
      });
      this.homes.push(h);
      for (const k of [p.premisesId, p.chf, String(p.index)]) this.byKey.set(k, h);
    }
    log.info('estate built', { homes: this.homes.length });
  }

  /** A home by premises id, CHF EUI or index. */
  home(key: string | number): SimHome {
    const h = this.byKey.get(
      typeof key === 'number'
        ? String(key)
        : key.toUpperCase().startsWith('HOME-')
          ? key.toLowerCase()
          : key.toUpperCase(),
    );
    if (!h) throw new ConfigError(`no home ${key} in the estate`);
    return h;
  }

  private homeDevices(p: PlannedHome): Array<{ eui: Eui; deviceType: DeviceType }> {
    return [
      { eui: p.chf, deviceType: 'CHF' },
      { eui: p.gpf, deviceType: 'GPF' },
      { eui: p.esme, deviceType: 'ESME' },
      { eui: p.gsme, deviceType: 'GSME' },
      { eui: p.ppmid, deviceType: 'PPMID' },
    ];
  }

  /** The supplier's delivery public key, read once (every PPMID of the estate gets the same PEM). */
  private deliveryKey(pem: string): KeyObject {
    let k = this.deliveryKeys.get(pem);
    if (!k) {
      k = createPublicKey(pem);
      this.deliveryKeys.set(pem, k);
    }
    return k;
  }

  /** Builds (or restores from its snapshot) the PPMID application and puts its node on the HAN. */
  private attachPpmidApp(
    h: SimHome,
    deliveryPublicKeyPem: string,
    supplier: Eui,
    snapshot?: PpmidSnapshot,
  ): Ppmid {
    const p = h.plan;
    h.supplierEui = supplier;
    h.deliveryPublicKeyPem = deliveryPublicKeyPem;
    const deps: PpmidOptions = {
      eui: p.ppmid,
      clock: this.clock,
      credentials: deviceCredentialsFrom(this.o.world, p.ppmid),
      // a PPMID holds the Root, Recovery and ACB cells only (TRUST_ANCHOR_CELLS_OF): the ACB commands it
      trustAnchors: trustAnchorsFrom(
        this.o.world,
        this.partyEuis,
        [peerFromKeyStore(this.o.world, p.gsme, 'GSME')],
        TRUST_ANCHOR_CELLS_OF.PPMID,
        this.o.rootPublicKey ?? null,
      ),
      homeDevices: this.homeDevices(p),
      supplierDeliveryKeys: new Map([[supplier, this.deliveryKey(deliveryPublicKeyPem)]]),
      reportingKey: this.o.reportingKey(p.ppmid).privateKey,
      metrics: h.home.metrics,
      ...(this.o.ppmid ?? {}),
    };
    const snap = snapshot ?? loadSnapshot(this.o.stateDir, p.ppmid);
    let ppmid: Ppmid;
    try {
      ppmid = snap ? Ppmid.restore(snap, deps) : new Ppmid(deps);
      if (snap) log.debug('PPMID restored from its snapshot', { ppmid: p.ppmid, outbox: snap.outbox.length });
    } catch (err) {
      log.warn('PPMID snapshot not restored: starting it empty', { ppmid: p.ppmid, error: String(err) });
      ppmid = new Ppmid(deps);
    }
    h.ppmid = ppmid;
    // PP-3: the outbox is written through (an accepted envelope before the inbox acknowledges it).
    const stateDir = this.o.stateDir;
    if (stateDir) ppmid.onDurableChange(() => saveSnapshot(stateDir, ppmid.snapshot()));
    if (!h.home.deviceEuis().includes(p.ppmid))
      h.home.addDevice({
        eui: p.ppmid,
        deviceType: 'PPMID',
        installCode: p.installCodes.ppmid,
        device: ppmid,
        logged: false,
        connect: false,
      });
    else h.home.node(p.ppmid).attachDevice(ppmid);
    return ppmid;
  }

  /**
   * SU-3 for one home: provision the PPMID at the supplier (or, if the
   * supplier already reports it relay-enabled, restore the CH's Device Log
   * entry), attach its application, join the HAN once logged, connect it to
   * the internet leg, and wait for `relay-enabled`.
   */
  async provisionHome(h: SimHome, supplier: SupplierPort, internet: PpmidInternetPort): Promise<void> {
    const p = h.plan;
    this.internet = internet;
    h.provisioning = 'provisioning';
    const handlers = () => [ppmidInboxHandler(h.ppmid!)];
    try {
      const known = await supplier.ppmidState(p.ppmid);
      if (known?.state === 'relay-enabled') {
        const deliveryPem = await supplier.deliveryPublicKeyPem();
        this.attachPpmidApp(h, deliveryPem, supplier.supplierEui);
        if (!h.home.chf.deviceLog.has(p.ppmid))
          h.home.chf.addDevice({
            eui: p.ppmid,
            deviceType: 'PPMID',
            installCode: p.installCodes.ppmid,
            relayEnabled: true,
          });
        if (!h.ppmidJoined) h.home.connect(p.ppmid);
        h.attachReporter(await internet.connectPpmid(p.ppmid, handlers(), this.ownTls(p.ppmid)));
        h.provisioning = 'relay-enabled';
        return;
      }
      // A home that never has a WAN (`noWanInstallation`, SECMP0038 3.1.1): the installer pairs the
      // PPMID (Device Log entry without the relay flag: only an 8.11 sets it, C3), so it joins the HAN
      // as any PPMID; the supplier's 8.11 Add then travels through it as CV 2 (the CHF takes CCS01 from
      // a logged PPMID while it has no WAN), and it is relay-enabled, unconfirmed, once it forwarded it.
      const noWan = this.o.noWanInstallation === true && p.wanClass === 'none';
      // Otherwise the installation visit: the CH has its WAN while the 8.11 and its answer travel.
      if (!noWan) this.o.wan.backchannel.forceUp(p.chf);
      try {
        const rep = this.o.reportingKey(p.ppmid);
        // The PPMID's own TLS key: only its CSR goes to the supplier (issue 13).
        const tls = internet.tlsClientCertificates ? this.o.ppmidTls?.(p.ppmid) : undefined;
        const csrPem = tls ? await createCsr(p.ppmid, tls.keyPem) : undefined;
        const bundle: PpmidBundle = await supplier.provisionPpmid({
          premisesId: p.premisesId,
          eui: p.ppmid,
          installCode: toHex(p.installCodes.ppmid),
          reportingPublicKeyPem: publicKeyPem(rep.publicKey),
          ...(csrPem ? { csrPem } : {}),
          ...(noWan ? { noWan } : {}),
        });
        if (this.stopped) return;
        if (bundle.mqtt && tls) tls.saveCertificate(bundle.mqtt.certPem);
        this.attachPpmidApp(h, bundle.deliveryPublicKeyPem, bundle.supplierId);
        if (h.deviceLogReady && !h.ppmidJoined) h.home.connect(p.ppmid);
        h.attachReporter(
          await internet.connectPpmid(
            p.ppmid,
            handlers(),
            bundle.mqtt && tls
              ? { certPem: bundle.mqtt.certPem, keyPem: tls.keyPem, caCertPem: bundle.mqtt.caCertPem }
              : undefined,
          ),
        );
        if (noWan && !h.home.chf.deviceLog.has(p.ppmid))
          h.home.chf.addDevice({ eui: p.ppmid, deviceType: 'PPMID', installCode: p.installCodes.ppmid });
        await supplier.whenRelayEnabled(p.ppmid);
        h.provisioning = 'relay-enabled';
      } finally {
        if (!this.stopped && !noWan) this.o.wan.backchannel.release(p.chf);
      }
    } catch (err) {
      h.provisioning = 'failed';
      h.failure = err instanceof Error ? err.message : String(err);
      log.error('PPMID provisioning failed', { premises: p.premisesId, ppmid: p.ppmid, error: h.failure });
      throw err;
    }
  }

  /** Provisions every home's PPMID, `concurrency` at a time; resolves with the failures (none: all relay-enabled). */
  async provisionAll(
    supplier: SupplierPort,
    internet: PpmidInternetPort,
    opts: { concurrency?: number } = {},
  ): Promise<Array<{ premisesId: string; error: string }>> {
    const queue = [...this.homes];
    const failures: Array<{ premisesId: string; error: string }> = [];
    const worker = async () => {
      for (;;) {
        const h = queue.shift();
        if (!h || this.stopped) return;
        await this.provisionHome(h, supplier, internet).catch((err: unknown) =>
          failures.push({
            premisesId: h.premisesId,
            error: err instanceof Error ? err.message : String(err),
          }),
        );
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 8) }, worker));
    return failures;
  }

  /**
   * A PPMID power cycle (PP-3): its durable state is snapshotted, the device
   * stops (timers cancelled, the HAN result of a transfer in flight ignored)
   * and its internet link drops; `whileDown` runs; then a new instance is
   * restored from the snapshot (relay entries re-verified) and reconnects
   * with the same persistent MQTT session.
   */
  /** A provisioned PPMID's own key and certificate, if it has them (a data directory from before issue 13 has not). */
  private ownTls(ppmid: Eui): { certPem: string; keyPem: string } | undefined {
    const tls = this.o.ppmidTls?.(ppmid);
    return tls?.certPem ? { certPem: tls.certPem, keyPem: tls.keyPem } : undefined;
  }

  async restartPpmid(
    key: string | number,
    o: { whileDown?: () => Promise<void> | void } = {},
  ): Promise<Ppmid> {
    const h = this.home(key);
    if (!h.ppmid || !h.deliveryPublicKeyPem || !h.supplierEui || !this.internet)
      throw new ConfigError(`the PPMID of ${h.premisesId} is not provisioned`);
    const snap = h.ppmid.snapshot();
    h.ppmid.shutdown();
    await h.dropLink();
    await o.whileDown?.();
    const ppmid = this.attachPpmidApp(h, h.deliveryPublicKeyPem, h.supplierEui, snap);
    h.attachReporter(
      await this.internet.connectPpmid(h.plan.ppmid, [ppmidInboxHandler(ppmid)], this.ownTls(h.plan.ppmid)),
    );
    return ppmid;
  }

  /** Stops every PPMID (snapshots kept in `stateDir`) and closes their links. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await Promise.all(this.homes.map((h) => h.stop(this.o.stateDir)));
  }
}
