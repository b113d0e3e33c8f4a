/**
 * The test automation API (SECMP0038 TE-1, TE-2), in process. The HTTP server
 * (http.ts) and the `ppmid-relay atps` CLI are thin layers over this class.
 *
 * A test creates homes from a profile (`rtds` or `generated`), each on its own
 * VirtualClock (time moves only when the API advances it), injects raw GBCS
 * through a route, drives a backchannel, and reads what happened:
 * - `ppmid`: the home's PPMID sends the bytes to the CH in a TransferData, as a
 *   test (or compromised) PPMID would, with no checks of its own (messages
 *   over the 1500-byte tunnel go as GBT blocks unless `gbt: 'never'`);
 * - `wan`: the CSP delivers them to the CH over the SM WAN;
 * - `hht`: a joined HHT sends them in a TransferData (the HHT joins on first
 *   use, which works only in the CH's start-up window).
 * Each injected message gives one InjectResult: the CH's decision and reason,
 * the alerts raised, and (when the target device has an application) the
 * device's decision, use case, response and where the response went.
 */

import type { LatencyModel, WanClass } from '../dcc/wan/models.ts';
import { SmWan, type WanChLink } from '../dcc/wan/sm-wan.ts';
import type { ChEvent, ChfConfig } from '../devices/chf/chf.ts';
import type { ChDecision, DeviceEvent, DeviceType, GbcsDevice } from '../devices/contracts.ts';
import type { HanMediumOptions } from '../devices/han/medium.ts';
import { GBT_BLOCK_OVERHEAD, OTA_UPGRADE_CLUSTER_ID } from '../devices/han/node.ts';
import { createHome, type Home, type HomeDeviceSpec } from '../devices/home/home.ts';
import { type HomeProfile, keyStoreFor, loadProfile, type ProfileName } from '../devices/home/profiles.ts';
import type { BufferFeedAction } from '../gbcs/codes/provisional.ts';
import { GbcsError } from '../gbcs/errors.ts';
import { splitGbt } from '../gbcs/gbt.ts';
import { peekRouting } from '../gbcs/peek.ts';
import { type Eui, fromHex, normaliseEui, toHex } from '../runtime/bytes.ts';
import { VirtualClock } from '../runtime/clock.ts';
import { PpmidRelayError } from '../runtime/errors.ts';
import { SeededRandom } from '../runtime/random.ts';
import { bufferFeedCommand, ccs01Command, ccs02Command } from './commands.ts';
import { CspTap, type UplinkRecord } from './csp-tap.ts';
import { defaultDeviceApps } from './devices.ts';

export type AtpsRoute = 'ppmid' | 'wan' | 'hht';
export const ATPS_ROUTES: readonly AtpsRoute[] = ['ppmid', 'wan', 'hht'];

export class AtpsError extends PpmidRelayError {
  constructor(
    code: 'ATPS_NO_SUCH_HOME' | 'ATPS_BAD_REQUEST' | 'ATPS_HHT_REFUSED' | 'ATPS_NO_SUCH_DEVICE',
    message: string,
  ) {
    super(code, message);
  }
}

/** What builds the device applications of a home (ESME, GSME, PPMID...): undefined leaves a bare node. */
export type DeviceAppFactory = (ctx: {
  profile: HomeProfile;
  clock: VirtualClock;
  random: SeededRandom;
  eui: Eui;
  deviceType: DeviceType;
}) => GbcsDevice | undefined;

export interface CreateHomeRequest {
  profile: ProfileName;
  /** Seed of the home's randomness (HAN loss and backoff). Default 1. */
  seed?: string | number;
  /** Virtual start time (epoch ms). Default 2026-01-01T00:00:00Z. */
  start?: number;
  /** CHF configuration overrides (buffers, limits, throttling...). */
  chf?: Partial<ChfConfig>;
  /** HAN medium overrides (band, loss...). */
  han?: Partial<Pick<HanMediumOptions, 'band' | 'lossProbability' | 'txQueueCapacity' | 'airtimeWindowMs'>>;
  /** The PPMID's relay flag (default true). */
  ppmidRelayEnabled?: boolean;
  /** Join the profile's HHT at creation (default false: it joins on first use of the hht route). */
  hht?: boolean;
  /** The home's SM WAN (dcc/wan model): availability class (default always), latency, loss. */
  wan?: { class?: WanClass; latency?: LatencyModel; lossUp?: number; lossDown?: number };
}

