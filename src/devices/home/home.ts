/**
 * A home: the Communications Hub (CHF + GPF) and its devices on one HAN
 * medium, on one Clock. The composition every test, the test automation API
 * and the simulator use: a node per device on the medium (real secured APS
 * fragments carrying ZCL Tunneling frames), the device applications bound to
 * their nodes as HanUplinks, and the CH bound to the CSP through a ChWanPort.
 *
 * Devices are given as specs: Entity ID, device type, install code, the
 * relay flag for a PPMID, and the application (a GbcsDevice; ESME, GSME,
 * PPMID ... from devices/*). A spec can stay out of the Device Log (to test a
 * device the CHF does not know) or be powered off at first.
 */
import type { KeyObject } from 'node:crypto';
import type { KeyStore } from '../../gbcs/keystore.ts';
import { type Eui, normaliseEui } from '../../runtime/bytes.ts';
import type { Clock } from '../../runtime/clock.ts';
import { ConfigError } from '../../runtime/errors.ts';
import { Metrics } from '../../runtime/metrics.ts';
import { SeededRandom } from '../../runtime/random.ts';
import { linkKeyFromInstallCode } from '../../zigbee/index.ts';
import { Chf, type ChfConfig } from '../chf/chf.ts';
import { installCodeWithCrc } from '../chf/device-log.ts';
import type { ChWanPort, DeviceType, GbcsDevice } from '../contracts.ts';
import { HanMedium, type HanMediumOptions } from '../han/medium.ts';
import { TunnelDeviceNode } from '../han/node-device.ts';
import { GsmeHanNode } from '../han/node-gsme.ts';
import { peerApplicationLinkKey, peerPairWanted } from './peer-keys.ts';

export interface HomeDeviceSpec {
  eui: Eui;
  deviceType: Exclude<DeviceType, 'CHF' | 'GPF'>;
  /** Install code, with or without its CRC-16: the APS link key comes from it (CH-9). */
  installCode: Uint8Array;
  /** PPMID only: the relay flag of its Device Log entry (C3). */
  relayEnabled?: boolean;
  /** The device application bound to the node (optional: a bare node records what reaches it). */
  device?: GbcsDevice;
  /** In the CHF Device Log from the start (default true; an HHT joins through `joinHht`). */
  logged?: boolean;
  /** Powered on and joined at creation (default true). */
  connect?: boolean;
}

export interface HomeOptions {
  clock: Clock;
  /** Seed or generator for the medium's loss and backoff draws (default seed 1). */
  random?: SeededRandom | string | number;
  wan: ChWanPort;
  chf: {
    eui: Eui;
    gpfEui: Eui;
    keyStore: KeyStore;
    /** the Root public key (CS02b on the CHF) */
    rootPublicKey?: KeyObject;
    acb?: Eui;
    alertRecipient?: Eui;
    config?: Partial<ChfConfig>;
    gpf?: GbcsDevice;
  };
  devices?: HomeDeviceSpec[];
  han?: Partial<Omit<HanMediumOptions, 'clock' | 'random' | 'metrics'>>;
  metrics?: Metrics;
  name?: string;
}

export type HomeNode = TunnelDeviceNode | GsmeHanNode;

export class Home {
  readonly name: string;
  readonly clock: Clock;
  readonly random: SeededRandom;
  readonly metrics: Metrics;
  readonly medium: HanMedium;
  readonly chf: Chf;
  readonly wan: ChWanPort;
  private readonly nodes = new Map<Eui, HomeNode>();
  private readonly specs = new Map<Eui, HomeDeviceSpec>();
  private readonly linkKeys = new Map<Eui, Uint8Array>();

  constructor(o: HomeOptions) {
    this.name = o.name ?? 'home';
    this.clock = o.clock;
    this.random = o.random instanceof SeededRandom ? o.random : new SeededRandom(o.random ?? 1);
    this.metrics = o.metrics ?? new Metrics();
    this.wan = o.wan;
    this.medium = new HanMedium({
      ...o.han,
      name: this.name,
      clock: o.clock,
      random: this.random.fork('han'),
      metrics: this.metrics,
    });
    this.chf = new Chf({
      clock: o.clock,
      medium: this.medium,
      wan: o.wan,
      eui: o.chf.eui,
      gpfEui: o.chf.gpfEui,
      keyStore: o.chf.keyStore,
      ...(o.chf.rootPublicKey ? { rootPublicKey: o.chf.rootPublicKey } : {}),
      acb: o.chf.acb,
      alertRecipient: o.chf.alertRecipient,
      config: o.chf.config,
      gpf: o.chf.gpf,
      metrics: this.metrics,
      name: this.name,
      deviceTypeOf: (eui) => this.specs.get(eui)?.deviceType,
    });
    for (const d of o.devices ?? []) this.addDevice(d);
  }

  /** The CH radio's address on the HAN (the GPF's Entity ID, HAN.md). */
  get chRadioEui(): Eui {
    return this.chf.gpfEui;
  }

