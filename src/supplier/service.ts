/**
 * The supplier service (SECMP0038 SU-1, SU-2, SU-3): premises and their WAN
 * class, commands from order to one terminal state, the DUIS exchanges with
 * the DSP, the PPMID leg over the internet, the Receive Response Service, and
 * the provisioning of enhanced PPMIDs.
 *
 * State machines on the injected Clock; async only at the I/O edges (DUIS
 * over HTTP, the store, MQTT). Every decision is taken synchronously in the
 * tracker; the service awaits `tracker.flush()` before it acknowledges
 * anything outside (the API caller, the DSP's POST, the PPMID report's
 * PUBACK) and before it sends anything it must be able to send again after a
 * restart (a DUIS request, an envelope): write-ahead.
 */
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import type { InternetLink, InternetMessage } from '../adapters/mqtt/index.ts';
import { ALL_STATUS_FILTER, inboxTopic, parsePpmidTopic, ppmidClientId } from '../adapters/mqtt/index.ts';
import type { TestPki } from '../adapters/pki/index.ts';
import { EventLog, type Store } from '../adapters/store/index.ts';
import { readFutureDatedAlertNode } from '../dcc/dsp/future-dated-alerts.ts';
import {
  generateSigningKeyPair,
  newEnvelopeId,
  rememberDeliveryKeyId,
  type SigningKeyPair,
} from '../delivery/index.ts';
import {
  ACB_EUI,
  type CommandVariant,
  type DuisResponse,
  type DuisResponseCode,
  deviceGbcsOf,
  formatRequestId,
  isLocalDeliveryCommandVariant,
  isWanCommandVariant,
  type RequestId,
  responseCodeKind,
  serviceRequest,
  signedPreCommandBody,
} from '../duis/index.ts';
import { publicKeyPem, readPublicKeyPem, spkiPem } from '../gbcs/crypto.ts';
import { generateUtrn, type SecurityContext } from '../gbcs/index.ts';
import { type Eui, fromHex, normaliseEui, toHex } from '../runtime/bytes.ts';
import type { Clock } from '../runtime/clock.ts';
import { Logger } from '../runtime/logger.ts';
import { Metrics } from '../runtime/metrics.ts';
import { SeededRandom } from '../runtime/random.ts';
import { wholeMillisecondClock } from './clock.ts';
import { holdsDevice } from './command-states.ts';
import {
  expiryMsFor,
  overdueAtFor,
  type Route,
  type SupplierConfig,
  type SupplierConfigInput,
  supplierConfig,
} from './config.ts';
import { applyCreditEvidence, CreditLedger, foldCreditReport } from './credit-evidence.ts';
import type { DuisClient, DuisExchange } from './duis-client.ts';
import { checkDuisTarget, defaultDuisTarget, deviceTypeAt, mustOrderableSrv } from './duis-order.ts';
import { EnvelopeResender } from './envelope-resend.ts';
import { SupplierError } from './errors.ts';
import {
  bodyOfOrder,
  type CommandOrder,
  type CommandRecord,
  executionDateTimeOf,
  isFutureDated,
  isTerminal,
  type PpmidRecord,
  type Premises,
  type PremisesDevice,
  srvOfOrder,
} from './model.ts';
import {
  CH_TIME_EXPIRY_MS,
  CH_TIME_SRV,
  type ChTimePort,
  COMMISSION_CLOCK_MARGIN_MS,
  chTimeRoute,
  commissionRoute,
  noWanDeviceLogRoute,
} from './no-wan.ts';
import { buildPpmidLeg, checkStatusReport, foldStatusReport } from './ppmid-leg.ts';
import { foldDeviceResponse } from './response-fold.ts';
import {
  chooseRoute,
  classifyWan,
  type InstallationPrior,
  type RouteDecision,
  type WanClassification,
} from './route-planner.ts';
import { type CommandCount, type CommandFilter, type CommandTimes, SupplierRepository } from './store.ts';
import { CommandTracker, type TrackerChange } from './tracker.ts';
import { settleIfUnconfirmed } from './unconfirmed.ts';

const log = Logger.get('supplier');

/**
 * How the DSP learns that an enhanced PPMID's Device Log entry must carry the
 * relay flag (SECMP0038 C3). DUIS 8.11 has no field for it (XSD
 * AddDeviceToCHFWhitelist: JoinTimePeriod, InstallCode, MPxNs only), so the
 * flag is registered with the DSP before the 8.11 Add, and the DSP adds it
 * to the CCS01 Device Log entry it builds (the CHF reads it as the
 * provisional fifth element of register_device, devices/chf). PROVISIONAL:
 * see docs/supplier.md "Relay flag".
 */
export interface PpmidRelayRegistrar {
  setRelayFlag(ppmid: Eui, chf: Eui, enabled: boolean): Promise<void>;
}

export interface SupplierServiceOptions {
  supplierEui: Eui;
  clock: Clock;
  /** A migrated store (migration 040-supplier). */
  store: Store;
  duis: DuisClient;
  /** The supplier's GBCS keys: DS private key (signs Pre-Commands), prepayment KA private key (UTRNs), device KA certificates. */
  security: SecurityContext;
  /** The supplier's delivery key (P-256): signs envelopes; its public key is provisioned into each PPMID. */
  deliveryKey?: SigningKeyPair;
  /** The supplier's internet link (client id `supplier-<EUI>`); without it there is no PPMID leg. */
  internet?: InternetLink;
  /** Issues PPMID MQTT client certificates (SU-3). */
  pki?: TestPki;
  relayRegistrar?: PpmidRelayRegistrar;
  /** The DCC's Set CH Time for a CH without WAN (no-wan.ts, PROVISIONAL); without it `ch-time` orders are refused. */
  chTime?: ChTimePort;
  /** Envelope ids (default seeded from the supplier EUI). */
  random?: SeededRandom;
  config?: SupplierConfigInput;
  metrics?: Metrics;
}

export interface SubmitRequest {
  premisesId: string;
  order: CommandOrder;
  /** Default: the CHF for 8.11, else the first ESME of the premises (GSME if it has none). */
  target?: Eui;
  /** Force a route (recorded as the reason). */
  route?: Route;
  /** Override the configured expiry. */
  expiresInMs?: number;
}

export interface PremisesView extends Premises {
  wan: WanClassification;
  ppmidRecord?: PpmidRecord;
}

export interface ProvisionRequest {
  premisesId: string;
  eui: Eui;
  /** Install code (hex, with its CRC) for the CHF Device Log (CH-9). */
  installCode: string;
  /** The PPMID's own reporting public key (PEM SPKI, P-256): the PPMID makes its keys (issue 13). */
  reportingPublicKeyPem: string;
  /**
   * The PPMID's PKCS#10 request for its MQTT client certificate (PP-1), for a
   * P-256 key it made itself; needed when the supplier has a PKI and issues one.
   */
  csrPem?: string;
  /** 8.11 JoinTimePeriod, seconds (default 3600). */
  joinTimePeriod?: number;
  /** Issue an MQTT client certificate from the PKI (default: when a PKI is configured). */
  issueClientCertificate?: boolean;
  /**
   * Re-provision a PPMID this supplier has already registered (a replacement
   * unit, new keys): refused without it (a takeover), logged with `operator`.
   */
  replace?: boolean;
  /** Who asked (the authenticated operator), for the log of a replace. */
  operator?: string;
  /**
   * The installer found no WAN and paired the PPMID (no-wan.ts, PROVISIONAL): the 8.11 goes as
   * CV 2 through this PPMID, and the PPMID is relay-enabled (unconfirmed) once it forwarded it.
   */
  noWan?: boolean;
}

/** What a PPMID needs to be configured with (SU-3). No private key: the PPMID keeps its own (issue 13). */
export interface ProvisioningBundle {
  ppmid: Eui;
  premisesId: string;
  supplierId: Eui;
  mqttClientId: string;
  deliveryPublicKeyPem: string;
  deliveryKeyId: string;
  reportingKey: { publicKeyPem: string; keyId: string };
  mqtt?: { certPem: string; caCertPem: string };
  deviceLogCommandId: string;
  state: PpmidRecord['state'];
}

export type ReceiveOutcome =
  | { kind: 'response'; commandId: string; effect: 'responded' | 'failed' | 'duplicate' | 'recorded' }
  | { kind: 'unmatched'; requestId: string | null }
  | { kind: 'alert'; alert: 'device' | 'dcc'; code: string };

export type SupplierEvent =
  | { type: 'command'; command: CommandRecord; hop: TrackerChange['hop'] }
  | { type: 'premises'; premisesId: string }
  | { type: 'ppmid'; ppmid: PpmidRecord }
  | { type: 'refused'; what: string; reason: string }
  | {
      type: 'alert';
      /** device / DCC alerts from the DSP; `supplier`: the supplier's own (e.g. `response-overdue`, `late-response`) */
      alert: 'device' | 'dcc' | 'supplier';
      code: string;
      device?: Eui;
      detail?: Record<string, unknown>;
    };