export interface InjectOptions {
  /** `auto` (default): messages over the tunnel size go as GBT blocks, as GBCS requires; `never`: as one transfer. */
  gbt?: 'auto' | 'never';
  /** Longest virtual time the injection may run, default 60 s. */
  settleMs?: number;
  /** Label echoed in the result (a file name and line). */
  source?: string;
  /** wan route: whose command it is at the CSP (default `dsp`; the CHM's Block / Unblock use `chm`). */
  origin?: 'dsp' | 'chm';
}

export interface InjectResult {
  source: string;
  route: AtpsRoute;
  chDecision: ChDecision | null;
  chReason: string | null;
  target: Eui | null;
  targetType: string | null;
  /** alert codes (4 hex digits) the CH raised during the injection */
  alerts: string[];
  deviceDecision: 'accepted' | 'rejected' | null;
  deviceReason: string | null;
  useCase: string | null;
  /** hex of the response the device produced, or null */
  response: string | null;
  /** `wan` once the response reached the CSP, `hht` when it went back to the HHT, null while buffered */
  responseRoute: 'wan' | 'hht' | null;
  /** seq numbers of the CH events of this injection */
  chEvents: number[];
}

export type BackchannelAction =
  | { action: 'wan-down' }
  | { action: 'wan-up' }
  | { action: 'ch-reboot' }
  | { action: 'ppmid-offline' }
  | { action: 'ppmid-online' }
  | { action: 'device-offline'; eui: Eui }
  | { action: 'device-online'; eui: Eui }
  | { action: 'advance'; ms: number }
  | { action: 'hht-join' }
  | { action: 'gsme-poll' }
  | { action: 'ppmid-ota'; hex?: string };

interface AtpsHome {
  id: string;
  request: CreateHomeRequest;
  profile: HomeProfile;
  clock: VirtualClock;
  tap: CspTap;
  wan: SmWan;
  link: WanChLink;
  home: Home;
  counter: bigint;
  createdAt: number;
}

export interface AtpsOptions {
  /**
   * Builds device applications; default `defaultDeviceApps` (the ESME and
   * GSME emulators). `null`: no applications (bare nodes record what reaches them).
   */
  deviceApps?: DeviceAppFactory | null;
  /** Where the RTDS keystore is (default fixtures/rtds/keystore). */
  keystoreDir?: string;
}

const DEFAULT_SETTLE_MS = 60_000;
/** A home is settled when nothing is due within this long (HAN gaps are at most an APS ack wait). */
const QUIET_MS = 5_000;

export class Atps {
  private readonly homes = new Map<string, AtpsHome>();
  private readonly profiles = new Map<ProfileName, Promise<HomeProfile>>();
  private nextId = 1;

  constructor(private readonly opts: AtpsOptions = {}) {}

  /** A profile, built once per API instance (issuing keys takes a moment). */
  profile(name: ProfileName): Promise<HomeProfile> {
    let p = this.profiles.get(name);
    if (!p) {
      p = loadProfile(name, { keystoreDir: this.opts.keystoreDir });
      this.profiles.set(name, p);
      p.catch(() => this.profiles.delete(name));
    }
    return p;
  }

  async createHome(req: CreateHomeRequest): Promise<ReturnType<Atps['homeInfo']>> {
    if (req.profile !== 'rtds' && req.profile !== 'generated')
      throw new AtpsError(
        'ATPS_BAD_REQUEST',
        `profile must be rtds or generated, got ${JSON.stringify(req.profile)}`,
      );
    const profile = await this.profile(req.profile);
    const id = `home-${this.nextId++}`;
    this.homes.set(id, this.build(id, req, profile));
    return this.homeInfo(id);
  }