  /** Adds a device to the home: its node, its Device Log entry (unless `logged: false`), power on (unless `connect: false`). */
  addDevice(spec: HomeDeviceSpec): HomeNode {
    const eui = normaliseEui(spec.eui);
    if (this.nodes.has(eui)) throw new ConfigError(`${eui} is already in home ${this.name}`);
    const linkKey = linkKeyFromInstallCode(installCodeWithCrc(spec.installCode));
    const common = { medium: this.medium, clock: this.clock, eui, chEui: this.chRadioEui, linkKey };
    const node: HomeNode =
      spec.deviceType === 'GSME'
        ? new GsmeHanNode({ ...common })
        : // A PPMID hears the CH's verdict on each relay (TransferDataError when CH-7 refuses it).
          new TunnelDeviceNode({ ...common, awaitTransferVerdict: spec.deviceType === 'PPMID' });
    // The CH hands a PPMID and an ESME a shared application link key (peer-keys.ts, the emulator's stand-in).
    for (const [other, s] of this.specs)
      if (peerPairWanted(spec.deviceType, s.deviceType)) {
        const key = peerApplicationLinkKey(
          { eui, linkKey },
          { eui: other, linkKey: this.linkKeys.get(other)! },
        );
        node.setPeerLinkKey(other, key);
        this.nodes.get(other)?.setPeerLinkKey(eui, key);
      }
    this.nodes.set(eui, node);
    this.linkKeys.set(eui, linkKey);
    this.specs.set(eui, { ...spec, eui });
    if (spec.device) node.attachDevice(spec.device);
    if ((spec.logged ?? true) && spec.deviceType !== 'HHT')
      this.chf.addDevice({
        eui,
        deviceType: spec.deviceType,
        installCode: spec.installCode,
        relayEnabled: spec.relayEnabled ?? false,
      });
    if (spec.connect ?? true) this.connect(eui);
    return node;
  }

  node(eui: Eui): HomeNode {
    const n = this.nodes.get(normaliseEui(eui));
    if (!n) throw new ConfigError(`no device ${eui} in home ${this.name}`);
    return n;
  }

  /** The node of a tunnel-server device (ESME, PPMID, HHT...). */
  tunnelNode(eui: Eui): TunnelDeviceNode {
    const n = this.node(eui);
    if (!(n instanceof TunnelDeviceNode)) throw new ConfigError(`${eui} is a GSME (mailbox) node`);
    return n;
  }

  gsmeNode(eui: Eui): GsmeHanNode {
    const n = this.node(eui);
    if (!(n instanceof GsmeHanNode)) throw new ConfigError(`${eui} is not a GSME`);
    return n;
  }

  device(eui: Eui): GbcsDevice | undefined {
    return this.node(eui).application;
  }

  deviceEuis(): Eui[] {
    return [...this.nodes.keys()];
  }

  spec(eui: Eui): HomeDeviceSpec | undefined {
    return this.specs.get(normaliseEui(eui));
  }

  /** Powers a device on: attaches its radio and announces it to the CH (join). */
  connect(eui: Eui): boolean {
    const n = this.node(eui);
    n.connect();
    if (!this.medium.isLinkUp(n.eui)) this.medium.setLinkUp(n.eui, true);
    return this.chf.onDeviceAnnounce(n.eui);
  }

  /** Powers a device off (its radio leaves the HAN). */
  disconnect(eui: Eui): void {
    this.node(eui).disconnect();
  }

  /** Backchannel: a device goes out of range / comes back (a PPMID offline/online rejoins: CH-5). */
  setOnline(eui: Eui, online: boolean): void {
    const n = this.node(eui);
    if (!n.isConnected) {
      if (online) this.connect(eui);
      return;
    }
    this.medium.setLinkUp(n.eui, online);
    if (online) this.chf.onDeviceAnnounce(n.eui);
  }

  /**
   * An HHT joins (only within 60 minutes of the CH powering up, HAN.md): the
   * CHF logs it with the HHT marker, then it joins the HAN and the CH opens
   * its tunnel. Returns the refusal reason when it may not join.
   */
  joinHht(
    spec: Omit<HomeDeviceSpec, 'deviceType' | 'logged'>,
  ): { ok: true; node: TunnelDeviceNode } | { ok: false; reason: string } {
    const eui = normaliseEui(spec.eui);
    const admitted = this.chf.admitHht(eui, spec.installCode);
    if (!admitted.ok) return admitted;
    const existing = this.nodes.get(eui);
    const node =
      existing ?? this.addDevice({ ...spec, eui, deviceType: 'HHT', logged: false, connect: false });
    this.connect(eui);
    return { ok: true, node: node as TunnelDeviceNode };
  }

  /** Backchannel: the CH restarts (tunnels are re-established after boot; GSMEs re-request theirs). */
  restartCh(): void {
    this.chf.restart();
    for (const n of this.nodes.values()) if (n instanceof GsmeHanNode) n.resetTunnel();
  }
}

export function createHome(o: HomeOptions): Home {
  return new Home(o);
}