export class SupplierService {
  readonly supplierEui: Eui;
  readonly config: SupplierConfig;
  readonly tracker: CommandTracker;
  readonly repo: SupplierRepository;
  readonly metrics: Metrics;
  readonly deliveryKey: SigningKeyPair;
  private deliveryKeyPem: string | undefined;
  private readonly clock: Clock;
  private readonly duis: DuisClient;
  private readonly security: SecurityContext;
  private readonly internet: InternetLink | undefined;
  private readonly pki: TestPki | undefined;
  private readonly relayRegistrar: PpmidRelayRegistrar | undefined;
  private readonly chTime: ChTimePort | undefined;
  private readonly random: SeededRandom;
  private readonly events: EventLog;
  private readonly source: string;
  private readonly premises = new Map<string, Premises>();
  private readonly premisesOfDevice = new Map<Eui, string>();
  private readonly ppmids = new Map<Eui, PpmidRecord>();
  /** The PPMIDs recorded at each premises, in the order of `ppmids` (a lookup, not a scan of every PPMID). */
  private readonly ppmidsAtPremises = new Map<string, Eui[]>();
  private readonly reportingKeys = new Map<Eui, KeyObject>();
  private readonly byEnvelope = new Map<string, string>();
  /** per meter: the PPMID credit reads and top-ups forwarded since (evidence, credit-evidence.ts) */
  private readonly creditLedger = new CreditLedger();
  /** Targets whose queue is being pumped (one DUIS dispatch at a time per target when serialising). */
  private readonly busyTargets = new Set<Eui>();
  private readonly inflightDispatch = new Set<Promise<void>>();
  private readonly listeners = new Set<(e: SupplierEvent) => void>();
  private closed = false;
  private resender: EnvelopeResender | undefined;

  private constructor(o: SupplierServiceOptions) {
    this.supplierEui = normaliseEui(o.supplierEui);
    this.config = supplierConfig(o.config);
    // Whole milliseconds for every stamp (store rows, events, envelopes), whatever the clock.
    this.clock = wholeMillisecondClock(o.clock);
    this.duis = o.duis;
    this.security = o.security;
    this.internet = o.internet;
    this.pki = o.pki;
    this.relayRegistrar = o.relayRegistrar;
    this.chTime = o.chTime;
    this.random = o.random ?? new SeededRandom(`supplier:${this.supplierEui}`);
    this.metrics = o.metrics ?? new Metrics('supplier.');
    this.repo = new SupplierRepository(o.store);
    this.events = new EventLog(o.store.db, this.clock);
    this.source = `supplier:${this.supplierEui}`;
    this.deliveryKey = o.deliveryKey ?? generateSigningKeyPair();
    this.tracker = new CommandTracker({
      clock: this.clock,
      persistence: this.repo,
      metrics: this.metrics,
      overdueAt: (c, now) => overdueAtFor(this.config, c.route, now),
    });
    if (this.duis.supplierEui !== this.supplierEui)
      throw new SupplierError(
        'SUPPLIER_CONFIG',
        `the DUIS client is for ${this.duis.supplierEui}, not ${this.supplierEui}`,
      );
  }

  /** Builds the service, reloads its state and resumes every open command (SU-2 restart). */
  static async start(o: SupplierServiceOptions): Promise<SupplierService> {
    const s = new SupplierService(o);
    await s.resume();
    return s;
  }

  private async resume(): Promise<void> {
    for (const p of await this.repo.listPremises()) this.indexPremises(p);
    for (const r of await this.repo.listPpmids()) this.indexPpmid(r);
    this.tracker.subscribe((c) => this.onTrackerChange(c));
    const open = await this.tracker.load();
    for (const c of open) if (c.ppmid) this.byEnvelope.set(c.ppmid.envelopeId, c.id);
    await this.tracker.flush();
    if (this.internet) {
      await this.internet.subscribe(ALL_STATUS_FILTER, (m) => this.onStatusMessage(m), { qos: 1 });
      // Envelopes a lost broker session swallowed go again when their PPMID comes online (envelope-resend.ts).
      this.resender = new EnvelopeResender(
        this.internet,
        {
          openCommands: () => this.tracker.openCommands(),
          recordResent: (c, detail) => this.tracker.hop(c.id, 'envelope-resent', detail),
          alive: () => !this.closed,
          trusted: (eui) => this.ppmids.get(eui)?.state !== 'revoked',
        },
        this.metrics,
      );
      await this.resender.start();
    }
    const targets = new Set<Eui>();
    for (const c of open) {
      if (c.state === 'sending') this.track(this.resumeSending(c));
      else if (c.state === 'in-flight' && c.ppmid?.status === 'pending-publish')
        this.track(this.publishLeg(c));
      targets.add(c.target);
    }
    for (const t of targets) this.pump(t);
    log.info('supplier service started', { supplier: this.supplierEui, open: open.length });
  }

  // ---------------------------------------------------------------- events