  private build(id: string, req: CreateHomeRequest, profile: HomeProfile): AtpsHome {
    const clock = new VirtualClock(req.start);
    const random = new SeededRandom(req.seed ?? 1);
    const e = profile.euis;
    // the CSP side: the SM WAN model, whose DSP and CHM sinks are the ATPS's tap
    const tap = new CspTap();
    const wan = new SmWan({
      clock,
      random: random.fork('wan'),
      config: { wanProvider: profile.wanProvider },
      dsp: tap,
      chm: tap,
    });
    const link = wan.addCh({
      chf: e.chf,
      gpf: e.gpf,
      availability: { kind: req.wan?.class ?? 'always' } as never,
      latency: req.wan?.latency,
      lossUp: req.wan?.lossUp,
      lossDown: req.wan?.lossDown,
    });
    const factory = this.opts.deviceApps === undefined ? defaultDeviceApps : this.opts.deviceApps;
    const app = (eui: Eui, deviceType: DeviceType) =>
      factory?.({ profile, clock, random: random.fork(`app:${eui}`), eui, deviceType });
    const devices: HomeDeviceSpec[] = [
      {
        eui: e.esme,
        deviceType: 'ESME',
        installCode: profile.installCodes[e.esme],
        device: app(e.esme, 'ESME'),
      },
      {
        eui: e.gsme,
        deviceType: 'GSME',
        installCode: profile.installCodes[e.gsme],
        device: app(e.gsme, 'GSME'),
      },
      {
        eui: e.ppmid,
        deviceType: 'PPMID',
        installCode: profile.installCodes[e.ppmid],
        relayEnabled: req.ppmidRelayEnabled ?? true,
        device: app(e.ppmid, 'PPMID'),
      },
    ];
    const home = createHome({
      name: id,
      clock,
      random,
      wan: link,
      chf: {
        eui: e.chf,
        gpfEui: e.gpf,
        keyStore: keyStoreFor(profile.world, [e.chf]),
        acb: profile.acb,
        config: req.chf,
        gpf: app(e.gpf, 'GPF'),
      },
      devices,
      han: req.han,
    });
    link.attachReceiver((bytes) => home.chf.receiveFromWan(bytes));
    const h: AtpsHome = {
      id,
      request: req,
      profile,
      clock,
      tap,
      wan,
      link,
      home,
      counter: 1_000_000n,
      createdAt: clock.now(),
    };
    this.settle(h, DEFAULT_SETTLE_MS);
    if (req.hht) this.joinHht(h);
    return h;
  }

  private get(id: string): AtpsHome {
    const h = this.homes.get(id);
    if (!h) throw new AtpsError('ATPS_NO_SUCH_HOME', `no home ${id}`);
    return h;
  }

  /** The Home object itself (for in-process tests that need more than the API). */
  home(id: string): Home {
    return this.get(id).home;
  }

  homeIds(): string[] {
    return [...this.homes.keys()];
  }

  homeInfo(id: string) {
    const h = this.get(id);
    return {
      id: h.id,
      profile: h.profile.name,
      seed: h.request.seed ?? 1,
      now: h.clock.now(),
      createdAt: h.createdAt,
      euis: h.profile.euis,
      parties: {
        acb: h.profile.acb,
        wanProvider: h.profile.wanProvider,
        supplier: h.profile.supplier,
        networkOperator: h.profile.networkOperator,
      },
      wanUp: h.link.isUp(),
      wan: h.wan.chMetrics(h.profile.euis.chf),
      devices: h.home.deviceEuis().map((eui) => ({
        eui,
        deviceType: h.home.spec(eui)?.deviceType ?? null,
        connected: h.home.node(eui).isConnected,
        linkUp: h.home.medium.isLinkUp(eui),
        application: h.home.device(eui) ? h.home.device(eui)?.constructor.name : null,
      })),
      ch: h.home.chf.status(),
    };
  }

  deleteHome(id: string): boolean {
    return this.homes.delete(id);
  }

  /** Rebuilds a home from its creation request (same id, fresh state). */
  resetHome(id: string): ReturnType<Atps['homeInfo']> {
    const h = this.get(id);
    this.homes.set(id, this.build(id, h.request, h.profile));
    return this.homeInfo(id);
  }

  /** Forgets every home. */
  reset(): void {
    this.homes.clear();
  }

  // ------------------------------------------------------------------ injection

  /** Injects each message through `route`, one after the other, settling the home after each. */
  inject(
    id: string,
    route: AtpsRoute,
    messages: Uint8Array | Uint8Array[],
    opts: InjectOptions = {},
  ): InjectResult[] {
    if (!ATPS_ROUTES.includes(route))
      throw new AtpsError(
        'ATPS_BAD_REQUEST',
        `route must be ppmid, wan or hht, got ${JSON.stringify(route)}`,
      );
    const h = this.get(id);
    const list = messages instanceof Uint8Array ? [messages] : messages;
    return list.map((m, i) =>
      this.injectOne(h, route, m, {
        ...opts,
        source: opts.source ?? (list.length > 1 ? `#${i + 1}` : 'input'),
      }),
    );
  }

