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
 *   use, which works only in the CH's start-up window);
 * - `ppmid-inbox`: a supplier-signed delivery envelope carrying them goes
 *   into the enhanced PPMID's internet inbox, through its PP-2 checks, and
 *   the PPMID relays it over the HAN as it would in service (PP-3..PP-5).
 * Each injected message gives one InjectResult: the PPMID's decision (the
 * `ppmid-inbox` route), the CH's decision and reason, the alerts raised, and
 * (when the target device has an application) the device's decision, use
 * case, response and where the response went.
 *
 * The backchannel also drives the PPMID as its customer would (a UTRN typed,
 * emergency credit, the display) and restarts it from its snapshot (PP-3).
 */

import type { LatencyModel, WanClass } from '../dcc/wan/models.ts';
import { SmWan, type WanChLink } from '../dcc/wan/sm-wan.ts';
import { type DeliveryOutcome, decodeEnvelope, verifyStatusReport } from '../delivery/index.ts';
import type { ChEvent, ChfConfig } from '../devices/chf/chf.ts';
import type { ChDecision, DeviceEvent, DeviceType, GbcsDevice } from '../devices/contracts.ts';
import type { EsmeVariant } from '../devices/esme/state.ts';
import { Gsme } from '../devices/gsme/gsme.ts';
import type { HanMediumOptions } from '../devices/han/medium.ts';
import { GBT_BLOCK_OVERHEAD, OTA_UPGRADE_CLUSTER_ID } from '../devices/han/node.ts';
import { createHome, type Home, type HomeDeviceSpec } from '../devices/home/home.ts';
import { type HomeProfile, keyStoreFor, loadProfile, type ProfileName } from '../devices/home/profiles.ts';
import {
  INBOX_TAMPERS,
  injectPpmidInbox,
  type PpmidInboxInput,
  redeliverPpmidInbox,
} from '../devices/ppmid/atps.ts';
import { PpmidError } from '../devices/ppmid/errors.ts';
import { Ppmid, type PpmidDisplay, type TypeUtrnResult } from '../devices/ppmid/ppmid.ts';
import type { ProvisionedPpmid } from '../devices/ppmid/provision.ts';
import { formatRequestId } from '../duis/request-id.ts';
import type { BufferFeedAction } from '../gbcs/codes/provisional.ts';
import { GbcsError } from '../gbcs/errors.ts';
import { splitGbt } from '../gbcs/gbt.ts';
import { peekRouting } from '../gbcs/peek.ts';
import { SecurityContext } from '../gbcs/security.ts';
import { generateUtrn, type UtrnValueClass } from '../gbcs/utrn.ts';
import { type Eui, fromHex, normaliseEui, toHex } from '../runtime/bytes.ts';
import { VirtualClock } from '../runtime/clock.ts';
import { PpmidRelayError } from '../runtime/errors.ts';
import { Metrics } from '../runtime/metrics.ts';
import { SeededRandom } from '../runtime/random.ts';
import { bufferFeedCommand, ccs01Command, ccs02Command } from './commands.ts';
import { CspTap, type UplinkRecord } from './csp-tap.ts';
import { defaultDeviceApps, GSME_POLL_INTERVAL_MS } from './devices.ts';
import { remacCommand } from './remac.ts';
import { settleHome } from './settle.ts';
import { targetOutcome } from './target-outcome.ts';

export type AtpsRoute = 'ppmid' | 'wan' | 'hht' | 'ppmid-inbox';
export const ATPS_ROUTES: readonly AtpsRoute[] = ['ppmid', 'wan', 'hht', 'ppmid-inbox'];