  /** Live events (commands, premises, PPMIDs, refusals, alerts); returns a function that removes the listener. */
  subscribe(listener: (e: SupplierEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(e: SupplierEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (err) {
        log.error('event listener threw', { error: String(err) });
      }
    }
  }

  private onTrackerChange(ch: TrackerChange): void {
    this.emit({ type: 'command', command: ch.command, hop: ch.hop });
    const c = ch.command;
    if (isTerminal(c.state) && ch.hop.kind === c.state) {
      if (c.ppmid) this.byEnvelope.delete(c.ppmid.envelopeId);
      if (c.order.kind === 'device-log') this.deviceLogFinished(c);
      // The device is free for its next command (after this listener returns; a promise job,
      // not a bare queueMicrotask, so the simulator's pump sees the work: src/sim/pump.ts).
      void Promise.resolve(c.target).then((t) => this.pump(t));
    } else if (ch.hop.kind === 'response-overdue') this.overdue(c);
  }

  /**
   * SU-2 `response-overdue`: no device response within config.overdue. An
   * alert (live event, the shared events table) instead of a silent wait, and
   * the device's queue moves on: a later command gets a higher Originator
   * Counter, so the overdue one, if it still reaches the meter afterwards, is
   * refused there as a replay (GBCS anti-replay) and never applied out of order.
   */
  private overdue(c: CommandRecord): void {
    this.metrics.inc('command-overdue');
    const detail = {
      command: c.id,
      requestId: c.requestId ? formatRequestId(c.requestId) : null,
      premisesId: c.premisesId,
      target: c.target,
      srv: c.srv,
      route: c.route ?? null,
      ppmid: c.ppmid?.status ?? null,
      expiresAt: new Date(c.expiresAt).toISOString(),
    };
    log.warn('device response overdue', detail);
    this.emit({ type: 'alert', alert: 'supplier', code: 'response-overdue', device: c.target, detail });
    this.track(
      this.events.append(this.source, 'command-overdue', detail).then(
        () => undefined,
        (e) => log.error('could not log an overdue command', { error: String(e) }),
      ),
    );
    void Promise.resolve(c.target).then((t) => this.pump(t));
  }

  // ---------------------------------------------------------------- premises

  private indexPremises(p: Premises): void {
    this.premises.set(p.id, p);
    for (const d of p.devices) this.premisesOfDevice.set(d.eui, p.id);
    this.premisesOfDevice.set(p.chf, p.id);
  }

  /** `key`: the record's reporting key when the caller has just read it (not parsed twice). */
  private indexPpmid(r: PpmidRecord, key?: KeyObject): void {
    const prev = this.ppmids.get(r.eui);
    if (prev?.premisesId !== r.premisesId) {
      // (provisionPpmid refuses a PPMID at a second premises; a record read back may still move it)
      if (prev) {
        const was = this.ppmidsAtPremises.get(prev.premisesId) ?? [];
        const i = was.indexOf(r.eui);
        if (i >= 0) was.splice(i, 1);
      }
      const at = this.ppmidsAtPremises.get(r.premisesId);
      if (at) at.push(r.eui);
      else this.ppmidsAtPremises.set(r.premisesId, [r.eui]);
    }
    this.ppmids.set(r.eui, r);
    // a revoked PPMID's reports are refused (its reporting key is no longer trusted)
    if (r.state === 'revoked') {
      this.reportingKeys.delete(r.eui);
      return;
    }
    try {
      this.reportingKeys.set(r.eui, key ?? createPublicKey(r.reportingPublicKeyPem));
    } catch (err) {
      log.error('stored reporting key of a PPMID is unreadable', { ppmid: r.eui, error: String(err) });
    }
  }

  /** Adds or replaces a premises (its devices and Communications Hub). */
  async putPremises(input: {
    id: string;
    chf: string;
    devices: PremisesDevice[];
    name?: string;
    /** The CH's installation outcome (DUIS 8.14.1 / 8.14.2): SU-1 starts from it. Omitted: kept as it was. */
    smWanAtInstall?: 'connected' | 'none';
  }): Promise<Premises> {
    if (!/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/.test(input.id))
      throw new SupplierError(
        'SUPPLIER_BAD_REQUEST',
        `premises id ${JSON.stringify(input.id)}: 1-64 of A-Z a-z 0-9 . _ : -`,
      );
    const eui = (s: string, what: string) => {
      try {
        return normaliseEui(s);
      } catch {
        throw new SupplierError('SUPPLIER_BAD_REQUEST', `${what} ${JSON.stringify(s)} is not an EUI-64`);
      }
    };
    const chf = eui(input.chf, 'chf');
    const devices = input.devices.map((d) => ({ eui: eui(d.eui, 'device'), type: d.type }));
    for (const d of devices) {
      const other = this.premisesOfDevice.get(d.eui);
      if (other !== undefined && other !== input.id)
        throw new SupplierError('SUPPLIER_CONFLICT', `device ${d.eui} belongs to premises ${other}`);
    }
    const now = this.clock.now();
    const old = this.premises.get(input.id);
    const p: Premises = {
      id: input.id,
      chf,
      devices,
      createdAt: old?.createdAt ?? now,
      updatedAt: now,
      ...(input.name !== undefined ? { name: input.name } : {}),
      ...(old?.ppmid !== undefined ? { ppmid: old.ppmid } : {}),
      ...(old?.lastWanResponseAt !== undefined ? { lastWanResponseAt: old.lastWanResponseAt } : {}),
      ...(input.smWanAtInstall !== undefined
        ? {
            installation:
              old?.installation?.smWan === input.smWanAtInstall
                ? old.installation
                : { smWan: input.smWanAtInstall, at: now },
          }
        : old?.installation
          ? { installation: old.installation }
          : {}),
    };
    await this.repo.putPremises(p);
    if (old) for (const d of old.devices) this.premisesOfDevice.delete(d.eui);
    this.indexPremises(p);
    this.emit({ type: 'premises', premisesId: p.id });
    return p;
  }

  getPremises(id: string): Premises | undefined {
    return this.premises.get(id);
  }

  /** SU-1: the premises' WAN class now, from its delivery history. */
  async classify(premisesId: string): Promise<WanClassification> {
    const p = this.mustPremises(premisesId);
    const w = this.config.wan;
    const now = this.clock.now();
    const observations = await this.repo.wanHistory(
      p.id,
      now - w.windowDays * 24 * 3600_000,
      w.windowCommands,
    );
    return classifyWan(
      { observations, lastWanResponseAt: p.lastWanResponseAt, installation: this.installationPrior(p) },
      now,
      w,
    );
  }

  /**
   * SU-1 day one: the installation as reported (8.14.1 / 8.14.2), ended by the
   * later of that report and the end of the premises' commissioning 8.11 (the
   * PPMID's Device Log entry, SU-3: answered or failed).
   */
  private installationPrior(p: Premises): InstallationPrior | undefined {
    if (!p.installation) return undefined;
    const r = p.ppmid ? this.ppmids.get(p.ppmid) : undefined;
    const commissioned = r && (r.state === 'relay-enabled' || r.state === 'failed') ? r.updatedAt : 0;
    return { smWan: p.installation.smWan, endedAt: Math.max(p.installation.at, commissioned) };
  }

  async premisesViews(): Promise<PremisesView[]> {
    const out: PremisesView[] = [];
    for (const p of [...this.premises.values()].sort((a, b) => a.id.localeCompare(b.id)))
      out.push(await this.premisesView(p.id));
    return out;
  }

  async premisesView(id: string): Promise<PremisesView> {
    const p = this.mustPremises(id);
    const ppmidRecord = p.ppmid ? this.ppmids.get(p.ppmid) : this.ppmidsAt(id)[0];
    return { ...p, wan: await this.classify(id), ...(ppmidRecord ? { ppmidRecord } : {}) };
  }

  private mustPremises(id: string): Premises {
    const p = this.premises.get(id);
    if (!p) throw new SupplierError('SUPPLIER_NOT_FOUND', `no premises ${JSON.stringify(id)}`);
    return p;
  }

  /** The enhanced PPMID through which commands for the premises may be routed (relay flag set, SU-3 / C3). */
  private relayPpmid(p: Premises): PpmidRecord | undefined {
    if (!p.ppmid || !this.internet) return undefined;
    const r = this.ppmids.get(p.ppmid);
    return r?.relayEnabled ? r : undefined;
  }

  // ---------------------------------------------------------------- commands

  /** Takes an order: reserves its RequestID, chooses the route (SU-1), records it (SU-2) and queues it. */
  async submit(req: SubmitRequest, installing?: { noWanPpmid: Eui }): Promise<CommandRecord> {
    if (this.closed) throw new SupplierError('SUPPLIER_STATE', 'the supplier service is closed');
    const p = this.mustPremises(req.premisesId);
    const order = structuredClone(req.order);
    if (order.kind === 'ch-time') return this.submitChTime(p, req);
    const generic = order.kind === 'duis' ? mustOrderableSrv(order.srv) : undefined;
    const srv = srvOfOrder(order);
    const def = serviceRequest(srv)!;
    const target =
      def.class === 'non-device'
        ? ACB_EUI
        : req.target !== undefined
          ? normaliseEui(req.target)
          : this.defaultTarget(p, order);
    if (def.class !== 'non-device' && target !== p.chf && !p.devices.some((d) => d.eui === target))
      throw new SupplierError('SUPPLIER_BAD_REQUEST', `device ${target} is not at premises ${p.id}`);
    if (generic) checkDuisTarget(generic, deviceTypeAt(p, target), target);
    // 1.2.1 price orders carry electricity prices (ElectricityPriceElements, ECS01b): an ESME only;
    // the DSP refuses them for a GSME (GCS01b takes GasPriceElements).
    if (order.kind === 'price' && p.devices.find((d) => d.eui === target)?.type !== 'ESME')
      throw new SupplierError(
        'SUPPLIER_BAD_REQUEST',
        `price orders are electricity prices: ${target} is not an ESME`,
      );
    if (order.kind === 'device-log' && !installing && req.route !== undefined && req.route !== 'wan')
      throw new SupplierError(
        'SUPPLIER_BAD_REQUEST',
        '8.11 goes to the CHF over the WAN only (CH-2 discards PPMID relays to the CHF)',
      );
    if (order.kind === 'top-up' && order.utrn === undefined && order.value === undefined)
      throw new SupplierError('SUPPLIER_BAD_REQUEST', 'top-up needs a utrn or a value');
    if (order.kind === 'commission-device') {
      if (!['ESME', 'GSME'].includes(p.devices.find((d) => d.eui === target)?.type ?? ''))
        throw new SupplierError(
          'SUPPLIER_BAD_REQUEST',
          `8.1.1 here commissions a meter: ${target} is not one`,
        );
      order.currentDateTime ??= new Date(this.clock.now() - COMMISSION_CLOCK_MARGIN_MS).toISOString();
    }
    const wan = await this.classify(p.id);
    const decision: RouteDecision = installing
      ? noWanDeviceLogRoute()
      : order.kind === 'commission-device'
        ? commissionRoute({
            wanClass: wan.wanClass,
            hasEnhancedPpmid: this.relayPpmid(p) !== undefined,
            forced: req.route,
          })
        : order.kind === 'device-log'
          ? {
              ...chooseRoute({
                srv,
                wanClass: wan.wanClass,
                hasEnhancedPpmid: false,
                futureDated: false,
                forced: 'wan',
              }),
              reasons: ['8.11 goes to the CHF over the WAN: CH-2 discards PPMID relays addressed to the CHF'],
            }
          : chooseRoute({
              srv,
              wanClass: wan.wanClass,
              hasEnhancedPpmid: this.relayPpmid(p) !== undefined,
              futureDated: isFutureDated(order),
              targetIsChf: target === p.chf,
              forced: req.route,
            });
    // Body checks now (bodyOfOrder throws SUPPLIER_BAD_REQUEST); a top-up's UTRN comes at dispatch.
    if (order.kind === 'top-up') {
      if (order.utrn !== undefined) bodyOfOrder(order);
      else if (!(Number.isInteger(order.value) && order.value! >= 0 && order.value! <= 8191))
        throw new SupplierError('SUPPLIER_BAD_REQUEST', 'top-up value must be 0..8191');
    } else bodyOfOrder(order);
    const now = this.clock.now();
    const seq = await this.repo.nextCounter(`${this.supplierEui}/commands`, 1n, now);
    const expiresIn = req.expiresInMs ?? expiryMsFor(this.config, srv, decision.route);
    if (!(Number.isInteger(expiresIn) && expiresIn > 0))
      throw new SupplierError('SUPPLIER_BAD_REQUEST', 'expiresInMs must be a positive integer');
    const c = this.tracker.create(
      {
        id: seq.toString(),
        premisesId: p.id,
        target,
        srv,
        order,
        route: decision.route,
        // the installer's observation (no-wan.ts) outranks a classification without history
        wanClass: installing ? 'none' : wan.wanClass,
        commandVariants: decision.commandVariants,
        routeReasons: decision.reasons,
        createdAt: now,
        expiresAt: now + expiresIn,
      },
      { order: order.kind },
    );
    this.tracker.hop(c.id, 'route-chosen', {
      route: decision.route,
      commandVariants: decision.commandVariants,
      wanClass: wan.wanClass,
      reasons: [...wan.reasons, ...decision.reasons],
      wanStats: wan.stats,
      ppmid: decision.route === 'wan' || decision.route === 'dcc' ? null : p.ppmid,
    });
    await this.tracker.flush();
    this.pump(target);
    return c;
  }

  private defaultTarget(p: Premises, order: CommandOrder): Eui {
    if (order.kind === 'device-log') return p.chf;
    if (order.kind === 'duis') return defaultDuisTarget(p, mustOrderableSrv(order.srv));
    const d = p.devices.find((x) => x.type === 'ESME') ?? p.devices.find((x) => x.type === 'GSME');
    if (!d) throw new SupplierError('SUPPLIER_BAD_REQUEST', `premises ${p.id} has no meter; name a target`);
    return d.eui;
  }

  /** A command with its timeline. */
  async command(
    id: string,
  ): Promise<{ command: CommandRecord; timeline: import('./model.ts').Hop[] } | undefined> {
    await this.tracker.flush();
    const command = await this.tracker.lookup({ id });
    if (!command) return undefined;
    return { command, timeline: await this.repo.hops(id) };
  }

  async commands(filter: CommandFilter = {}): Promise<CommandRecord[]> {
    await this.tracker.flush();
    return this.repo.listCommands(filter);
  }

  /** The service's time (its Clock, whole milliseconds). */
  now(): number {
    return this.clock.now();
  }

  /** For charts: commands per route and state, and the times of the newest `recent` commands. */
  async commandStats(recent = 2000): Promise<{ counts: CommandCount[]; times: CommandTimes[] }> {
    await this.tracker.flush();
    const [counts, times] = await Promise.all([this.repo.commandCounts(), this.repo.commandTimes(recent)]);
    return { counts, times };
  }

  /**
   * SR 8.13: returns a device response obtained locally for a command (DUIS;
   * SECMP0038 C2). A command of its own (non-device, CV 8); the original
   * command's timeline records it.
   */
  async returnLocalResponse(commandId: string, deviceGbcsResponseHex: string): Promise<CommandRecord> {
    const orig = await this.tracker.lookup({ id: commandId });
    if (!orig) throw new SupplierError('SUPPLIER_NOT_FOUND', `no command ${commandId}`);
    const origRid = orig.requestId;
    if (!origRid)
      throw new SupplierError(
        'SUPPLIER_CONFLICT',
        `command ${commandId} has not been sent: no RequestID to answer`,
      );
    try {
      fromHex(deviceGbcsResponseHex);
    } catch {
      throw new SupplierError('SUPPLIER_BAD_REQUEST', 'deviceGbcsResponse must be hex');
    }
    const c = await this.submit({
      premisesId: orig.premisesId,
      order: {
        kind: 'return-local-response',
        originalRequestId: formatRequestId(origRid),
        deviceGbcsResponse: deviceGbcsResponseHex.replace(/\s/g, '').toUpperCase(),
      },
    });
    const detail = { returnedBy: c.id };
    if (isTerminal(orig.state)) this.tracker.recordOnClosed(orig, 'local-response-returned', detail);
    else this.tracker.hop(orig.id, 'local-response-returned', detail);
    await this.tracker.flush();
    return c;
  }

  // ---------------------------------------------------------------- dispatch (the DUIS I/O edge)

  private track(p: Promise<void>): void {
    const q = p.catch((err) => log.error('dispatch failed unexpectedly', { error: String(err) }));
    this.inflightDispatch.add(q);
    void q.finally(() => this.inflightDispatch.delete(q));
  }

  /** Starts the next queued command of `target` if the target is free (SupplierConfig.serialisePerDevice). */
  private pump(target: Eui): void {
    if (this.closed) return;
    const open = this.tracker.openCommands().filter((c) => c.target === target);
    const queued = open.filter((c) => c.state === 'queued');
    if (queued.length === 0) return;
    if (this.config.serialisePerDevice) {
      const busy = open.find((c) => holdsDevice(c.state));
      if (busy || this.busyTargets.has(target)) {
        for (const q of queued)
          if (!this.announcedBehind.has(q.id)) {
            this.announcedBehind.add(q.id);
            this.tracker.hop(q.id, 'queued-behind', { command: busy?.id ?? null });
          }
        return;
      }
      this.busyTargets.add(target);
      this.track(
        this.dispatch(queued[0]).finally(() => {
          this.busyTargets.delete(target);
          this.pump(target);
        }),
      );
    } else for (const q of queued) this.track(this.dispatch(q));
  }

  /**
   * The DUIS lane: one request exchange with the DSP at a time, and the
   * RequestID counter reserved inside it. The DSP takes a user's counters
   * only in increasing order, so reserving and sending must not interleave
   * between commands (a CV 4 -> sign -> CV 5/6/7 exchange holds the lane
   * throughout: its second request reuses the counter).
   */
  private lane: Promise<unknown> = Promise.resolve();
  private inLane<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.lane.then(fn, fn);
    this.lane = p.catch(() => {});
    return p;
  }