  private injectOne(h: AtpsHome, route: AtpsRoute, bytes: Uint8Array, opts: InjectOptions): InjectResult {
    const chf = h.home.chf;
    const mark = this.mark(h);
    const blocks =
      (opts.gbt ?? 'auto') === 'auto' && bytes.length > chf.config.maxTransferSize
        ? this.gbtBlocks(bytes, chf.config.maxTransferSize)
        : [bytes];
    let sender: Eui | null = null;
    let refused: string | null = null;
    if (route === 'wan') {
      // the CSP hands the message to the SM WAN; it waits there while the CH's WAN is down
      const origin = opts.origin ?? 'dsp';
      for (const b of blocks)
        h.wan.send({ chf: h.profile.euis.chf, gbcs: b, origin }, (o) => {
          if (o.outcome !== 'delivered') refused = `wan-${o.outcome}`;
        });
    } else {
      sender = route === 'ppmid' ? h.profile.euis.ppmid : this.joinHht(h);
      const node = h.home.tunnelNode(sender);
      const steps = [...blocks];
      const next = () => {
        const b = steps.shift();
        if (!b) return;
        node.sendRaw(b, (r) => {
          if (!r.ok) refused = `not-sent:${r.reason}`;
          else next();
        });
      };
      next();
    }
    this.settle(h, opts.settleMs ?? DEFAULT_SETTLE_MS);
    if (route === 'wan' && refused === null && !h.link.isUp()) refused = 'waiting-at-csp:wan-down';
    return this.result(h, route, sender, mark, opts.source ?? 'input', refused);
  }

  private gbtBlocks(bytes: Uint8Array, max: number): Uint8Array[] {
    try {
      return splitGbt(bytes, { blockSize: max - GBT_BLOCK_OVERHEAD });
    } catch (e) {
      // no readable header to copy into the routing header: send it whole, the CH will judge it
      if (e instanceof GbcsError) return [bytes];
      throw e;
    }
  }

  private mark(h: AtpsHome) {
    const apps = new Map<Eui, number>();
    for (const eui of h.home.deviceEuis()) apps.set(eui, h.home.device(eui)?.events.length ?? 0);
    const chf = h.home.chf;
    return {
      event: chf.events.at(-1)?.seq ?? 0,
      alert: chf.alerts.at(-1)?.seq ?? 0,
      gpfEvents: 0,
      apps,
    };
  }

  /**
   * Runs the clock until nothing is due for a while (or the horizon), and
   * never stops while the SM WAN still carries a message of this home (its
   * latency can exceed the quiet period).
   */
  private settle(h: AtpsHome, horizonMs: number): void {
    const end = h.clock.now() + horizonMs;
    for (;;) {
      const next = h.clock.nextAt();
      if (next === undefined || next > end) break;
      const wanBusy = h.link.isUp() && (h.link.downlink.held.size > 0 || h.link.uplink.held.size > 0);
      if (!wanBusy && next > h.clock.now() + QUIET_MS) break;
      h.clock.step();
    }
  }

  private result(
    h: AtpsHome,
    route: AtpsRoute,
    sender: Eui | null,
    mark: ReturnType<Atps['mark']>,
    source: string,
    refused: string | null,
  ): InjectResult {
    const chf = h.home.chf;
    const events = chf.events.filter((e) => e.seq > mark.event);
    const mine = events.filter(
      (e) =>
        e.kind === 'route' && (route === 'wan' ? e.source === 'wan' && e.from === null : e.from === sender),
    );
    const decisive = pickDecision(mine);
    const alerts = chf.alerts.filter((a) => a.seq > mark.alert).map((a) => hex4(a.alertCode));
    const r: InjectResult = {
      source,
      route,
      chDecision: decisive?.decision ?? null,
      chReason: decisive?.reason ?? refused,
      target: decisive?.target ?? null,
      targetType: decisive?.targetType ?? null,
      alerts,
      deviceDecision: null,
      deviceReason: null,
      useCase: null,
      response: null,
      responseRoute: null,
      chEvents: events.map((e) => e.seq),
    };
    const target = decisive?.target;
    if (target && decisive?.decision !== 'discarded') {
      const app =
        decisive.targetType === 'GPF'
          ? undefined
          : h.home.deviceEuis().includes(target)
            ? h.home.device(target)
            : undefined;
      const from = mark.apps.get(target) ?? 0;
      const ev = app?.events.slice(from).find((e: DeviceEvent) => e.kind === 'command');
      if (ev) {
        r.deviceDecision = ev.decision ?? null;
        r.deviceReason = ev.reason ?? null;
        r.useCase = ev.useCase ?? null;
        r.response = ev.response ?? null;
        if (r.response) r.responseRoute = this.responseRoute(h, r.response);
      }
    }
    return r;
  }