export class AtpsError extends PpmidRelayError {
  constructor(
    code:
      | 'ATPS_NO_SUCH_HOME'
      | 'ATPS_BAD_REQUEST'
      | 'ATPS_HHT_REFUSED'
      | 'ATPS_NO_SUCH_DEVICE'
      /** the home's PPMID has no enhanced PPMID application (a custom `deviceApps` left it bare) */
      | 'ATPS_NO_PPMID_APP'
      /** the PPMID refused a customer action it cannot do */
      | 'ATPS_UNSUPPORTED',
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
  /** The ESME's variant the home was created with (CreateHomeRequest.esmeVariant), for an ESME. */
  esmeVariant?: EsmeVariant;
  /** The home's Metrics (the PPMID's counters and gauges show in `Atps.metrics`). */
  metrics?: Metrics;
  /**
   * A factory that builds the enhanced PPMID with `provisionPpmid` hands the
   * result here: the API keeps the supplier's delivery key pair (to sign
   * `ppmid-inbox` envelopes), the reporting public key (to verify status
   * reports) and the options (for `ppmid-restart`).
   */
  provisioned?: (p: ProvisionedPpmid) => void;
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
  /** The ESME's variant (GBCS single, twin or polyphase element; default single): its registers and per-phase objects. */
  esmeVariant?: EsmeVariant;
  /** The PPMID's relay flag (default true). */
  ppmidRelayEnabled?: boolean;
  /** Join the profile's HHT at creation (default false: it joins on first use of the hht route). */
  hht?: boolean;
  /** Put the profile's HCALCS in the home, joined to the CH; the ESME drives its switch (default false). */
  hcalcs?: boolean;
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
  /** ppmid-inbox route: the envelope fields besides the GBCS (RequestID, validity, id, tamper). */
  inbox?: Omit<PpmidInboxInput, 'gbcs'>;
  /**
   * Test-only (atps/remac.ts): the home's ACB computes the command's MAC again
   * for the home's key of its recipient, everything else byte for byte, so an
   * RTDS command for a device whose fixture private key the RTDS does not ship
   * (GSME, GPF, CHF) runs on the `rtds` home. Default false.
   */
  remac?: boolean;
}

/**
 * The `ppmid-inbox` body: a command to wrap in a fresh supplier-signed
 * envelope (`gbcs` and the envelope fields; the envelope id defaults to 16
 * bytes from the home's seeded randomness), or the exact bytes of an
 * envelope to deliver again (`envelope`, e.g. an earlier result's
 * `envelope`: an MQTT QoS 1 redelivery or a supplier retry).
 */
export type AtpsInboxInput = PpmidInboxInput | { envelope: string; gbcs?: undefined };

/** A status report the PPMID published, as the ATPS recorded it (signature checked with the reporting key). */
export interface AtpsStatusReport {
  sequence: number;
  at: number;
  envelopeId: string;
  outcome: DeliveryOutcome;
  reason: string | null;
  attempts: number;
  detail: string;
  requestId: string | null;
  repeated: boolean;
  /** verified with the PPMID's reporting public key */
  signatureValid: boolean;
  /** the PPMID's own HAN read of the meter after a relayed top-up (a second `forwarded` report, flag bit3) */
  creditRead: { meter: string; creditRemaining: number; readAt: number } | null;
  hex: string;
}

export interface InjectResult {
  source: string;
  route: AtpsRoute;
  /**
   * ppmid-inbox: the PPMID's PP-2 decision (`accepted-queued` | `rejected`;
   * for an envelope it had seen, its latest outcome, e.g. `forwarded`). Null
   * on the other routes.
   */
  ppmidDecision: DeliveryOutcome | null;
  /** ppmid-inbox: a PPMID_REASONS code when refused, else null. Null on the other routes. */
  ppmidReason: string | null;
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
  // ---- ppmid-inbox only
  /** the envelope id (or the digest of an unreadable payload) */
  envelopeId?: string;
  /** outcomes of the PPMID's status reports for this envelope during the injection, in order (e.g. accepted-queued, forwarded) */
  statusReports?: DeliveryOutcome[];
  /** the same reports in full */
  statusReportDetails?: AtpsStatusReport[];
  ppmidDetail?: string;
  /** DUIS form */
  requestId?: string | null;
  /** the envelope had been seen before (nothing re-checked or re-queued) */
  repeated?: boolean;
  /** the envelope that went into the inbox, hex */
  envelope?: string;
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
  | { action: 'ppmid-ota'; hex?: string }
  /**
   * The customer types a UTRN on the PPMID: PCS01 to the GSME through the CH
   * mailbox; `poll` (default true) wakes the GSME so it applies it and its
   * answer reaches the PPMID display. Give `utrn`, or `value` for a UTRN the
   * ATPS issues as the supplier (see `issueUtrn`).
   */
  | { action: 'ppmid-utrn'; utrn?: string; value?: number; valueClass?: UtrnValueClass; poll?: boolean }
  /** The customer asks the PPMID for emergency credit: PCS02 to the GSME (same `poll`). */
  | { action: 'ppmid-emergency-credit'; poll?: boolean }
  /** Reads the PPMID display (credit, last customer action, HAN, relay). */
  | { action: 'ppmid-display' }
  /**
   * The PPMID restarts (PP-3): snapshot, shutdown, `Ppmid.restore`, reattach;
   * `radio` (default true) power-cycles its radio too (it rejoins, CH-5).
   */
  | { action: 'ppmid-restart'; radio?: boolean };

/** What a customer action on the PPMID did (backchannel `ppmid-utrn` / `ppmid-emergency-credit`). */
export interface CustomerActionResult {
  /** the PPMID's answer to the customer */
  typed: TypeUtrnResult;
  /** the UTRN typed (as given or issued) */
  utrn?: string;
  /** the CH's routing of the PCS message (`queued` to the GSME mailbox), or null */
  chDecision: ChDecision | null;
  chReason: string | null;
  /**
   * the GSME's decision on the PCS message (null: it has not fetched it):
   * `accepted` / `OK` when applied; `accepted` / `FAILED` when authenticated
   * but refused (e.g. a UTRN already used: `detail.refusal: duplicate`);
   * `rejected` with the security reason otherwise
   */
  gsme: { decision: string | null; reason: string | null; detail: unknown } | null;
  /** the GSME's meter balance (milli-pence) before and after, when the GSME is the emulator */
  balanceBefore: number | null;
  balanceAfter: number | null;
  emergencyCreditActive: boolean | null;
  display: PpmidDisplay;
}

interface AtpsPpmid {
  app: Ppmid;
  provisioned: ProvisionedPpmid;
  reports: Array<AtpsStatusReport & { n: number }>;
  /** reports recorded so far (monotonic: the list is bounded) */
  count: number;
  restarts: number;
}

/** Status reports kept per home (oldest dropped first). */
const MAX_REPORTS = 10_000;

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
  /** the enhanced PPMID, when the device apps built it with `provisionPpmid` */
  ppmid?: AtpsPpmid;
  /** top-up counter of the UTRNs the ATPS issued (k of counter k << 32) */
  utrnK: bigint;
  /** envelope ids of the ppmid-inbox route (seeded: equal runs give equal ids) */
  envelopeIds: SeededRandom;
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
    const metrics = new Metrics();
    let provisioned: ProvisionedPpmid | undefined;
    const app = (eui: Eui, deviceType: DeviceType) =>
      factory?.({
        profile,
        clock,
        random: random.fork(`app:${eui}`),
        eui,
        deviceType,
        ...(req.esmeVariant ? { esmeVariant: req.esmeVariant } : {}),
        metrics,
        provisioned: (p) => {
          if (p.ppmid.eui === e.ppmid) provisioned = p;
        },
      });
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
      ...(req.hcalcs
        ? [
            {
              eui: e.hcalcs,
              deviceType: 'HCALCS' as const,
              installCode: profile.installCodes[e.hcalcs],
              device: app(e.hcalcs, 'HCALCS'),
            },
          ]
        : []),
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
        ...(profile.rootPublicKey ? { rootPublicKey: profile.rootPublicKey } : {}),
        acb: profile.acb,
        config: req.chf,
        gpf: app(e.gpf, 'GPF'),
      },
      devices,
      han: req.han,
      metrics,
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
      utrnK: 0n,
      envelopeIds: random.fork('atps:envelope-ids'),
    };
    if (provisioned && home.device(e.ppmid) === provisioned.ppmid) {
      h.ppmid = { app: provisioned.ppmid, provisioned, reports: [], count: 0, restarts: 0 };
      this.listenReports(h.ppmid);
    }
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

  /** The home's enhanced PPMID application (the current instance: a `ppmid-restart` replaces it). */
  ppmid(id: string): Ppmid {
    return this.needPpmid(this.get(id)).app;
  }

  /** The home's PPMID provisioning: supplier id and delivery key pair, reporting key pair, options. */
  ppmidProvisioning(id: string): ProvisionedPpmid {
    return this.needPpmid(this.get(id)).provisioned;
  }

  private needPpmid(h: AtpsHome): AtpsPpmid {
    if (!h.ppmid)
      throw new AtpsError(
        'ATPS_NO_PPMID_APP',
        `home ${h.id}: the PPMID has no enhanced PPMID application (device apps without provisionPpmid)`,
      );
    return h.ppmid;
  }

  private listenReports(p: AtpsPpmid): void {
    const key = p.provisioned.reporting.publicKey;
    p.app.onStatusReport((bytes, r) => {
      p.count++;
      p.reports.push({
        n: p.count,
        sequence: r.sequence,
        at: r.at,
        envelopeId: r.envelopeId,
        outcome: r.outcome,
        reason: r.reason,
        attempts: r.attempts,
        detail: r.detail,
        requestId: r.requestId ? formatRequestId(r.requestId) : null,
        repeated: r.detail.startsWith('repeated envelope:'),
        signatureValid: verifyStatusReport(r, key),
        creditRead: r.creditRead ? { ...r.creditRead } : null,
        hex: toHex(bytes),
      });
      if (p.reports.length > MAX_REPORTS) p.reports.shift();
    });
  }

  /** The PPMID's state for a test: display, outbox, every status report recorded (`since`: report number). */
  ppmidStatus(id: string, opts: { since?: number } = {}) {
    const h = this.get(id);
    const p = this.needPpmid(h);
    return {
      eui: p.app.eui,
      supplierId: p.provisioned.delivery.supplierId,
      reportingPublicKey: p.provisioned.reporting.publicKey
        .export({ type: 'spki', format: 'pem' })
        .toString(),
      restarts: p.restarts,
      display: p.app.display(),
      outbox: p.app.outboxEntries(),
      statusReports: p.reports.filter((r) => r.n > (opts.since ?? 0)).map(({ n, ...r }) => ({ n, ...r })),
    };
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
        `route must be ${ATPS_ROUTES.join(', ')}, got ${JSON.stringify(route)}`,
      );
    const h = this.get(id);
    const list = messages instanceof Uint8Array ? [messages] : messages;
    if (route === 'ppmid-inbox') {
      this.needPpmid(h);
      return list.map((m, i) =>
        this.injectInboxOne(
          h,
          { ...(opts.inbox ?? {}), gbcs: toHex(m) },
          {
            ...opts,
            source: opts.source ?? (list.length > 1 ? `#${i + 1}` : 'input'),
          },
        ),
      );
    }
    return list.map((m, i) =>
      this.injectOne(h, route, m, {
        ...opts,
        source: opts.source ?? (list.length > 1 ? `#${i + 1}` : 'input'),
      }),
    );
  }

  /**
   * Route `ppmid-inbox` with the full body: a supplier-signed envelope
   * (`injectPpmidInbox`: signed with the home's supplier delivery key, then
   * spoiled as `tamper` says) into the PPMID's internet inbox, through its
   * PP-2 checks; then the home settles (the PPMID forwards over the HAN, the
   * CH and the device decide). One result per input.
   */
  injectInbox(
    id: string,
    inputs: AtpsInboxInput | AtpsInboxInput[],
    opts: Omit<InjectOptions, 'inbox' | 'gbt' | 'origin'> = {},
  ): InjectResult[] {
    const h = this.get(id);
    this.needPpmid(h);
    const list = Array.isArray(inputs) ? inputs : [inputs];
    return list.map((input, i) =>
      this.injectInboxOne(h, input, {
        ...opts,
        source: opts.source ?? (list.length > 1 ? `#${i + 1}` : 'input'),
      }),
    );
  }

  private injectInboxOne(h: AtpsHome, input: AtpsInboxInput, opts: InjectOptions): InjectResult {
    const p = this.needPpmid(h);
    const redeliver = 'envelope' in input && input.envelope !== undefined;
    if (!redeliver && typeof input?.gbcs !== 'string')
      throw new AtpsError(
        'ATPS_BAD_REQUEST',
        'ppmid-inbox: give gbcs (hex), or envelope (hex) to deliver again',
      );
    if (redeliver && typeof input.envelope !== 'string')
      throw new AtpsError('ATPS_BAD_REQUEST', 'ppmid-inbox: envelope must be hex');
    const wrap = redeliver ? undefined : (input as PpmidInboxInput);
    if (wrap?.tamper !== undefined && !INBOX_TAMPERS.includes(wrap.tamper))
      throw new AtpsError(
        'ATPS_BAD_REQUEST',
        `ppmid-inbox: tamper must be one of ${INBOX_TAMPERS.join(', ')}, got ${JSON.stringify(wrap.tamper)}`,
      );
    if (wrap?.ttlMs !== undefined && !(Number.isInteger(wrap.ttlMs) && wrap.ttlMs > 0))
      throw new AtpsError('ATPS_BAD_REQUEST', 'ppmid-inbox: ttlMs must be a positive integer');
    const mark = this.mark(h);
    const d = p.provisioned.delivery;
    let out: ReturnType<typeof injectPpmidInbox>;
    try {
      out = wrap
        ? injectPpmidInbox(
            p.app,
            { ...wrap, envelopeId: wrap.envelopeId ?? toHex(h.envelopeIds.bytes(16)) },
            { supplierId: d.supplierId, deliveryKey: d.key.privateKey },
            h.clock.now(),
          )
        : redeliverPpmidInbox(p.app, (input as { envelope: string }).envelope);
    } catch (e) {
      if (e instanceof PpmidError && e.code === 'PPMID_CONFIG')
        throw new AtpsError('ATPS_BAD_REQUEST', e.message);
      throw e;
    }
    this.settle(h, opts.settleMs ?? DEFAULT_SETTLE_MS);
    // the CH events of this command only (the PPMID may relay other queued entries meanwhile)
    let match: { originator: Eui; counter: string } | undefined;
    try {
      const gbcs = wrap ? fromHex(wrap.gbcs) : decodeEnvelope(fromHex(out.envelope)).gbcs;
      const info = peekRouting(gbcs);
      match = { originator: info.originatorEui, counter: info.originatorCounter.toString() };
    } catch {
      match = undefined;
    }
    const eui = h.profile.euis.ppmid;
    const r = this.result(h, 'ppmid-inbox', eui, mark, opts.source ?? 'input', null, match);
    const reports = p.reports.filter((x) => x.n > mark.reports && x.envelopeId === out.envelopeId);
    r.ppmidDecision = out.ppmidDecision;
    r.ppmidReason = out.ppmidReason;
    if (r.chDecision === null && r.chReason === null && out.ppmidDecision === 'accepted-queued') {
      // accepted, not yet on the HAN: say what the PPMID waits for (PP-3..PP-5)
      const waiting = p.app.display().relay.waiting;
      r.chReason = `waiting-at-ppmid:${waiting ?? 'outbox'}`;
    }
    r.envelopeId = out.envelopeId;
    r.statusReports = reports.map((x) => x.outcome);
    r.statusReportDetails = reports.map(({ n: _n, ...x }) => x);
    r.ppmidDetail = out.ppmidDetail;
    r.requestId = out.requestId;
    r.repeated = out.repeated;
    r.envelope = out.envelope;
    return r;
  }

  private injectOne(h: AtpsHome, route: AtpsRoute, input: Uint8Array, opts: InjectOptions): InjectResult {
    const chf = h.home.chf;
    const bytes = opts.remac ? this.remac(h, input) : input;
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
    // a caller's own settleMs is the horizon, sleepy GSME or not; by default a GSME's command settles through its next poll
    this.settle(h, opts.settleMs ?? DEFAULT_SETTLE_MS, opts.settleMs === undefined);
    if (route === 'wan' && refused === null && !h.link.isUp()) refused = 'waiting-at-csp:wan-down';
    return this.result(h, route, sender, mark, opts.source ?? 'input', refused);
  }

  private remac(h: AtpsHome, bytes: Uint8Array): Uint8Array {
    try {
      return remacCommand(h.profile.world, h.profile.acb, bytes, h.profile.supplier);
    } catch (e) {
      // not a readable command, or no key to MAC it with: inject it as given (the CH or device judges it)
      if (e instanceof GbcsError) return bytes;
      throw e;
    }
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
      gpfEvents: chf.gpf?.events.length ?? 0,
      apps,
      reports: h.ppmid?.count ?? 0,
    };
  }

  /**
   * Runs the clock until nothing is due for a while (or the horizon), and
   * never stops while the SM WAN still carries a message of this home (its
   * latency can exceed the quiet period), nor while the PPMID has something
   * to send and its HAN could carry it (its retry and wait timers can exceed
   * the quiet period too: PP-3, PP-4).
   */
  /** Runs the home's clock until settled (settle.ts); `sleepy` false: a waiting GSME mailbox does not stretch the horizon. */
  private settle(h: AtpsHome, horizonMs: number, sleepy = true): void {
    const gsmes = h.home.deviceEuis().filter((eui) => h.home.chf.deviceLog.get(eui)?.deviceType === 'GSME');
    settleHome(
      {
        clock: h.clock,
        wanBusy: () => h.link.isUp() && (h.link.downlink.held.size > 0 || h.link.uplink.held.size > 0),
        ppmidBusy: () => this.ppmidBusy(h),
        mailboxBusy: () => gsmes.some((g) => h.home.chf.mailboxDepth(g) > 0),
      },
      {
        horizonMs,
        quietMs: QUIET_MS,
        sleepyHorizonMs: sleepy ? GSME_POLL_INTERVAL_MS + DEFAULT_SETTLE_MS : 0,
      },
    );
  }

  private ppmidBusy(h: AtpsHome): boolean {
    const p = h.ppmid;
    if (!p) return false;
    return p.app.outboxEntries().length > 0 && h.home.tunnelNode(p.app.eui).isReady();
  }

  private result(
    h: AtpsHome,
    route: AtpsRoute,
    sender: Eui | null,
    mark: ReturnType<Atps['mark']>,
    source: string,
    refused: string | null,
    match?: { originator: Eui; counter: string },
  ): InjectResult {
    const chf = h.home.chf;
    const events = chf.events.filter((e) => e.seq > mark.event);
    const mine = events.filter(
      (e) =>
        e.kind === 'route' &&
        (route === 'wan' ? e.source === 'wan' && e.from === null : e.from === sender) &&
        (!match || (e.originator === match.originator && e.counter === match.counter)),
    );
    const decisive = pickDecision(mine);
    const alerts = chf.alerts.filter((a) => a.seq > mark.alert).map((a) => hex4(a.alertCode));
    const r: InjectResult = {
      source,
      route,
      ppmidDecision: null,
      ppmidReason: null,
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
      const dev = targetOutcome(h.home, h.tap, decisive.targetType ?? null, target, mark, events);
      if (dev) {
        r.deviceDecision = dev.decision;
        r.deviceReason = dev.reason;
        r.useCase = dev.useCase;
        r.response = dev.response;
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
      case 'ppmid-utrn': {
        const p = this.needPpmid(h);
        let utrn = a.utrn;
        if (utrn === undefined) {
          if (a.value === undefined)
            throw new AtpsError(
              'ATPS_BAD_REQUEST',
              'ppmid-utrn needs utrn, or value for a UTRN the ATPS issues',
            );
          utrn = this.issueUtrn(id, { value: a.value, valueClass: a.valueClass }).utrn;
        } else if (typeof utrn !== 'string') throw new AtpsError('ATPS_BAD_REQUEST', 'utrn must be a string');
        const typed = utrn;
        detail = this.customerAction(h, 'PCS01', () => p.app.typeUtrn(typed), a.poll ?? true, typed);
        break;
      }
      case 'ppmid-emergency-credit': {
        const p = this.needPpmid(h);
        detail = this.customerAction(h, 'PCS02', () => p.app.activateEmergencyCredit(), a.poll ?? true);
        break;
      }
      case 'ppmid-display': {
        const p = this.needPpmid(h);
        detail = { display: p.app.display(), outbox: p.app.outboxEntries() };
        break;
      }
      case 'ppmid-restart':
        detail = this.restartPpmid(h, a.radio ?? true);
        break;
      default:
        throw new AtpsError(
          'ATPS_BAD_REQUEST',
          `unknown backchannel action ${JSON.stringify((a as { action: unknown }).action)}`,
        );
    }
    // what the action set moving arrives; a command left in a GSME mailbox (e.g. `poll: false`) stays there
    this.settle(h, DEFAULT_SETTLE_MS, false);
    return detail === undefined ? { ok: true, now: h.clock.now() } : { ok: true, now: h.clock.now(), detail };
  }

  // ------------------------------------------------------------------ the PPMID's customer and restart

  /**
   * A UTRN for the home's GSME as its supplier issues one (GBCS.md 5a: the
   * supplier's prepayment KA key with the GSME's KA key), with the next
   * top-up counter of this home (k << 32, k = 1, 2, ...).
   */
  issueUtrn(
    id: string,
    o: { value: number; valueClass?: UtrnValueClass },
  ): {
    utrn: string;
    counter: string;
    device: Eui;
    supplier: Eui;
    value: number;
    valueClass: UtrnValueClass;
  } {
    const h = this.get(id);
    const valueClass = o.valueClass ?? 'pounds';
    if (!(Number.isInteger(o.value) && o.value >= 0 && o.value <= 8191))
      throw new AtpsError('ATPS_BAD_REQUEST', `UTRN value must be an integer 0..8191, got ${o.value}`);
    if (valueClass !== 'pounds' && valueClass !== 'pennies')
      throw new AtpsError('ATPS_BAD_REQUEST', `valueClass must be pounds or pennies, got ${valueClass}`);
    const device = h.profile.euis.gsme;
    const supplier = h.profile.supplier;
    h.utrnK += 1n;
    const counter = h.utrnK << 32n;
    const ctx = new SecurityContext({ keyStore: h.profile.world });
    const utrn = generateUtrn(ctx, { supplier, device, counter, value: o.value, valueClass });
    return { utrn, counter: counter.toString(), device, supplier, value: o.value, valueClass };
  }

  private customerAction(
    h: AtpsHome,
    useCase: 'PCS01' | 'PCS02',
    act: () => TypeUtrnResult,
    poll: boolean,
    utrn?: string,
  ): CustomerActionResult {
    const p = this.needPpmid(h);
    const gsmeEui = h.profile.euis.gsme;
    const gsme = h.home.deviceEuis().includes(gsmeEui) ? h.home.device(gsmeEui) : undefined;
    const balance = () => (gsme instanceof Gsme ? gsme.stateView.meterBalance : null);
    const balanceBefore = balance();
    const gsmeMark = gsme?.events.length ?? 0;
    const mark = this.mark(h);
    let typed: TypeUtrnResult;
    try {
      typed = act();
    } catch (e) {
      if (e instanceof PpmidError && e.code === 'PPMID_UNSUPPORTED')
        throw new AtpsError('ATPS_UNSUPPORTED', e.message);
      throw e;
    }
    if (typed.accepted) {
      // the PCS message: PPMID -> HAN -> CH -> the GSME's mailbox (without `poll` it waits there for the GSME's own wake-up)
      this.settle(h, DEFAULT_SETTLE_MS, poll);
      if (poll && gsme) {
        // the GSME wakes and fetches it, applies it, PUTs its answer; the CH routes that to the PPMID
        h.home.gsmeNode(gsmeEui).pollMailbox(() => {});
        this.settle(h, DEFAULT_SETTLE_MS);
      }
    }
    const sender = h.profile.euis.ppmid;
    const routed = h.home.chf.events.find(
      (e) =>
        e.seq > mark.event &&
        e.kind === 'route' &&
        e.from === sender &&
        typed.accepted &&
        e.counter === typed.counter,
    );
    const ev = gsme?.events
      .slice(gsmeMark)
      .find((e: DeviceEvent) => e.kind === 'command' && e.useCase === useCase);
    const state = gsme instanceof Gsme ? gsme.stateView : null;
    return {
      typed,
      ...(utrn !== undefined ? { utrn } : {}),
      chDecision: routed?.decision ?? null,
      chReason: routed?.reason ?? null,
      gsme: ev
        ? {
            decision: ev.decision ?? null,
            reason: ev.reason ?? null,
            detail: ev.detail ?? null,
          }
        : null,
      balanceBefore,
      balanceAfter: balance(),
      emergencyCreditActive: state ? state.emergencyCredit.active : null,
      display: p.app.display(),
    };
  }

  /**
   * PP-3: the PPMID powers off and on. Its snapshot (plain JSON, as kept in
   * flash) survives; the old instance is shut down (timers cancelled, late
   * HAN results ignored); `Ppmid.restore` re-verifies every stored envelope
   * and sends again what was in flight. With `radio`, the radio goes off and
   * rejoins (it keeps its frame and APS counters, CH-9) and the CH reopens
   * the tunnel (CH-5).
   */
  private restartPpmid(h: AtpsHome, radio: boolean) {
    const p = this.needPpmid(h);
    const eui = p.app.eui;
    const snapshot = JSON.parse(JSON.stringify(p.app.snapshot())) as ReturnType<Ppmid['snapshot']>;
    p.app.shutdown();
    const node = h.home.tunnelNode(eui);
    const wasConnected = node.isConnected;
    if (radio) h.home.disconnect(eui);
    const restored = Ppmid.restore(snapshot, p.provisioned.options);
    node.attachDevice(restored);
    p.app = restored;
    p.restarts++;
    this.listenReports(p);
    if (radio && wasConnected) h.home.connect(eui);
    return {
      takenAt: snapshot.takenAt,
      outbox: snapshot.outbox.length,
      customer: snapshot.customer.length,
      inFlight: [...snapshot.outbox, ...snapshot.customer].filter((e) => e.inFlight).map((e) => e.id),
      restored: restored.outboxEntries(),
      radio,
    };
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