  /** Reserves the command's RequestID (and a top-up's UTRN, bound to the counter: GBCS.md 5a). */
  private async assignRequestId(c: CommandRecord): Promise<void> {
    if (c.requestId) return;
    const counter = await this.repo.nextCounter(
      this.supplierEui,
      this.config.initialCounter,
      this.clock.now(),
    );
    if (isTerminal(c.state)) return;
    const requestId: RequestId = { originator: this.supplierEui, target: c.target, counter };
    if (c.order.kind === 'top-up' && c.order.utrn === undefined) {
      const order = c.order;
      order.utrn = generateUtrn(this.security, {
        supplier: this.supplierEui,
        device: c.target,
        counter,
        value: order.value!,
        valueClass: order.valueClass ?? 'pennies',
      });
    }
    this.tracker.assignRequestId(c.id, requestId, c.order.kind === 'top-up' ? { utrn: c.order.utrn } : {});
  }

  private async dispatch(c: CommandRecord, resumed = false): Promise<void> {
    if (c.state !== (resumed ? 'sending' : 'queued')) return;
    this.announcedBehind.delete(c.id);
    const cvs = c.commandVariants ?? [];
    if (!resumed) this.tracker.move(c.id, 'sending', 'dispatched', { commandVariants: cvs });
    try {
      await this.inLane(async () => {
        if (isTerminal(c.state)) return;
        await this.assignRequestId(c);
        if (isTerminal(c.state)) return;
        if (c.order.kind === 'ch-time') await this.issueChTime(c);
        else if (cvs[0] === 4) {
          const pre = await this.exchange(c, 4, bodyOfOrder(c.order));
          if (pre) await this.completeCritical(c, pre);
        } else {
          const cv = cvs[0];
          const answer = await this.exchange(c, cv, bodyOfOrder(c.order));
          if (answer) this.applyDeliveringAnswer(c, cv, answer);
        }
      });
    } catch (err) {
      this.failOpen(c, err);
    } finally {
      await this.tracker.flush().catch((err) => log.error('store failed', { error: String(err) }));
      if (c.ppmid?.status === 'pending-publish' && !isTerminal(c.state)) await this.publishLeg(c);
    }
  }

  /** CV 4 answered: sign the Pre-Command with the supplier's DS key, send CV 5/6/7 (in the lane). */
  private async completeCritical(
    c: CommandRecord,
    pre: Extract<DuisExchange, { kind: 'answer' }>,
  ): Promise<void> {
    const payload = pre.response.body.kind === 'ResponseMessage' ? pre.response.body.payload : undefined;
    if (pre.response.header.responseCode !== 'I0' || payload?.type !== 'PreCommand') {
      this.failFromAnswer(c, pre, 'the DSP returned no Pre-Command for CV 4');
      return;
    }
    this.tracker.hop(c.id, 'pre-command-received', {
      gbcsVersion: payload.gbcsVersion,
      size: payload.gbcs.length,
      sha256: sha256(payload.gbcs),
    });
    let signed: Uint8Array;
    try {
      // SU-1: a critical SR is signed by its business originator, with the supplier's own DS key (GBCS; DSP-2).
      signed = this.security.sign(payload.gbcs, this.supplierEui);
    } catch (err) {
      this.tracker.finish(c.id, 'failed', `cannot sign the Pre-Command: ${(err as Error).message}`);
      return;
    }
    this.tracker.patch(c.id, (x) => (x.signedPreCommand = toHex(signed)), 'pre-command-signed', {
      size: signed.length,
      signer: this.supplierEui,
    });
    const cv = c.commandVariants![1];
    const answer = await this.exchange(c, cv, signedPreCommandBody(this.signedBody(c, signed)));
    if (answer) this.applyDeliveringAnswer(c, cv, answer);
  }

  private signedBody(c: CommandRecord, signed: Uint8Array) {
    const when = executionDateTimeOf(c.order);
    const at = when ? new Date(when) : undefined;
    return at ? { executionDateTime: at, gbcsPayload: signed } : { gbcsPayload: signed };
  }

  /**
   * One DUIS request with write-ahead: the signed XML is stored before it is
   * sent. Returns the verified answer, or undefined when the command ended
   * (refused, unverifiable, or finished meanwhile).
   */
  private async exchange(
    c: CommandRecord,
    cv: CommandVariant,
    body: ReturnType<typeof bodyOfOrder>,
  ): Promise<Extract<DuisExchange, { kind: 'answer' }> | undefined> {
    if (!c.requestId) throw new SupplierError('SUPPLIER_STATE', `command ${c.id} has no RequestID`);
    const spec = { requestId: c.requestId, commandVariant: cv, srv: c.srv, body };
    const xml = this.duis.buildSigned(spec);
    this.tracker.patch(c.id, (x) => (x.duisInFlight = { cv, xml }), 'duis-sent', {
      cv,
      endpoint: endpointName(cv),
      requestSha256: sha256(Buffer.from(xml)),
      size: xml.length,
    });
    await this.tracker.flush();
    // Write-ahead: a service that stopped (or crashed) meanwhile sends nothing; its successor
    // resumes from what was stored.
    this.assertAlive();
    return this.afterSend(c, cv, await this.sendOrError(spec, xml));
  }

  private async sendOrError(
    spec: Parameters<DuisClient['sendSigned']>[0],
    xml: string,
  ): Promise<DuisExchange | SupplierError> {
    try {
      return await this.duis.sendSigned(spec, xml);
    } catch (err) {
      if (err instanceof SupplierError) return err;
      throw err;
    }
  }