  private responseRoute(h: AtpsHome, responseHex: string): 'wan' | 'hht' | null {
    if (h.tap.received(responseHex)) return 'wan';
    let info: ReturnType<typeof peekRouting>;
    try {
      info = peekRouting(fromHex(responseHex));
    } catch {
      return null;
    }
    const originator = info.originatorEui;
    const counter = info.originatorCounter.toString();
    // a response over the tunnel size reaches the CSP as GBT blocks
    if (h.tap.uplink.some((u) => u.originator === originator && u.counter === counter && u.cra === info.cra))
      return 'wan';
    const toHht = h.home.chf.events.some(
      (e) =>
        e.kind === 'route' &&
        e.reason === 'response-to-hht' &&
        e.originator === originator &&
        e.counter === counter,
    );
    return toHht ? 'hht' : null;
  }

  private joinHht(h: AtpsHome): Eui {
    const eui = h.profile.euis.hht;
    if (h.home.chf.deviceLog.get(eui)?.deviceType === 'HHT' && h.home.node(eui).isConnected) return eui;
    const r = h.home.joinHht({ eui, installCode: h.profile.installCodes[eui] });
    if (!r.ok) throw new AtpsError('ATPS_HHT_REFUSED', `the HHT may not join: ${r.reason}`);
    this.settle(h, DEFAULT_SETTLE_MS);
    return eui;
  }

  // ------------------------------------------------------------------ CSP commands to the CHF

  private nextCounter(h: AtpsHome): bigint {
    h.counter += 1n;
    return h.counter;
  }

  /** CH-6: the CSP's Communications Hub Manager sends Block or Unblock Buffer Feed (over the WAN by default). */
  bufferFeed(id: string, action: BufferFeedAction, route: AtpsRoute = 'wan'): InjectResult {
    const h = this.get(id);
    return this.injectOne(h, route, this.bufferFeedBytes(id, action), {
      source: `${action}-buffer-feed`,
      origin: 'chm',
    });
  }

  /** A fresh Block / Unblock Buffer Feed command for the home's CHF (signed, MAC'd, next counter). */
  bufferFeedBytes(id: string, action: BufferFeedAction): Uint8Array {
    const h = this.get(id);
    return bufferFeedCommand(h.profile.world, h.profile, h.profile.euis.chf, action, this.nextCounter(h));
  }

  /** DUIS 8.11 through the WAN: CCS01 adds, CCS02 removes a Device Log entry. */
  deviceLogCommand(
    id: string,
    op:
      | {
          add: {
            eui: Eui;
            deviceType: Exclude<DeviceType, 'HHT'>;
            installCode: Uint8Array;
            relayEnabled?: boolean;
          };
        }
      | { remove: Eui },
  ): InjectResult {
    const h = this.get(id);
    const counter = this.nextCounter(h);
    const cmd =
      'add' in op
        ? ccs01Command(h.profile.world, h.profile, h.profile.euis.chf, op.add, counter)
        : ccs02Command(h.profile.world, h.profile, h.profile.euis.chf, op.remove, counter);
    return this.injectOne(h, 'wan', cmd, { source: 'add' in op ? 'CCS01' : 'CCS02' });
  }

  /** Provisioning API (no GBCS): adds an entry to the Device Log directly. */
  provision(
    id: string,
    entry: { eui: Eui; deviceType: DeviceType; installCode: Uint8Array; relayEnabled?: boolean },
  ) {
    const h = this.get(id);
    return h.home.chf.addDevice(entry);
  }

  unprovision(id: string, eui: Eui): boolean {
    return this.get(id).home.chf.removeDevice(eui);
  }

  // ------------------------------------------------------------------ backchannel