  private afterSend(
    c: CommandRecord,
    cv: CommandVariant,
    r: DuisExchange | SupplierError,
  ): Extract<DuisExchange, { kind: 'answer' }> | undefined {
    const closed = isTerminal(c.state);
    const detail: Record<string, unknown> =
      r instanceof SupplierError
        ? { cv, error: r.code, message: r.message }
        : r.kind === 'refused'
          ? { cv, httpStatus: r.httpStatus, detail: r.detail }
          : {
              cv,
              httpStatus: 200,
              code: r.response.header.responseCode,
              payload:
                r.response.body.kind === 'ResponseMessage'
                  ? (r.response.body.payload?.type ?? null)
                  : r.response.body.kind,
            };
    if (closed) {
      this.tracker.recordOnClosed(c, 'duis-answer', detail, (x) => delete x.duisInFlight);
      return undefined;
    }
    this.tracker.patch(c.id, (x) => delete x.duisInFlight, 'duis-answer', detail);
    if (r instanceof SupplierError) {
      // Unreachable DSP: nothing was accepted (no answer). A bad signature: we cannot trust what it says.
      this.tracker.finish(c.id, 'failed', `${r.code}: ${r.message}`);
      return undefined;
    }
    if (r.kind === 'refused') {
      if (r.httpStatus === 409 && this.resent.has(c.id)) {
        // A re-send after a restart that the DSP already has (counter replay): the first copy was accepted.
        this.acceptWithoutAnswer(c, cv);
        return undefined;
      }
      this.tracker.finish(
        c.id,
        'failed',
        `DSP refused CV ${cv} with HTTP ${r.httpStatus}: ${r.detail.slice(0, 200)}`,
      );
      return undefined;
    }
    return r;
  }

  /** Commands whose DUIS request was sent again after a restart. */
  private readonly resent = new Set<string>();
  /** Queued commands whose `queued-behind` hop is recorded. */
  private readonly announcedBehind = new Set<string>();

  private acceptWithoutAnswer(c: CommandRecord, cv: CommandVariant): void {
    if (cv === 4 || !isWanCommandVariant(cv)) {
      this.tracker.finish(
        c.id,
        'failed',
        `interrupted by a restart: the DSP had CV ${cv} already and its answer (${cv === 4 ? 'the Pre-Command' : 'the Local Command'}) was lost`,
      );
      return;
    }
    c.wanSentAt ??= this.clock.now();
    this.tracker.move(c.id, 'in-flight', 'in-flight', {
      cv,
      assumed:
        'the DSP accepted the copy sent before the restart (it refuses the re-send as a counter replay)',
      note: isLocalDeliveryCommandVariant(cv)
        ? 'the Local Command of the first copy was lost with the restart: WAN copy only'
        : null,
    });
  }

  private failFromAnswer(c: CommandRecord, a: Extract<DuisExchange, { kind: 'answer' }>, why: string): void {
    const code = a.response.header.responseCode;
    this.tracker.finish(
      c.id,
      'failed',
      responseCodeKind(code) === 'error' ? `DSP answered ${code}` : `${why} (${code})`,
      {
        code,
      },
    );
  }

  /** The synchronous answer to the delivering CV (1, 2, 3, 5, 6, 7, 8). */
  private applyDeliveringAnswer(
    c: CommandRecord,
    cv: CommandVariant,
    a: Extract<DuisExchange, { kind: 'answer' }>,
  ): void {
    const code = a.response.header.responseCode;
    const kind = responseCodeKind(code);
    if (kind === 'error') {
      this.tracker.finish(c.id, 'failed', `DSP answered ${code}`, { code, cv });
      return;
    }
    const payload = a.response.body.kind === 'ResponseMessage' ? a.response.body.payload : undefined;
    if (cv === 8) {
      this.tracker.move(c.id, 'in-flight', 'in-flight', { code });
      this.respond(c, a.response, 'the DCC answered (CV 8)');
      return;
    }
    if (payload?.type === 'GBCSPayload' && code === 'I0') {
      // A device response in the synchronous answer (not expected for device SRs, but DUIS allows it).
      this.tracker.move(c.id, 'in-flight', 'in-flight', { code });
      this.respond(c, a.response, 'device response in the synchronous answer');
      return;
    }
    // SU-1 history: the command is on the SM WAN from now (the DSP accepted it).
    if (isWanCommandVariant(cv)) c.wanSentAt = this.clock.now();
    this.tracker.move(c.id, 'in-flight', 'in-flight', {
      code,
      accepted: true,
      onWan: isWanCommandVariant(cv),
    });
    if (isLocalDeliveryCommandVariant(cv)) {
      if (payload?.type !== 'LocalCommand') {
        if (cv === 2 || cv === 6)
          this.tracker.finish(c.id, 'failed', `the DSP returned no Local Command for CV ${cv} (${code})`);
        else
          this.tracker.hop(c.id, 'local-command-received', {
            missing: true,
            note: 'no Local Command: WAN copy only',
          });
        return;
      }
      this.startLeg(c, payload.gbcs);
    }
  }

  private startLeg(c: CommandRecord, gbcs: Uint8Array): void {
    const p = this.premises.get(c.premisesId);
    const ppmid = p && (this.relayPpmid(p) ?? this.installingPpmid(c));
    if (!ppmid) {
      const why = 'no enhanced PPMID with its relay flag (or no internet link) any more';
      if (c.route === 'ppmid') this.tracker.finish(c.id, 'failed', why);
      else this.tracker.hop(c.id, 'local-command-received', { size: gbcs.length, dropped: why });
      return;
    }
    const { leg } = buildPpmidLeg({
      supplierEui: this.supplierEui,
      ppmid: ppmid.eui,
      requestId: c.requestId!,
      gbcs,
      envelopeId: newEnvelopeId(this.random),
      now: this.clock.now(),
      expiresAt: c.expiresAt,
      deliveryKey: this.deliveryKey.privateKey,
    });
    this.byEnvelope.set(leg.envelopeId, c.id);
    this.tracker.patch(c.id, (x) => (x.ppmid = leg), 'local-command-received', {
      size: gbcs.length,
      sha256: sha256(gbcs),
      ppmid: leg.ppmid,
      envelopeId: leg.envelopeId,
    });
  }

  /** Publishes a leg's envelope (QoS 1) once its bytes are stored; a restart re-publishes the same bytes. */
  private async publishLeg(c: CommandRecord): Promise<void> {
    const leg = c.ppmid;
    if (leg?.status !== 'pending-publish' || !this.internet) return;
    await this.tracker.flush();
    this.byEnvelope.set(leg.envelopeId, c.id);
    try {
      await this.internet.publish(inboxTopic(leg.ppmid), fromHex(leg.envelopeHex), { qos: 1 });
    } catch (err) {
      if (this.closed) return;
      this.metrics.inc('envelope-publish-failed');
      const detail = { error: (err as Error).message, code: (err as { code?: string }).code ?? null };
      if (isTerminal(c.state)) this.tracker.recordOnClosed(c, 'envelope-publish-failed', detail);
      else if (c.route === 'ppmid') {
        this.tracker.hop(c.id, 'envelope-publish-failed', detail);
        this.tracker.finish(c.id, 'failed', `could not publish the envelope: ${detail.error}`);
      } else this.tracker.hop(c.id, 'envelope-publish-failed', detail);
      await this.tracker.flush();
      return;
    }
    if (this.closed) return;
    this.metrics.inc('envelope-published');
    const detail = {
      topic: inboxTopic(leg.ppmid),
      envelopeId: leg.envelopeId,
      qos: 1,
      bytes: leg.envelopeHex.length / 2,
    };
    const mark = (x: CommandRecord) => {
      if (x.ppmid && x.ppmid.status === 'pending-publish') x.ppmid.status = 'published';
    };
    if (isTerminal(c.state)) this.tracker.recordOnClosed(c, 'envelope-published', detail, mark);
    else this.tracker.patch(c.id, mark, 'envelope-published', detail);
    await this.tracker.flush();
  }

  private async resumeSending(c: CommandRecord): Promise<void> {
    const pending = c.duisInFlight;
    if (!pending) {
      // Crashed before the write-ahead was stored: nothing was sent. Start again.
      this.tracker.hop(c.id, 'reloaded', { note: 'no DUIS request had been sent; dispatching again' });
      await this.redispatch(c);
      return;
    }
    const rid = c.requestId;
    if (!rid)
      throw new SupplierError('SUPPLIER_STATE', `command ${c.id}: a stored request without a RequestID`);
    this.resent.add(c.id);
    try {
      await this.inLane(async () => {
        this.tracker.hop(c.id, 'duis-sent', {
          cv: pending.cv,
          resent: true,
          reason: 'restart during the DUIS exchange: the same signed request again',
        });
        await this.tracker.flush();
        const spec = { requestId: rid, commandVariant: pending.cv, srv: c.srv, body: bodyOfOrder(c.order) };
        const a = this.afterSend(c, pending.cv, await this.sendOrError(spec, pending.xml));
        if (!a) return;
        if (pending.cv === 4) await this.completeCritical(c, a);
        else this.applyDeliveringAnswer(c, pending.cv, a);
      });
    } catch (err) {
      this.failOpen(c, err);
    } finally {
      await this.tracker.flush().catch(() => {});
      if (c.ppmid?.status === 'pending-publish' && !isTerminal(c.state)) await this.publishLeg(c);
      this.pump(c.target);
    }
  }