  backchannel(id: string, a: BackchannelAction): { ok: true; now: number; detail?: unknown } {
    const h = this.get(id);
    const home = h.home;
    let detail: unknown;
    switch (a.action) {
      case 'wan-down':
        h.wan.backchannel.forceDown(h.profile.euis.chf);
        break;
      case 'wan-up':
        // back to the availability model (always up unless the home was created with another class)
        h.wan.backchannel.release(h.profile.euis.chf);
        if (!h.link.isUp()) h.wan.backchannel.forceUp(h.profile.euis.chf);
        break;
      case 'ch-reboot':
        home.restartCh();
        h.clock.advance(home.chf.config.bootMs);
        break;
      case 'ppmid-offline':
        home.setOnline(h.profile.euis.ppmid, false);
        break;
      case 'ppmid-online':
        home.setOnline(h.profile.euis.ppmid, true);
        break;
      case 'device-offline':
      case 'device-online': {
        const eui = normaliseEui(a.eui);
        if (!home.deviceEuis().includes(eui)) throw new AtpsError('ATPS_NO_SUCH_DEVICE', `no device ${eui}`);
        home.setOnline(eui, a.action === 'device-online');
        break;
      }
      case 'advance':
        if (!(typeof a.ms === 'number' && a.ms >= 0))
          throw new AtpsError('ATPS_BAD_REQUEST', 'advance needs ms >= 0');
        h.clock.advance(a.ms);
        // then let what is in flight at that moment (HAN transfers, the SM WAN) arrive
        break;
      case 'hht-join':
        detail = { hht: this.joinHht(h) };
        break;
      case 'gsme-poll': {
        let fetched: number | undefined;
        home.gsmeNode(h.profile.euis.gsme).pollMailbox((n) => {
          fetched = n;
        });
        this.settle(h, DEFAULT_SETTLE_MS);
        detail = { fetched };
        break;
      }
      case 'ppmid-ota': {
        // CH-3: a PPMID offering firmware on the OTA Upgrade cluster (an Image Notify-like frame).
        const asdu = a.hex ? fromHex(a.hex) : Uint8Array.of(0x19, 0x01, 0x00, 0x00, 0x64);
        home.tunnelNode(h.profile.euis.ppmid).sendCluster(home.chRadioEui, OTA_UPGRADE_CLUSTER_ID, asdu);
        break;
      }
      default:
        throw new AtpsError(
          'ATPS_BAD_REQUEST',
          `unknown backchannel action ${JSON.stringify((a as { action: unknown }).action)}`,
        );
    }
    this.settle(h, DEFAULT_SETTLE_MS);
    return detail === undefined ? { ok: true, now: h.clock.now() } : { ok: true, now: h.clock.now(), detail };
  }

  // ------------------------------------------------------------------ reading

  chEvents(id: string, opts: { since?: number; kind?: string } = {}): ChEvent[] {
    return this.get(id).home.chf.events.filter(
      (e) => e.seq > (opts.since ?? 0) && (!opts.kind || e.kind === opts.kind),
    );
  }

  alerts(id: string, opts: { since?: number } = {}) {
    return this.get(id)
      .home.chf.alerts.filter((a) => a.seq > (opts.since ?? 0))
      .map((a) => ({
        seq: a.seq,
        at: a.at,
        alertCode: hex4(a.alertCode),
        name: a.name,
        critical: a.critical,
        recipient: a.recipient,
        counter: a.counter.toString(),
        suppressed: a.suppressed,
        hex: toHex(a.bytes),
        detail: a.detail,
      }));
  }

  wanUplink(id: string, opts: { since?: number } = {}): UplinkRecord[] {
    return this.get(id).tap.uplink.filter((u) => u.seq > (opts.since ?? 0));
  }

  deviceEvents(id: string, eui: Eui) {
    const h = this.get(id);
    const e = normaliseEui(eui);
    if (!h.home.deviceEuis().includes(e)) throw new AtpsError('ATPS_NO_SUCH_DEVICE', `no device ${e}`);
    const node = h.home.node(e);
    return { eui: e, application: h.home.device(e)?.events ?? [], han: node.events };
  }

  metrics(id: string) {
    return this.get(id).home.metrics.snapshot();
  }
}

function hex4(n: number): string {
  return n.toString(16).toUpperCase().padStart(4, '0');
}

/**
 * The decision that characterises an injection of possibly several GBT
 * blocks: the first discard if any block was discarded, else the first
 * block's (later blocks of a relayed message wait behind the first).
 */
function pickDecision(events: ChEvent[]): ChEvent | undefined {
  const routed = events.filter((e) => e.decision !== undefined);
  return routed.find((e) => e.decision === 'discarded') ?? routed[0];
}