  private async redispatch(c: CommandRecord): Promise<void> {
    // 'sending' without a write-ahead: no request left the process; run the exchange from the start.
    await this.dispatch(c, true);
  }

  private failOpen(c: CommandRecord, err: unknown): void {
    if (isTerminal(c.state)) return;
    log.error('command failed with an unexpected error', { id: c.id, error: String(err) });
    this.tracker.finish(c.id, 'failed', `internal error: ${(err as Error).message ?? String(err)}`);
  }

  private respond(c: CommandRecord, r: DuisResponse, how: string): void {
    const payload = r.body.kind === 'ResponseMessage' ? r.body.payload : undefined;
    const code: DuisResponseCode = r.header.responseCode;
    const now = this.clock.now();
    this.tracker.patch(c.id, (x) => this.recordResponse(x, r, now), 'device-response', {
      code,
      how,
      gbcsSize: deviceGbcsOf(payload)?.length ?? null,
    });
    if (responseCodeKind(code) === 'error')
      this.tracker.finish(c.id, 'failed', `device response ${code}`, { code });
    else this.tracker.finish(c.id, 'responded', how, { code });
  }

  /** Counts a device response on the record and keeps the first (or the one that revises a closed command). */
  private recordResponse(x: CommandRecord, r: DuisResponse, now: number): void {
    const gbcs = deviceGbcsOf(r.body.kind === 'ResponseMessage' ? r.body.payload : undefined);
    x.responses++;
    x.answeredAt ??= now;
    x.response = {
      code: r.header.responseCode,
      at: now,
      ...(r.header.responseId ? { responseId: formatRequestId(r.header.responseId) } : {}),
      ...(gbcs ? { gbcs: toHex(gbcs) } : {}),
    };
  }

  // ---------------------------------------------------------------- Receive Response Service

  /**
   * A DUIS Response or Alert POSTed by the DSP. Verifies the DSP's signature
   * (throws SUPPLIER_DSP_SIGNATURE / SUPPLIER_DSP_PROTOCOL, counted and
   * logged), folds it into the tracker, and resolves once that is stored:
   * the HTTP 200 follows, so the DSP re-sends anything not acknowledged.
   */
  async receive(xml: string | Uint8Array): Promise<ReceiveOutcome> {
    this.assertAlive();
    let r: DuisResponse;
    try {
      r = this.duis.verifyResponse(xml, 'Receive Response Service POST');
    } catch (err) {
      if (err instanceof SupplierError) {
        this.metrics.inc(`receive-refused{code=${err.code}}`);
        this.emit({ type: 'refused', what: 'duis-response', reason: err.message });
        await this.events
          .append(this.source, 'duis-response-refused', {
            code: err.code,
            reason: err.message,
            sha256: sha256(typeof xml === 'string' ? Buffer.from(xml) : xml),
          })
          .catch((e) => log.error('could not log a refusal', { error: String(e) }));
      }
      throw err;
    }
    this.metrics.inc('received');
    const out = await this.fold(r);
    await this.tracker.flush();
    this.assertAlive();
    return out;
  }

  private async fold(r: DuisResponse): Promise<ReceiveOutcome> {
    const now = this.clock.now();
    // 8F66 / 8F67: a ResponseMessage FutureDatedDeviceAlertMessage (the request it reports
    // was answered already): an alert, never a second answer of the request.
    if (
      r.body.kind === 'ResponseMessage' &&
      r.body.payload?.type === 'Other' &&
      r.body.payload.node.name === 'FutureDatedDeviceAlertMessage'
    ) {
      const f = readFutureDatedAlertNode(r.body.payload.node);
      const device = r.header.responseId?.originator;
      if (device) await this.touchWan(device, now);
      const detail: Record<string, unknown> = {
        code: f.alertCode,
        device: device ?? null,
        responseId: r.header.responseId ? formatRequestId(r.header.responseId) : null,
        requestId: r.header.requestId ? formatRequestId(r.header.requestId) : null,
        srv: r.body.serviceReferenceVariant,
        instruction: `${f.instructionNumber}/${f.totalInstructions}`,
        gbcs: toHex(f.gbcs),
      };
      await this.events.append(this.source, 'device-alert', detail);
      this.emit({ type: 'alert', alert: 'device', code: f.alertCode, ...(device ? { device } : {}), detail });
      return { kind: 'alert', alert: 'device', code: f.alertCode };
    }
    if (r.body.kind === 'DeviceAlertMessage' || r.body.kind === 'DCCAlertMessage') {
      const device = r.header.responseId?.originator;
      if (r.body.kind === 'DeviceAlertMessage' && device) await this.touchWan(device, now);
      const alert = r.body.kind === 'DeviceAlertMessage' ? 'device' : 'dcc';
      const code = r.body.kind === 'DeviceAlertMessage' ? r.body.alertCode : r.body.dccAlertCode;
      const detail: Record<string, unknown> = {
        code,
        device: device ?? null,
        responseId: r.header.responseId ? formatRequestId(r.header.responseId) : null,
        ...(r.body.kind === 'DeviceAlertMessage'
          ? { gbcs: toHex(r.body.gbcsPayload) }
          : { alert: r.body.alert.name }),
      };
      await this.events.append(this.source, `${alert}-alert`, detail);
      this.emit({ type: 'alert', alert, code, ...(device ? { device } : {}), detail });
      return { kind: 'alert', alert, code };
    }
    const rid = r.header.requestId;
    if (!rid) {
      await this.events.append(this.source, 'response-unmatched', {
        why: 'no RequestID',
        code: r.header.responseCode,
      });
      return { kind: 'unmatched', requestId: null };
    }
    const ridText = formatRequestId(rid);
    const c =
      rid.originator === this.supplierEui ? await this.tracker.lookup({ requestId: ridText }) : undefined;
    if (!c) {
      this.metrics.inc('response-unmatched');
      await this.events.append(this.source, 'response-unmatched', {
        requestId: ridText,
        code: r.header.responseCode,
      });
      log.warn('response for a request this supplier does not know', { requestId: ridText });
      return { kind: 'unmatched', requestId: ridText };
    }
    if (c.target !== ACB_EUI) await this.touchWan(c.target, now);
    const code = r.header.responseCode;
    const verdict = foldDeviceResponse(c.state, code);
    switch (verdict.effect) {
      case 'recorded':
        this.tracker.hop(c.id, 'duis-answer', { code, via: 'receive-response-service' });
        return { kind: 'response', commandId: c.id, effect: 'recorded' };
      case 'duplicate':
        // DSP-6: one answer per request; a second is recorded, never a second terminal state.
        this.metrics.inc('response-duplicate');
        this.tracker.recordOnClosed(c, 'duplicate-response', { code, state: c.state }, (x) => {
          x.responses++;
          if (x.answeredAt === undefined && code === 'I0') x.answeredAt = now;
        });
        return { kind: 'response', commandId: c.id, effect: 'duplicate' };
      case 'revise': {
        // One truth per command: the meter's response overrides what the supplier concluded without it.
        const was = c.state;
        const reason = `device response ${code} after the command was ${was}${c.reason ? ` (${c.reason})` : ''}`;
        this.metrics.inc(`response-late{was=${was}}`);
        this.tracker.reviseClosed(c, verdict.to, verdict.trigger, reason, { code }, (x) =>
          this.recordResponse(x, r, now),
        );
        const detail = {
          command: c.id,
          requestId: ridText,
          premisesId: c.premisesId,
          target: c.target,
          was,
          now: verdict.to,
          code,
        };
        log.warn('late device response revises a closed command', detail);
        this.emit({ type: 'alert', alert: 'supplier', code: 'late-response', device: c.target, detail });
        await this.events.append(this.source, 'command-late-response', detail);
        return {
          kind: 'response',
          commandId: c.id,
          effect: verdict.to === 'responded' ? 'responded' : 'failed',
        };
      }
      case 'close': {
        this.respond(c, r, 'device response via the Receive Response Service');
        const after: string = c.state;
        return { kind: 'response', commandId: c.id, effect: after === 'responded' ? 'responded' : 'failed' };
      }
    }
  }

  /** A response or alert of a device arrived: it came over the WAN (CH-4), evidence for SU-1. */
  private async touchWan(device: Eui, at: number): Promise<void> {
    const pid = this.premisesOfDevice.get(device);
    if (!pid) return;
    const p = this.premises.get(pid)!;
    if (p.lastWanResponseAt === undefined || p.lastWanResponseAt < at) p.lastWanResponseAt = at;
    await this.repo.touchWanResponse(pid, at);
    this.emit({ type: 'premises', premisesId: pid });
  }

  // ---------------------------------------------------------------- PPMID status reports

  /** A report on `ppmid/v1/<EUI>/status` (PP-2). Resolves once folded and stored (the PUBACK follows). */
  async onStatusMessage(m: InternetMessage): Promise<void> {
    this.assertAlive();
    await this.statusReport(m);
    // Acknowledged (PUBACK) only once folded and stored by a live service.
    this.assertAlive();
  }

  private async statusReport(m: InternetMessage): Promise<void> {
    const t = parsePpmidTopic(m.topic);
    if (t?.channel !== 'status') return;
    const check = checkStatusReport(
      m.payload,
      t.ppmidEui,
      this.reportingKeys.get(t.ppmidEui),
      this.supplierEui,
    );
    if (!check.ok) {
      this.metrics.inc('status-report-refused');
      log.warn('refused a PPMID status report', { ppmid: t.ppmidEui, reason: check.reason });
      this.emit({ type: 'refused', what: 'status-report', reason: check.reason });
      await this.events.append(this.source, 'status-report-refused', {
        ppmid: t.ppmidEui,
        reason: check.reason,
      });
      // A known command named by a refused report gets a hop, so the timeline shows it.
      const rid = check.report?.requestId;
      const c = rid ? await this.tracker.lookup({ requestId: formatRequestId(rid) }) : undefined;
      if (c && !isTerminal(c.state))
        this.tracker.hop(c.id, 'ppmid-status-refused', { ppmid: t.ppmidEui, reason: check.reason });
      await this.tracker.flush();
      return;
    }
    const report = check.report;
    this.metrics.inc(`status-report{outcome=${report.outcome}}`);
    const id = report.envelopeIdIsDigest ? undefined : this.byEnvelope.get(report.envelopeId);
    const c =
      (id !== undefined ? this.tracker.get(id) : undefined) ??
      (report.requestId
        ? await this.tracker.lookup({ requestId: formatRequestId(report.requestId) })
        : undefined);
    const detail = {
      outcome: report.outcome,
      reason: report.reason,
      attempts: report.attempts,
      sequence: report.sequence,
      at: new Date(report.at).toISOString(),
      envelopeId: report.envelopeId,
      detail: report.detail,
      dup: m.dup,
    };
    if (!c?.ppmid || (c.ppmid.envelopeId !== report.envelopeId && !report.envelopeIdIsDigest)) {
      await this.events.append(this.source, 'status-report-unmatched', { ppmid: t.ppmidEui, ...detail });
      return;
    }
    const fold = foldStatusReport(c.ppmid, report, c.route);
    if (!fold.fresh) {
      this.metrics.inc('status-report-redelivered');
      return;
    }
    const credit = foldCreditReport(this.creditLedger, c, report);
    if (credit.evidence) {
      this.metrics.inc('credit-read-evidence');
      Object.assign(detail, { creditRead: credit.evidence });
    }
    if (credit.refused) {
      this.metrics.inc('credit-read-refused');
      Object.assign(detail, { creditReadRefused: credit.refused });
    }
    const apply = (x: CommandRecord) => {
      const firstForwarded = x.ppmid!.status !== 'forwarded';
      x.ppmid!.status = fold.status;
      x.ppmid!.reason = report.reason;
      x.ppmid!.lastSequence = report.sequence;
      if (fold.status === 'forwarded' && firstForwarded) {
        x.ppmid!.forwardedAt = report.at;
        x.ppmid!.attempts = report.attempts;
      }
      if (credit.evidence) applyCreditEvidence(x, credit.evidence);
    };
    if (isTerminal(c.state)) this.tracker.recordOnClosed(c, 'ppmid-status', detail, apply);
    else {
      this.tracker.patch(c.id, apply, 'ppmid-status', detail);
      if (fold.failure) this.tracker.finish(c.id, 'failed', fold.failure, { ppmid: t.ppmidEui });
      else settleIfUnconfirmed(this.tracker, c);
    }
    await this.tracker.flush();
  }

  // ---------------------------------------------------------------- SU-3 provisioning

  /**
   * Registers an enhanced PPMID for a premises (SU-3): trusts its reporting
   * key, issues its MQTT client certificate, registers the relay flag with
   * the DSP (PpmidRelayRegistrar), and sends 8.11 Update HAN Device Log (Add)
   * to the CHF over the WAN. The PPMID may relay once that command is answered.
   */
  async provisionPpmid(req: ProvisionRequest): Promise<ProvisioningBundle> {
    const p = this.mustPremises(req.premisesId);
    let eui: Eui;
    try {
      eui = normaliseEui(req.eui);
    } catch {
      throw new SupplierError('SUPPLIER_BAD_REQUEST', `PPMID ${JSON.stringify(req.eui)} is not an EUI-64`);
    }
    const existing = this.ppmidsAt(p.id).find((r) => r.eui !== eui && r.state !== 'failed');
    if (existing)
      throw new SupplierError('SUPPLIER_CONFLICT', `premises ${p.id} has PPMID ${existing.eui} already`);
    const other = this.ppmids.get(eui);
    if (other && other.premisesId !== p.id)
      throw new SupplierError(
        'SUPPLIER_CONFLICT',
        `PPMID ${eui} is registered at premises ${other.premisesId}`,
      );
    // Issue 13: new keys for a registered PPMID would hand its inbox and its status reports to
    // whoever asked; only an explicit, authorised replace does that, and it is logged.
    if (other && other.state !== 'failed' && !req.replace) {
      this.emit({
        type: 'refused',
        what: `provision ${eui}`,
        reason: 'already registered (replace not asked)',
      });
      throw new SupplierError(
        'SUPPLIER_CONFLICT',
        `PPMID ${eui} is registered already (${other.state}); re-provisioning needs "replace": true`,
      );
    }
    if (other && req.replace)
      log.warn('PPMID replaced: new reporting key and client certificate', {
        ppmid: eui,
        premises: p.id,
        previousState: other.state,
        operator: req.operator ?? 'unknown',
      });
    let installCode: Uint8Array;
    try {
      installCode = fromHex(req.installCode);
    } catch {
      throw new SupplierError('SUPPLIER_BAD_REQUEST', 'installCode must be hex');
    }
    if (installCode.length < 6 || installCode.length > 16)
      throw new SupplierError('SUPPLIER_BAD_REQUEST', 'installCode must be 6..16 bytes');
    if (typeof req.reportingPublicKeyPem !== 'string')
      throw new SupplierError('SUPPLIER_BAD_REQUEST', "reportingPublicKeyPem: the PPMID's own reporting key");
    let key: KeyObject;
    let spki: Uint8Array;
    try {
      ({ key, spki } = readPublicKeyPem(req.reportingPublicKeyPem));
    } catch {
      throw new SupplierError('SUPPLIER_BAD_REQUEST', 'reportingPublicKeyPem is not a public key');
    }
    if (
      key.type !== 'public' ||
      key.asymmetricKeyType !== 'ec' ||
      key.asymmetricKeyDetails?.namedCurve !== 'prime256v1'
    )
      throw new SupplierError('SUPPLIER_BAD_REQUEST', 'the reporting key must be an EC P-256 public key');
    // the key as node would write it (the DER read above is what node's export gives)
    const reporting = { publicKeyPem: spkiPem(spki), keyId: rememberDeliveryKeyId(spki, key) };
    let mqtt: ProvisioningBundle['mqtt'];
    if (this.pki && (req.issueClientCertificate ?? true)) {
      if (typeof req.csrPem !== 'string')
        throw new SupplierError(
          'SUPPLIER_BAD_REQUEST',
          "csrPem: the PPMID's certificate signing request (PKCS#10)",
        );
      let certPem: string;
      try {
        certPem = await this.pki.signCsr(ppmidClientId(eui), req.csrPem, 'PPMID');
      } catch (err) {
        throw new SupplierError('SUPPLIER_BAD_REQUEST', `csrPem: ${(err as Error).message}`);
      }
      mqtt = { certPem, caCertPem: this.pki.caCertPem };
      // Issue 13: the certificate it replaces is revoked (the broker refuses it and drops its connection).
      if (other?.clientCertificatePem) this.pki.revoke(other.clientCertificatePem, 'replaced');
    }
    const now = this.clock.now();
    const rec: PpmidRecord = {
      eui,
      premisesId: p.id,
      state: 'registered',
      relayEnabled: false,
      installCode: toHex(installCode),
      reportingPublicKeyPem: reporting.publicKeyPem,
      reportingKeyId: reporting.keyId,
      deliveryKeyId: this.deliveryKey.keyId,
      createdAt: other?.createdAt ?? now,
      updatedAt: now,
      ...(mqtt ? { clientCertificatePem: mqtt.certPem } : {}),
    };
    await this.repo.putPpmid(rec);
    this.indexPpmid(rec, key);
    if (this.relayRegistrar) await this.relayRegistrar.setRelayFlag(eui, p.chf, true);
    if (req.noWan) rec.noWan = true;
    const c = await this.submit(
      {
        premisesId: p.id,
        target: p.chf,
        order: {
          kind: 'device-log',
          requestType: 'Add',
          deviceId: eui,
          installCode: toHex(installCode),
          joinTimePeriod: req.joinTimePeriod ?? 3600,
        },
      },
      req.noWan ? { noWanPpmid: eui } : undefined,
    );
    rec.state = 'device-log-pending';
    rec.deviceLogCommandId = c.id;
    rec.updatedAt = this.clock.now();
    await this.repo.putPpmid(rec);
    this.emit({ type: 'ppmid', ppmid: rec });
    return {
      ppmid: eui,
      premisesId: p.id,
      supplierId: this.supplierEui,
      mqttClientId: ppmidClientId(eui),
      deliveryPublicKeyPem: this.deliveryPublicKeyPem(),
      deliveryKeyId: this.deliveryKey.keyId,
      reportingKey: reporting,
      ...(mqtt ? { mqtt } : {}),
      deviceLogCommandId: c.id,
      state: rec.state,
    };
  }

  /** The delivery key's public half as SPKI PEM (every PPMID's bundle carries it: written once). */
  private deliveryPublicKeyPem(): string {
    this.deliveryKeyPem ??= publicKeyPem(this.deliveryKey.publicKey);
    return this.deliveryKeyPem;
  }

  /** The PPMID being installed without WAN whose 8.11 `c` is (no-wan.ts): its own 8.11 goes through it. */
  private installingPpmid(c: CommandRecord): PpmidRecord | undefined {
    if (c.order.kind !== 'device-log' || !this.internet) return undefined;
    const r = this.ppmidOfDeviceLog(c);
    return r?.noWan && r.state === 'device-log-pending' ? r : undefined;
  }

  /** A `ch-time` order (no-wan.ts): recorded like any command, delivered through the premises' PPMID. */
  private async submitChTime(p: Premises, req: SubmitRequest): Promise<CommandRecord> {
    if (!this.chTime)
      throw new SupplierError('SUPPLIER_BAD_REQUEST', 'Set CH Time: no DCC time issuer configured');
    if (req.route !== undefined && req.route !== 'ppmid')
      throw new SupplierError('SUPPLIER_BAD_REQUEST', 'Set CH Time travels through the PPMID only');
    if (!this.relayPpmid(p))
      throw new SupplierError('SUPPLIER_BAD_REQUEST', `premises ${p.id} has no relay-enabled PPMID`);
    const decision = chTimeRoute();
    const now = this.clock.now();
    const seq = await this.repo.nextCounter(`${this.supplierEui}/commands`, 1n, now);
    const wan = await this.classify(p.id);
    const expiresIn = req.expiresInMs ?? CH_TIME_EXPIRY_MS;
    if (!(Number.isInteger(expiresIn) && expiresIn > 0))
      throw new SupplierError('SUPPLIER_BAD_REQUEST', 'expiresInMs must be a positive integer');
    const c = this.tracker.create(
      {
        id: seq.toString(),
        premisesId: p.id,
        target: p.chf,
        srv: CH_TIME_SRV,
        order: { kind: 'ch-time' },
        route: decision.route,
        wanClass: wan.wanClass,
        commandVariants: decision.commandVariants,
        routeReasons: decision.reasons,
        createdAt: now,
        expiresAt: now + expiresIn,
      },
      { order: 'ch-time' },
    );
    this.tracker.hop(c.id, 'route-chosen', {
      route: decision.route,
      commandVariants: [],
      wanClass: wan.wanClass,
      reasons: [...wan.reasons, ...decision.reasons],
      ppmid: p.ppmid,
    });
    await this.tracker.flush();
    this.pump(c.target);
    return c;
  }

  /** In the lane, RequestID reserved: the DCC issues Set CH Time; the PPMID leg delivers it. */
  private async issueChTime(c: CommandRecord): Promise<void> {
    let gbcs: Uint8Array;
    try {
      gbcs = await this.chTime!.issueSetChTime({ chf: c.target, userCounter: c.requestId!.counter });
    } catch (err) {
      this.tracker.finish(c.id, 'failed', `the DCC did not issue Set CH Time: ${(err as Error).message}`);
      return;
    }
    this.tracker.move(c.id, 'in-flight', 'in-flight', { issuer: 'dcc', provisional: true });
    this.startLeg(c, gbcs);
  }

  ppmidRecords(): PpmidRecord[] {
    return [...this.ppmids.values()].sort((a, b) => a.eui.localeCompare(b.eui));
  }

  /** The PPMID records at premises `id`, in record order. */
  private ppmidsAt(id: string): PpmidRecord[] {
    return (this.ppmidsAtPremises.get(id) ?? []).map((e) => this.ppmids.get(e)!);
  }

  /** One PPMID's record (`eui` normalised), without listing them all. */
  ppmidRecord(eui: Eui): PpmidRecord | undefined {
    return this.ppmids.get(eui);
  }

  /** The PPMID whose provisioning 8.11 `c` is (its Device ID's record, if that 8.11 is its). */
  private ppmidOfDeviceLog(c: CommandRecord): PpmidRecord | undefined {
    if (c.order.kind !== 'device-log') return undefined;
    const r = this.ppmids.get(c.order.deviceId);
    return r?.deviceLogCommandId === c.id ? r : undefined;
  }

  /** The 8.11 of a PPMID's provisioning ended: relay enabled on success, failed otherwise. */
  private deviceLogFinished(c: CommandRecord): void {
    const rec = this.ppmidOfDeviceLog(c);
    if (rec?.state === 'relay-enabled' && rec.relayConfirmed === false && c.state === 'responded') {
      // the buffered 8.11 response arrived (no-wan.ts)
      rec.relayConfirmed = true;
      rec.updatedAt = this.clock.now();
      this.track(this.repo.putPpmid(rec));
      this.emit({ type: 'ppmid', ppmid: rec });
      return;
    }
    if (rec?.state !== 'device-log-pending') return;
    const unconfirmed = rec.noWan === true && c.state === 'applied-unconfirmed';
    const ok = c.state === 'responded' || unconfirmed;
    rec.state = ok ? 'relay-enabled' : 'failed';
    rec.relayEnabled = ok;
    if (rec.noWan) rec.relayConfirmed = c.state === 'responded';
    rec.updatedAt = this.clock.now();
    if (!ok) rec.failure = `8.11 ${c.state}: ${c.reason ?? ''}`;
    const p = this.premises.get(rec.premisesId);
    const writes: Promise<void>[] = [this.repo.putPpmid(rec)];
    if (ok && p) {
      p.ppmid = rec.eui;
      p.updatedAt = rec.updatedAt;
      writes.push(this.repo.putPremises(p));
    }
    this.track(Promise.all(writes).then(() => undefined));
    this.emit({ type: 'ppmid', ppmid: rec });
    if (p) this.emit({ type: 'premises', premisesId: p.id });
    log.info(ok ? 'PPMID relay enabled' : 'PPMID provisioning failed', { ppmid: rec.eui, command: c.id });
  }

  /**
   * Issue 13: revokes an enhanced PPMID (stolen, compromised, removed): its
   * MQTT client certificate is revoked at the CA (the broker refuses it and
   * drops its connection), its reporting key is no longer trusted (its
   * status reports are refused), and it stops relaying (no route through it;
   * the relay flag is withdrawn at the DSP). Logged with the operator; a
   * new PPMID needs a fresh SU-3 with `replace`.
   */
  async revokePpmid(euiText: string, o: { operator: string; reason?: string }): Promise<PpmidRecord> {
    let eui: Eui;
    try {
      eui = normaliseEui(euiText);
    } catch {
      throw new SupplierError('SUPPLIER_BAD_REQUEST', `PPMID ${JSON.stringify(euiText)} is not an EUI-64`);
    }
    const rec = this.ppmids.get(eui);
    if (!rec) throw new SupplierError('SUPPLIER_NOT_FOUND', `PPMID ${eui} is not registered here`);
    const revoked =
      rec.clientCertificatePem && this.pki ? this.pki.revoke(rec.clientCertificatePem, 'revoked') : null;
    rec.state = 'revoked';
    rec.relayEnabled = false;
    rec.failure = `revoked by ${o.operator}${o.reason ? `: ${o.reason}` : ''}`;
    rec.updatedAt = this.clock.now();
    this.indexPpmid(rec);
    await this.repo.putPpmid(rec);
    this.metrics.inc('ppmid-revoked');
    log.warn('PPMID revoked', {
      ppmid: eui,
      operator: o.operator,
      reason: o.reason ?? null,
      serial: revoked?.serial,
    });
    await this.events.append(this.source, 'ppmid-revoked', {
      ppmid: eui,
      operator: o.operator,
      reason: o.reason ?? null,
      certificateSerial: revoked?.serial ?? null,
    });
    const p = this.premises.get(rec.premisesId);
    if (this.relayRegistrar && p)
      await this.relayRegistrar
        .setRelayFlag(eui, p.chf, false)
        .catch((err: unknown) =>
          log.error('relay flag not withdrawn at the DSP', { ppmid: eui, error: String(err) }),
        );
    this.emit({ type: 'ppmid', ppmid: rec });
    return rec;
  }

  // ---------------------------------------------------------------- lifecycle

  /** Waits until every dispatch started so far has settled and the store has everything (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.inflightDispatch.size) await Promise.allSettled([...this.inflightDispatch]);
    await this.tracker.flush();
  }

  /**
   * Stops. `graceful` (default): waits for dispatches and writes. Not
   * graceful: drops everything in memory as a crash would (tests of SU-2's
   * restart promise).
   */
  async close(opts: { graceful?: boolean } = {}): Promise<void> {
    const graceful = opts.graceful ?? true;
    if (graceful) await this.idle().catch(() => {});
    this.closed = true;
    this.tracker.close({ crash: !graceful });
    // The status subscription stays in the link's persistent session: reports published while
    // the service is down wait at the broker for the next start (the link's owner closes the link).
  }

  /**
   * Throws unless the service is running: a message handled by a closed (or
   * crashed) service must not be acknowledged, so its sender delivers it again.
   */
  private assertAlive(): void {
    if (this.closed) throw new SupplierError('SUPPLIER_STATE', 'the supplier service is closed');
  }
}

function sha256(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex').toUpperCase();
}

function endpointName(cv: CommandVariant): string {
  return cv === 4 ? 'serviceT' : cv === 2 || cv === 6 || cv === 8 ? 'serviceD' : 'serviceS';
}
