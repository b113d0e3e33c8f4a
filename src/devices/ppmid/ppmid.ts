/**
 * The enhanced PPMID (SECMP0038 PP-1..PP-5): a prepayment in-home display
 * that also relays its supplier's DCC-validated commands from the internet to
 * the Communications Hub over the HAN.
 *
 * - Inbox (PP-1, PP-2): `deliverEnvelope(bytes)` takes one delivery envelope
 *   (what the inbox subscription hands over, internet.ts), runs the PP-2
 *   checks (checks.ts), refuses with a typed reason or stores the command in
 *   the outbox, and reports each outcome back as a signed status report.
 * - Outbox (PP-3): bounded, durable through `snapshot()` / `Ppmid.restore`;
 *   one command at a time, in arrival order, over `HanUplink.send`; retries
 *   with exponential backoff on the Clock and a bounded number of attempts;
 *   expiry. Overflow is refused and reported, never silent.
 * - PP-4: nothing is sent while the duty cycle is Critical or Suspended; the
 *   PPMID waits and sends once it drops.
 * - PP-5: the PPMID joins the HAN like any device (the HAN node and the CHF
 *   Device Log do that); it sends only while `HanUplink.isReady()`.
 * - Display and customer (it is still a PPMID): a display model of credit,
 *   debt and payment mode; a UTRN typed by the customer becomes PCS01 to the
 *   GSME; emergency credit becomes PCS02 (topup.ts).
 * - The PPMID never receives responses to relayed commands (CH-4: they go to
 *   the WAN); the only messages it expects over the HAN are the GSME's
 *   answers to its own PCS01/PCS02.
 *
 * A state machine on the injected Clock: callbacks, no Promises, no wall
 * clock, deterministic. Every decision is a DeviceEvent and a Metrics counter.
 */

import { createHash, type KeyObject } from 'node:crypto';
import {
  assertP256,
  type DeliveryEnvelope,
  type DeliveryOutcome,
  decodeStatusReport,
  deliveryKeyId,
  type IdentifiedKey,
  identifiedKey,
  type PpmidReason,
  type StatusReport,
  type StatusReportFields,
  signStatusReport,
} from '../../delivery/index.ts';
import type { RequestId } from '../../duis/request-id.ts';
import { lookupMessageCode } from '../../gbcs/codes/message-codes.ts';
import { decodeMessage } from '../../gbcs/decode.ts';
import { dateToZigbeeTime } from '../../gbcs/payload/gbz.ts';
import type { GbcsMessage } from '../../gbcs/types.ts';
import { type Eui, fromHex, normaliseEui, toHex } from '../../runtime/bytes.ts';
import type { Clock, TimerHandle } from '../../runtime/clock.ts';
import { Logger } from '../../runtime/logger.ts';
import { BoundedQueue, Metrics } from '../../runtime/metrics.ts';
import type { DeviceEvent, DeviceType, GbcsDevice, HanSendResult, HanUplink } from '../contracts.ts';
import type { HanDeviceState, HanOwnUseCases } from '../han-device/own-use-cases.ts';
import { decodeHanMessage } from '../han-device/run-own-command.ts';
import type { DeviceCredentials, TrustAnchors } from '../security/credentials.ts';
import { DeviceSecurity, type DeviceSecuritySnapshot } from '../security/device-security.ts';
import { checkCommand, checkValidity, openEnvelope, type RelayPolicy } from './checks.ts';
import { CreditReads } from './credit-reads.ts';
import { PpmidError } from './errors.ts';
import { type EsmeButton, type EsmeButtonOutcome, EsmeButtons } from './esme-commands.ts';
import { ownUseCases, runOwnCommand } from './own-commands.ts';
import {
  buildPcs01,
  buildPcs02,
  checkUtrnLocally,
  PCS01_MESSAGE_CODE,
  PCS02_MESSAGE_CODE,
  readGsmeAnswer,
} from './topup.ts';

// ------------------------------------------------------------------ options

import { LazyMap, LazySet } from '../../runtime/lazy-collections.ts';
import { afterHanFailure, DEFAULT_RETRY_POLICY, HAN_REASON, type PpmidRetryPolicy } from './han-retry.ts';

export { DEFAULT_RETRY_POLICY, type PpmidRetryPolicy } from './han-retry.ts';

/** A device of the home the PPMID may know about (a CHF Device Log entry's Entity ID and type). */
export interface HomeDevice {
  eui: Eui;
  deviceType: DeviceType;
}

export interface PpmidOptions {
  /** The PPMID's firmware version, 4 bytes hex (CS08; default 00000000). */
  firmwareVersion?: string;
  eui: Eui;
  clock: Clock;
  /** The PPMID's GBCS identity: KA and DS keys and certificates (devices/security). */
  credentials: DeviceCredentials;
  /** Its remote parties and HAN peers; the GSME must be a peer (KA certificate) for PCS01/PCS02. */
  trustAnchors: TrustAnchors;
  /** The home's devices as provisioned (CHF and GPF included, so they are recognised and refused). */
  homeDevices: readonly HomeDevice[];
  /** Per supplier id (its Remote Party EUI): the delivery public key(s) the PPMID was provisioned with. */
  supplierDeliveryKeys: ReadonlyMap<Eui, KeyObject | readonly KeyObject[]>;
  /** The PPMID's own reporting private key (P-256) that signs its status reports. */
  reportingKey: KeyObject;
  /** Outbox capacity (default 32). */
  maxOutbox?: number;
  retry?: Partial<PpmidRetryPolicy>;
  /** Largest GBCS message forwarded (default 1500: one tunnel transfer, HAN.md). */
  maxTransferSize?: number;
  /** Longest envelope validity accepted (default 7 days). */
  maxEnvelopeLifetimeMs?: number;
  /** How far in the future created-at may lie (default 5 minutes). */
  maxClockSkewMs?: number;
  /** Envelopes and commands remembered for the duplicate check (default 4096 each, oldest forgotten first). */
  maxSeen?: number;
  /** Status reports held while no reporter is attached (default 256; more are dropped and counted). */
  maxHeldReports?: number;
  /** Events kept (default 10 000; older ones dropped and counted). */
  maxEvents?: number;
  /** Wait after a relayed top-up was forwarded before reading the meter's credit over the HAN (default 5 s). */
  creditReadDelayMs?: number;
  /** How long a customer's PCS01/PCS02 may wait for the HAN before it is given up (default 15 minutes). */
  customerTtlMs?: number;
  metrics?: Metrics;
}

// ------------------------------------------------------------------ public types

/** What `deliverEnvelope` decided (also what the test automation API's `ppmid-inbox` route returns). */
export interface InboxDecision {
  /** `accepted-queued` or `rejected`; for an envelope seen before, its latest outcome again */
  outcome: DeliveryOutcome;
  reason: PpmidReason | null;
  detail: string;
  /** the envelope id, or the digest of an unreadable payload (`envelopeIdIsDigest`) */
  envelopeId: string;
  envelopeIdIsDigest: boolean;
  requestId: RequestId | null;
  /** true when the envelope had been seen before: nothing was re-checked or re-queued, its latest report was sent again */
  repeated: boolean;
  /** the status report published for this decision */
  report: StatusReport;
}

export interface CreditDisplay {
  /** credit remaining in milli-pence (1/100 000 GBP, the GSME's unit in RTDS) */
  creditRemainingMillipence: number | null;
  debtMillipence: number | null;
  paymentMode: 'credit' | 'prepayment' | null;
  emergencyCredit: 'available' | 'active' | 'not-available' | null;
  /**
   * where the figures came from: a GSME top-up response, the PPMID's own HAN
   * read of a meter after a relayed top-up (credit-reads.ts), or a backchannel update
   */
  source: 'gsme-top-up-response' | 'esme-top-up-response' | 'han-read' | 'backchannel' | null;
  updatedAt: number | null;
}

export interface CustomerActionDisplay {
  /** `enable-supply`: PECS03 to an ESME */
  kind: 'top-up' | 'emergency-credit' | 'enable-supply';
  /** the UTRN with all but the last 4 digits hidden */
  utrnMasked?: string;
  target: Eui;
  /** the PPMID Originator Counter of the PCS message (decimal) */
  counter: string;
  state: 'queued' | 'sent' | 'accepted' | 'refused' | 'failed' | 'rejected-locally';
  /** GSME result (e.g. `accepted`, `rejected-duplicate-top-up`) or the local/HAN reason */
  result?: string;
  valueMillipence?: number;
  at: number;
}

export interface PpmidDisplay {
  credit: CreditDisplay;
  lastCustomerAction: CustomerActionDisplay | null;
  han: { ready: boolean; dutyCycle: 'Normal' | 'Limited' | 'Critical' | 'Suspended' | null };
  relay: {
    outboxDepth: number;
    outboxHighWater: number;
    capacity: number;
    inFlight: string | null;
    waiting: 'han-not-ready' | 'duty-cycle' | null;
  };
}

export type TypeUtrnResult =
  | { accepted: true; counter: string; target: Eui }
  | {
      accepted: false;
      reason: 'format' | 'check-digit' | 'no-gsme' | 'no-esme' | 'no-han-path' | 'busy';
      detail: string;
    };

export type StatusReportListener = (bytes: Uint8Array, report: StatusReport) => void;

// ------------------------------------------------------------------ snapshot

/** One outbox entry as plain JSON-safe data. */
export interface OutboxEntrySnapshot {
  kind: 'relay' | 'customer';
  id: string;
  /** relay: the signed envelope (hex), re-verified on restore */
  envelope: string | null;
  /** customer: the PCS message (hex) */
  gbcs: string | null;
  customerKind: 'top-up' | 'emergency-credit' | null;
  receivedAt: number;
  expiresAt: number;
  attempts: number;
  /** attempts the CH refused as busy (absent in older snapshots: 0) */
  busy?: number;
  nextAttemptAt: number;
  inFlight: boolean;
  lastFailure: string | null;
}

export interface SeenEnvelopeSnapshot {
  envelopeId: string;
  digest: string;
  supplierId: Eui;
  requestId: { originator: Eui; target: Eui; counter: string };
  outcome: DeliveryOutcome;
  reason: PpmidReason | null;
  attempts: number;
  detail: string;
}

/** Everything that must survive a restart (PP-3): plain JSON-safe data. */
export interface PpmidSnapshot {
  format: 'ppmid-snapshot/1';
  eui: Eui;
  takenAt: number;
  security: DeviceSecuritySnapshot;
  /** its own use cases' state (own-commands.ts; absent in older snapshots) */
  own?: HanDeviceState;
  outbox: OutboxEntrySnapshot[];
  customer: OutboxEntrySnapshot[];
  seenEnvelopes: SeenEnvelopeSnapshot[];
  /** duplicate-check key -> envelope id, oldest first */
  seenCommands: Array<[string, string]>;
  reportSequence: number;
  /** signed reports not yet handed to a reporter (hex) */
  heldReports: string[];
  display: { credit: CreditDisplay; lastCustomerAction: CustomerActionDisplay | null };
}

// ------------------------------------------------------------------ internals

/** The forwarded envelope a credit read is reported for (credit-reads.ts). */
interface CreditReadAbout {
  envelopeId: string;
  supplierId: Eui | null;
  requestId: RequestId | null;
  attempts: number;
}

interface OutboxEntry {
  kind: 'relay' | 'customer';
  id: string;
  envelope: Uint8Array | null;
  gbcs: Uint8Array;
  customerKind: 'top-up' | 'emergency-credit' | null;
  supplierId: Eui | null;
  requestId: RequestId | null;
  target: Eui;
  useCase: string | null;
  messageCode: number;
  originator: Eui;
  counter: bigint;
  receivedAt: number;
  expiresAt: number;
  attempts: number;
  /** of the attempts, how many the CH refused as busy (TransferDataError DataOverflow, CH-7) */
  busy: number;
  nextAttemptAt: number;
  inFlight: boolean;
  lastFailure: string | null;
}

interface SeenEnvelope {
  envelopeId: string;
  /** digest of the signed bytes: an id reused for other content is not the same envelope */
  digest: string;
  supplierId: Eui;
  requestId: RequestId;
  outcome: DeliveryOutcome;
  reason: PpmidReason | null;
  attempts: number;
  detail: string;
}

type Waiting = 'han-not-ready' | 'duty-cycle' | null;

/** Rejections that may clear by themselves: the envelope is not remembered, so the supplier may send it again. */
const TRANSIENT_REJECTIONS: ReadonlySet<PpmidReason> = new Set(['outbox-full']);

function emptyCredit(): CreditDisplay {
  return {
    creditRemainingMillipence: null,
    debtMillipence: null,
    paymentMode: null,
    emergencyCredit: null,
    source: null,
    updatedAt: null,
  };
}

// ------------------------------------------------------------------ the PPMID

export class Ppmid implements GbcsDevice {
  readonly eui: Eui;
  readonly deviceType: DeviceType = 'PPMID';
  readonly metrics: Metrics;
  readonly security: DeviceSecurity;
  /** the PPMID's own GBCS use cases (CS08, CS03A2/CS03C, CS04AC, CS07): own-commands.ts */
  readonly own: HanOwnUseCases;
  /** The PPMID's clock (the test automation API stamps envelopes with it). */
  readonly clock: Clock;
  private readonly log: Logger;
  private readonly reportingKey: KeyObject;
  private readonly reportingKeyId: string;
  private readonly retry: PpmidRetryPolicy;
  private readonly policy: RelayPolicy;
  private readonly maxSeen: number;
  private readonly maxHeldReports: number;
  private readonly maxEvents: number;
  private readonly customerTtlMs: number;
  private readonly trustAnchorEuis: Eui[];
  /** after a relayed top-up: the meter's credit read over the HAN (credit-reads.ts) */
  private readonly creditReads: CreditReads<CreditReadAbout>;
  /** the customer's buttons for an ESME (PECS01-03 over the HAN) */
  private readonly esmeButtons: EsmeButtons;

  private uplink: HanUplink | undefined;
  private readonly outbox: BoundedQueue<OutboxEntry>;
  private readonly customer: BoundedQueue<OutboxEntry>;
  private readonly seenEnvelopes: Map<string, SeenEnvelope> = new LazyMap();
  private readonly seenCommands: Map<string, string> = new LazyMap();
  private heldReports: Uint8Array[] = [];
  private readonly listeners: StatusReportListener[] = [];
  private readonly durableListeners: Set<() => void> = new LazySet();
  private reportSequence = 0;
  private readonly eventLog: DeviceEvent[] = [];
  private credit: CreditDisplay = emptyCredit();
  private lastCustomerAction: CustomerActionDisplay | null = null;

  private inFlight: OutboxEntry | null = null;
  private sendGeneration = 0;
  private sendWatchdog: TimerHandle | null = null;
  private pumpTimer: TimerHandle | null = null;
  private expiryTimer: TimerHandle | null = null;
  private waiting: Waiting = null;
  private waitDelay = 0;
  private hanWasReady = false;
  private stopped = false;

  constructor(opts: PpmidOptions) {
    this.eui = normaliseEui(opts.eui);
    if (opts.credentials.eui !== this.eui)
      throw new PpmidError('PPMID_CONFIG', `credentials are for ${opts.credentials.eui}, not ${this.eui}`);
    if (opts.reportingKey.type !== 'private')
      throw new PpmidError('PPMID_CONFIG', 'reportingKey must be the PPMID reporting PRIVATE key');
    try {
      assertP256(opts.reportingKey, 'the reporting key');
    } catch (err) {
      throw new PpmidError('PPMID_CONFIG', (err as Error).message);
    }
    this.clock = opts.clock;
    this.log = Logger.withClock('ppmid', () => this.clock.now());
    this.metrics = opts.metrics ?? new Metrics();
    this.reportingKey = opts.reportingKey;
    this.reportingKeyId = deliveryKeyId(opts.reportingKey);
    this.retry = { ...DEFAULT_RETRY_POLICY, ...(opts.retry ?? {}) };
    if (!(this.retry.maxAttempts >= 1) || !(this.retry.multiplier >= 1) || !(this.retry.waitPollMs > 0))
      throw new PpmidError('PPMID_CONFIG', 'retry policy: maxAttempts >= 1, multiplier >= 1, waitPollMs > 0');
    this.maxSeen = opts.maxSeen ?? 4096;
    this.maxHeldReports = opts.maxHeldReports ?? 256;
    this.maxEvents = opts.maxEvents ?? 10_000;
    this.customerTtlMs = opts.customerTtlMs ?? 15 * 60_000;
    this.security = new DeviceSecurity({
      credentials: opts.credentials,
      trustAnchors: opts.trustAnchors,
      metrics: this.metrics,
    });
    this.trustAnchorEuis = opts.trustAnchors.cellEntries().map(([, a]) => a.eui);
    // a future-dated CS06's 8F66 / 8F67 goes over the HAN like the PPMID's responses
    this.own = ownUseCases(this, opts.firmwareVersion, (b) => this.uplink?.send(b));
    this.esmeButtons = new EsmeButtons({
      clock: this.clock,
      metrics: this.metrics,
      uplink: () => this.uplink,
      event: (e) => this.event(e),
      answered: (o) => this.esmeAnswered(o),
    });
    this.creditReads = new CreditReads(
      {
        clock: this.clock,
        metrics: this.metrics,
        uplink: () => this.uplink,
        stopped: () => this.stopped,
        shown: (r, about) => {
          this.credit = {
            ...this.credit,
            creditRemainingMillipence: r.creditRemaining,
            source: 'han-read',
            updatedAt: r.readAt,
          };
          this.event({ kind: 'customer', reason: 'display-updated', detail: { creditRead: r } });
          // the supplier's evidence for the top-up (issue 15): a second `forwarded` report with the reading
          this.metrics.inc('ppmid.report.credit-read');
          this.report({
            ...about,
            envelopeIdIsDigest: false,
            outcome: 'forwarded',
            reason: null,
            detail: `read over the HAN: ${r.meter} Credit Remaining ${r.creditRemaining} milli-pence`,
            creditRead: { meter: r.meter, creditRemaining: r.creditRemaining, readAt: r.readAt },
          });
        },
        failed: (meter, detail) =>
          this.event({ kind: 'customer', reason: 'credit-read-failed', detail: { meter, detail } }),
      },
      opts.creditReadDelayMs,
    );

    const supplierKeys = new Map<Eui, readonly IdentifiedKey[]>();
    for (const [supplier, k] of opts.supplierDeliveryKeys) {
      const list = (Array.isArray(k) ? k : [k]) as KeyObject[];
      const pubs = list.map((key) => {
        try {
          assertP256(key, `delivery key of ${supplier}`);
        } catch (err) {
          throw new PpmidError('PPMID_CONFIG', (err as Error).message);
        }
        return identifiedKey(key);
      });
      supplierKeys.set(normaliseEui(supplier), pubs);
    }
    this.policy = {
      ppmid: this.eui,
      homeDevices: new Map(),
      remoteParties: new Set(),
      supplierKeys,
      maxTransferSize: opts.maxTransferSize ?? 1500,
      maxLifetimeMs: opts.maxEnvelopeLifetimeMs ?? 7 * 24 * 3600_000,
      maxClockSkewMs: opts.maxClockSkewMs ?? 5 * 60_000,
    };
    this.setHomeDevices(opts.homeDevices);
    const maxOutbox = opts.maxOutbox ?? 32;
    this.outbox = new BoundedQueue<OutboxEntry>('ppmid.outbox', maxOutbox, this.metrics);
    this.customer = new BoundedQueue<OutboxEntry>('ppmid.customer', 4, this.metrics);
  }

  // ---------------------------------------------------------------- GbcsDevice

  get events(): readonly DeviceEvent[] {
    return this.eventLog;
  }

  attachUplink(uplink: HanUplink): void {
    this.uplink = uplink;
    this.kick();
  }

  /**
   * A GBCS message arrived over the HAN. The only ones a PPMID expects are
   * the GSME's answers to its own PCS01/PCS02 (the CHF routes those back,
   * GBCS 10.8.2); responses to relayed commands go to the WAN (CH-4).
   */
  onRemotePartyMessage(bytes: Uint8Array): void {
    if (this.stopped) return;
    const got = decodeHanMessage({ metrics: this.metrics, event: (e) => this.event(e) }, 'ppmid', bytes);
    if (!got) return;
    const { m, base } = got;
    if (
      m.cra === 'response' &&
      (m.messageCode === PCS01_MESSAGE_CODE || m.messageCode === PCS02_MESSAGE_CODE)
    ) {
      this.onGsmeAnswer(m, base);
      return;
    }
    if (m.cra === 'command' && m.recipient === this.eui) {
      // A Remote Party Command for the PPMID itself (CS08, CS03A2, CS02...): checked like any device
      // would, then run through the shared registry (own-commands.ts).
      runOwnCommand(
        {
          security: this.security,
          own: this.own,
          metrics: this.metrics,
          event: (e) => this.event(e),
          send: (b) => {
            this.uplink?.send(b);
            return this.uplink !== undefined;
          },
        },
        bytes,
        base,
      );
      return;
    }
    this.metrics.inc('ppmid.han.received.unexpected');
    this.event({
      kind: 'error',
      decision: 'rejected',
      reason: 'UNEXPECTED_MESSAGE',
      ...base,
      detail: {
        cra: m.cra,
        recipient: m.recipient,
        note: 'CH-4: responses and alerts go to the WAN, not the PPMID',
      },
    });
  }

  private onGsmeAnswer(m: GbcsMessage, base: Partial<DeviceEvent>): void {
    const fromGsme = this.policy.homeDevices.get(m.originator) === 'GSME';
    const mac = m.recipient === this.eui && fromGsme ? this.security.securityContext.verifyMac(m) : 'invalid';
    if (mac !== 'valid') {
      this.metrics.inc('ppmid.gsme-answer.rejected');
      this.event({
        kind: 'command',
        decision: 'rejected',
        reason: m.recipient !== this.eui ? 'NOT_FOR_ME' : !fromGsme ? 'UNKNOWN_ORIGINATOR' : 'MAC_INVALID',
        ...base,
        detail: { mac },
      });
      return;
    }
    const answer = readGsmeAnswer(m.content, m.messageCode === PCS02_MESSAGE_CODE ? 'PCS02' : 'PCS01');
    this.metrics.inc(`ppmid.gsme-answer.${answer.kind}`);
    const action = this.lastCustomerAction;
    const matches =
      action !== null && action.target === m.originator && action.counter === m.originatorCounter.toString();
    const now = this.clock.now();
    if (answer.kind === 'top-up-response') {
      // A refused top-up carries -1 ("not applicable", as the RTDS GSME sends it): the figure shown stays.
      if (answer.creditRemaining >= 0)
        this.credit = {
          ...this.credit,
          creditRemainingMillipence: answer.creditRemaining,
          source: 'gsme-top-up-response',
          updatedAt: now,
        };
      if (matches)
        this.lastCustomerAction = {
          ...action,
          state: answer.accepted ? 'accepted' : 'refused',
          result: answer.resultName,
          ...(answer.topUpValue >= 0 ? { valueMillipence: answer.topUpValue } : {}),
          at: now,
        };
    } else if (answer.kind === 'default-response') {
      if (answer.accepted) this.credit = { ...this.credit, emergencyCredit: 'active', updatedAt: now };
      if (matches)
        this.lastCustomerAction = {
          ...action,
          state: answer.accepted ? 'accepted' : 'refused',
          result: answer.accepted ? 'accepted' : `status-0x${answer.status.toString(16)}`,
          at: now,
        };
    }
    this.event({
      kind: 'customer',
      decision: 'accepted',
      reason: 'OK',
      ...base,
      detail: { answer, matchedCustomerAction: matches },
    });
  }

  // ---------------------------------------------------------------- provisioning

  /** Replaces the home's device list (e.g. after the Device Log changed). Commands already queued are not re-checked. */
  setHomeDevices(devices: readonly HomeDevice[]): void {
    const home = new Map<Eui, DeviceType>();
    for (const d of devices) home.set(normaliseEui(d.eui), d.deviceType);
    (this.policy as { homeDevices: ReadonlyMap<Eui, DeviceType> }).homeDevices = home;
    const parties = new Set<Eui>(this.trustAnchorEuis);
    for (const s of this.policy.supplierKeys.keys()) parties.add(s);
    (this.policy as { remoteParties: ReadonlySet<Eui> }).remoteParties = parties;
  }

  /** The PP-2 policy in force (read-only view, for tools and tests). */
  get relayPolicy(): Readonly<RelayPolicy> {
    return this.policy;
  }

  // ---------------------------------------------------------------- status reports

  /**
   * Adds a reporter (internet.ts publishes on `ppmid/v1/<EUI>/status`).
   * Reports produced while none was attached are handed to the first one, in order.
   */
  onStatusReport(listener: StatusReportListener): () => void {
    this.listeners.push(listener);
    if (this.heldReports.length) {
      const held = this.heldReports;
      this.heldReports = [];
      for (const b of held) this.dispatchReport(b, decodeStatusReport(b));
    }
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  private report(fields: Omit<StatusReportFields, 'ppmid' | 'at' | 'sequence'>): StatusReport {
    this.reportSequence = (this.reportSequence + 1) >>> 0;
    const bytes = signStatusReport(
      // the HAN model's clock runs in fractional ms; reports carry whole ms
      { ...fields, ppmid: this.eui, at: Math.floor(this.clock.now()), sequence: this.reportSequence },
      this.reportingKey,
      this.reportingKeyId,
    );
    const report = decodeStatusReport(bytes);
    this.metrics.inc(`ppmid.report.${report.outcome}`);
    if (this.listeners.length) this.dispatchReport(bytes, report);
    else if (this.heldReports.length < this.maxHeldReports) this.heldReports.push(bytes);
    else {
      this.metrics.inc('ppmid.report.dropped');
      this.log.warn('status report dropped: no reporter and the hold buffer is full', {
        envelopeId: report.envelopeId,
        outcome: report.outcome,
      });
    }
    return report;
  }

  private dispatchReport(bytes: Uint8Array, report: StatusReport): void {
    for (const l of [...this.listeners]) {
      try {
        l(bytes, report);
      } catch (err) {
        this.metrics.inc('ppmid.report.listener-failed');
        this.log.error('status report listener threw', { error: String(err) });
      }
    }
  }

  // ---------------------------------------------------------------- the inbox (PP-2)

  /**
   * One delivery envelope from the internet inbox. Never throws for bad
   * input: every envelope gets a decision and a signed status report.
   */
  deliverEnvelope(bytes: Uint8Array): InboxDecision {
    const d = this.receiveEnvelope(bytes);
    this.durableChanged();
    return d;
  }

  /**
   * Called after every change a power cut must not lose (PP-3: an accepted
   * envelope, before the inbox acknowledges it; an outbox entry forwarded or
   * failed): where the PPMID writes its snapshot to non-volatile memory.
   */
  onDurableChange(listener: () => void): () => void {
    this.durableListeners.add(listener);
    return () => this.durableListeners.delete(listener);
  }

  private durableChanged(): void {
    for (const l of this.durableListeners) {
      try {
        l();
      } catch (err) {
        this.metrics.inc('ppmid.persist.failed');
        this.log.error('could not keep the PPMID state', { error: String(err) });
      }
    }
  }

  private receiveEnvelope(bytes: Uint8Array): InboxDecision {
    if (this.stopped) throw new PpmidError('PPMID_CONFIG', 'this PPMID was shut down (restored elsewhere)');
    this.metrics.inc('ppmid.inbox.received');
    const opened = openEnvelope(bytes, this.policy);
    if (!opened.ok) {
      const env = opened.envelope;
      return this.decide(
        {
          envelopeId: env ? env.envelopeId : digestId(bytes),
          envelopeIdIsDigest: env === null,
          supplierId: env?.supplierId ?? null,
          requestId: env?.requestId ?? null,
        },
        'rejected',
        opened.reason,
        opened.detail,
        null,
        null,
      );
    }
    const env = opened.envelope;
    const ids = {
      envelopeId: env.envelopeId,
      envelopeIdIsDigest: false,
      supplierId: env.supplierId,
      requestId: env.requestId,
    };

    // The same envelope again (an MQTT QoS 1 redelivery, a supplier retry): idempotent.
    const seen = this.seenEnvelopes.get(env.envelopeId);
    if (seen && seen.digest !== digestId(env.signedBytes))
      return this.decide(
        ids,
        'rejected',
        'duplicate',
        `envelope id ${env.envelopeId} was already used for other content (${seen.outcome})`,
        null,
        null,
      );
    if (seen) {
      this.metrics.inc('ppmid.inbox.repeated');
      const report = this.report({
        ...ids,
        outcome: seen.outcome,
        reason: seen.reason,
        attempts: seen.attempts,
        detail: `repeated envelope: ${seen.detail}`,
      });
      this.event({
        kind: 'command',
        decision: seen.outcome === 'rejected' ? 'rejected' : 'accepted',
        reason: 'repeated-envelope',
        detail: { envelopeId: env.envelopeId, outcome: seen.outcome, previousReason: seen.reason },
      });
      return {
        outcome: seen.outcome,
        reason: seen.reason,
        detail: report.detail,
        ...ids,
        repeated: true,
        report,
      };
    }

    const validity = checkValidity(env, this.policy, this.clock.now());
    if (!validity.ok) return this.decide(ids, 'rejected', validity.reason, validity.detail, env, null);

    const cmd = checkCommand(env, this.policy);
    if (!cmd.ok) return this.decide(ids, 'rejected', cmd.reason, cmd.detail, env, cmd.command);
    const m = cmd.command;

    const keys = commandKeys(m);
    for (const k of keys) {
      const earlier = this.seenCommands.get(k);
      if (earlier !== undefined)
        return this.decide(
          ids,
          'rejected',
          'duplicate',
          `${k.startsWith('m:') ? 'same message bytes' : 'same originator, target and counter'} as envelope ${earlier}`,
          env,
          m,
        );
    }

    const entry: OutboxEntry = {
      kind: 'relay',
      id: env.envelopeId,
      envelope: bytes.slice(),
      gbcs: env.gbcs.slice(),
      customerKind: null,
      supplierId: env.supplierId,
      requestId: env.requestId,
      target: m.recipient,
      useCase: cmd.info.useCase,
      messageCode: m.messageCode,
      originator: m.originator,
      counter: m.originatorCounter,
      receivedAt: this.clock.now(),
      expiresAt: env.expiresAt,
      attempts: 0,
      busy: 0,
      nextAttemptAt: 0,
      inFlight: false,
      lastFailure: null,
    };
    if (!this.outbox.offer(entry)) {
      this.metrics.inc('ppmid.outbox.overflow');
      this.log.warn('outbox full: envelope refused', {
        envelopeId: env.envelopeId,
        capacity: this.outbox.capacity,
      });
      return this.decide(
        ids,
        'rejected',
        'outbox-full',
        `outbox holds ${this.outbox.size} of ${this.outbox.capacity}; send again later`,
        env,
        m,
      );
    }
    for (const k of keys) this.remember(this.seenCommands, k, env.envelopeId, 'commands');
    const decision = this.decide(
      ids,
      'accepted-queued',
      null,
      `queued at position ${this.outbox.size} for ${m.recipient}`,
      env,
      m,
    );
    this.armExpiryFor(entry.expiresAt);
    this.kick();
    return decision;
  }

  private decide(
    ids: Pick<InboxDecision, 'envelopeId' | 'envelopeIdIsDigest' | 'requestId'> & { supplierId: Eui | null },
    outcome: 'accepted-queued' | 'rejected',
    reason: PpmidReason | null,
    detail: string,
    env: DeliveryEnvelope | null,
    m: GbcsMessage | null,
  ): InboxDecision {
    this.metrics.inc(outcome === 'rejected' ? `ppmid.inbox.rejected.${reason}` : 'ppmid.inbox.accepted');
    const report = this.report({ ...ids, outcome, reason, attempts: 0, detail });
    if (env && (outcome === 'accepted-queued' || (reason !== null && !TRANSIENT_REJECTIONS.has(reason)))) {
      this.remember(
        this.seenEnvelopes,
        env.envelopeId,
        {
          envelopeId: env.envelopeId,
          digest: digestId(env.signedBytes),
          supplierId: env.supplierId,
          requestId: env.requestId,
          outcome,
          reason,
          attempts: 0,
          detail,
        },
        'envelopes',
      );
    }
    const info = m ? lookupMessageCode(m.messageCode) : undefined;
    this.event({
      kind: 'command',
      decision: outcome === 'rejected' ? 'rejected' : 'accepted',
      reason: reason ?? 'OK',
      useCase: info?.useCase ?? null,
      messageCode: m?.messageCode,
      originator: m?.originator,
      originatorCounter: m?.originatorCounter,
      detail: {
        source: 'internet',
        envelopeId: ids.envelopeId,
        requestId: ids.requestId ? requestIdJson(ids.requestId) : null,
        outcome,
        detail,
        target: m?.recipient,
      },
    });
    if (outcome === 'rejected')
      this.log.info('envelope rejected', { envelopeId: ids.envelopeId, reason, detail });
    return {
      outcome,
      reason,
      detail,
      envelopeId: ids.envelopeId,
      envelopeIdIsDigest: ids.envelopeIdIsDigest,
      requestId: ids.requestId,
      repeated: false,
      report,
    };
  }

  private remember<V>(map: Map<string, V>, key: string, value: V, what: string): void {
    map.delete(key);
    map.set(key, value);
    while (map.size > this.maxSeen) {
      const oldest = map.keys().next().value as string;
      map.delete(oldest);
      this.metrics.inc(`ppmid.seen.${what}.evicted`);
    }
  }

  private settle(
    entry: OutboxEntry,
    outcome: DeliveryOutcome,
    reason: PpmidReason | null,
    detail: string,
  ): void {
    if (entry.kind !== 'relay') return;
    const seen = this.seenEnvelopes.get(entry.id);
    if (seen) Object.assign(seen, { outcome, reason, attempts: entry.attempts, detail });
    this.report({
      envelopeId: entry.id,
      envelopeIdIsDigest: false,
      supplierId: entry.supplierId,
      requestId: entry.requestId,
      outcome,
      reason,
      attempts: entry.attempts,
      detail,
    });
  }

  // ---------------------------------------------------------------- the customer (still a PPMID)

  /**
   * The customer typed a UTRN on the PPMID: checked locally (format, check
   * digit), then sent to the GSME as PCS01 (ahead of relayed commands, never
   * interrupting one in flight), or with `esme` to that ESME as PECS01 (ZSE
   * Consumer Top Up on the HAN, esme-commands.ts; `counter` is empty: no GBCS
   * message). `gsme` picks the meter when the home has more than one.
   */
  typeUtrn(utrn: string, opts: { gsme?: Eui; esme?: Eui } = {}): TypeUtrnResult {
    const clean = utrn.replace(/[\s-]/g, '');
    const local = checkUtrnLocally(clean);
    const masked = mask(clean);
    if (!local.ok) {
      this.lastCustomerAction = {
        kind: 'top-up',
        utrnMasked: masked,
        target: opts.gsme ?? '',
        counter: '',
        state: 'rejected-locally',
        result: local.reason,
        at: this.clock.now(),
      };
      this.metrics.inc(`ppmid.customer.utrn.${local.reason}`);
      this.event({
        kind: 'customer',
        decision: 'rejected',
        reason: `utrn-${local.reason}`,
        useCase: 'PCS01',
      });
      return { accepted: false, reason: local.reason, detail: `UTRN ${masked}: ${local.reason}` };
    }
    if (opts.esme !== undefined) return this.pressForEsme('top-up', opts.esme, clean, masked);
    return this.customerCommand(
      'top-up',
      opts.gsme,
      (gsme, counter) => buildPcs01(this.security, { gsme, counter, utrn: clean }),
      masked,
    );
  }

  /**
   * The customer asked for emergency credit: PCS02 to the GSME (`issuedAt` defaults to the clock, ZigBee
   * UTCTime), or with `esme` PECS02 to that ESME (ZSE Select Available Emergency Credit on the HAN).
   */
  activateEmergencyCredit(opts: { gsme?: Eui; esme?: Eui; issuedAt?: number } = {}): TypeUtrnResult {
    if (opts.esme !== undefined) return this.pressForEsme('emergency-credit', opts.esme);
    const issuedAt = opts.issuedAt ?? dateToZigbeeTime(new Date(this.clock.now()));
    return this.customerCommand('emergency-credit', opts.gsme, (gsme, counter) =>
      buildPcs02(this.security, { gsme, counter, issuedAt }),
    );
  }

  /** The customer asked the ESME to enable its (armed) supply: PECS03, ZSE Local Change Supply "Supply ON" on the HAN. */
  enableSupply(opts: { esme: Eui }): TypeUtrnResult {
    return this.pressForEsme('enable-supply', opts.esme);
  }

  private pressForEsme(kind: EsmeButton, esmeOpt: Eui, utrn?: string, utrnMasked?: string): TypeUtrnResult {
    if (this.stopped) throw new PpmidError('PPMID_CONFIG', 'this PPMID was shut down (restored elsewhere)');
    const esme = normaliseEui(esmeOpt);
    const refuse = (reason: 'no-esme' | 'no-han-path', detail: string): TypeUtrnResult => {
      this.metrics.inc(`ppmid.customer.${kind}.${reason}`);
      this.event({ kind: 'customer', decision: 'rejected', reason, detail: { detail, esme } });
      return { accepted: false, reason, detail };
    };
    if (this.policy.homeDevices.get(esme) !== 'ESME')
      return refuse('no-esme', `${esme} is not an ESME of this home`);
    this.lastCustomerAction = {
      kind,
      ...(utrnMasked !== undefined ? { utrnMasked } : {}),
      target: esme,
      counter: '',
      state: 'sent',
      at: this.clock.now(),
    };
    if (!this.esmeButtons.press(kind, esme, utrn))
      return refuse('no-han-path', `no HAN path with an application link key to ESME ${esme}`);
    return { accepted: true, counter: '', target: esme };
  }

  /** The ESME answered a button (esme-commands.ts): the customer action and, for a top-up, the credit shown. */
  private esmeAnswered(o: EsmeButtonOutcome): void {
    const a = this.lastCustomerAction;
    if (a && a.kind === o.button && a.target === o.esme && a.counter === '')
      this.lastCustomerAction = {
        ...a,
        state: o.ok ? 'accepted' : o.result === 'no-han-path' || o.result === 'lost' ? 'failed' : 'refused',
        result: o.result,
        ...(o.valueMillipence !== undefined ? { valueMillipence: o.valueMillipence } : {}),
        at: o.at,
      };
    if (o.creditRemainingMillipence !== undefined)
      this.credit = {
        ...this.credit,
        creditRemainingMillipence: o.creditRemainingMillipence,
        source: 'esme-top-up-response',
        updatedAt: o.at,
      };
    if (o.button === 'emergency-credit' && o.ok)
      this.credit = { ...this.credit, emergencyCredit: 'active', updatedAt: o.at };
    this.event({
      kind: 'customer',
      decision: o.ok ? 'accepted' : 'rejected',
      reason: o.result,
      useCase: o.useCase,
      detail: { esme: o.esme },
    });
  }

  private customerCommand(
    kind: 'top-up' | 'emergency-credit',
    gsmeOpt: Eui | undefined,
    build: (gsme: Eui, counter: bigint) => Uint8Array,
    utrnMasked?: string,
  ): TypeUtrnResult {
    if (this.stopped) throw new PpmidError('PPMID_CONFIG', 'this PPMID was shut down (restored elsewhere)');
    const useCase = kind === 'top-up' ? 'PCS01' : 'PCS02';
    const gsmes = [...this.policy.homeDevices].filter(([, t]) => t === 'GSME').map(([e]) => e);
    const gsme = gsmeOpt !== undefined ? normaliseEui(gsmeOpt) : gsmes.length === 1 ? gsmes[0] : undefined;
    const refuse = (reason: 'no-gsme' | 'busy', detail: string): TypeUtrnResult => {
      this.metrics.inc(`ppmid.customer.${kind}.${reason}`);
      this.event({ kind: 'customer', decision: 'rejected', reason, useCase, detail: { detail } });
      return { accepted: false, reason, detail };
    };
    if (gsme === undefined || this.policy.homeDevices.get(gsme) !== 'GSME')
      return refuse('no-gsme', gsmes.length > 1 ? 'more than one GSME: say which' : 'no GSME in this home');
    if (!this.security.trustAnchors.peer(gsme))
      return refuse('no-gsme', `no KA certificate for GSME ${gsme} (it is not a provisioned peer)`);
    if (this.customer.full) return refuse('busy', 'earlier customer messages are still waiting for the HAN');
    const counter = this.security.nextOwnCounter();
    const gbcs = build(gsme, counter);
    const now = this.clock.now();
    const entry: OutboxEntry = {
      kind: 'customer',
      id: `${useCase}-${counter}`,
      envelope: null,
      gbcs,
      customerKind: kind,
      supplierId: null,
      requestId: null,
      target: gsme,
      useCase,
      messageCode: kind === 'top-up' ? PCS01_MESSAGE_CODE : PCS02_MESSAGE_CODE,
      originator: this.eui,
      counter,
      receivedAt: now,
      expiresAt: now + this.customerTtlMs,
      attempts: 0,
      busy: 0,
      nextAttemptAt: 0,
      inFlight: false,
      lastFailure: null,
    };
    this.customer.push(entry);
    this.lastCustomerAction = {
      kind,
      ...(utrnMasked !== undefined ? { utrnMasked } : {}),
      target: gsme,
      counter: counter.toString(),
      state: 'queued',
      at: now,
    };
    this.metrics.inc(`ppmid.customer.${kind}.queued`);
    this.event({
      kind: 'customer',
      decision: 'accepted',
      reason: 'OK',
      useCase,
      messageCode: entry.messageCode,
      originator: this.eui,
      originatorCounter: counter,
      detail: { target: gsme, bytes: gbcs.length },
    });
    this.armExpiryFor(entry.expiresAt);
    this.kick();
    return { accepted: true, counter: counter.toString(), target: gsme };
  }

  /** Backchannel: what the PPMID learned from the meters' ZigBee SE clusters (not modelled as HAN traffic here). */
  updateDisplay(patch: Partial<Omit<CreditDisplay, 'source' | 'updatedAt'>>): void {
    this.credit = { ...this.credit, ...patch, source: 'backchannel', updatedAt: this.clock.now() };
    this.event({ kind: 'customer', reason: 'display-updated', detail: { patch } });
  }

  display(): PpmidDisplay {
    const u = this.uplink;
    return {
      credit: { ...this.credit },
      lastCustomerAction: this.lastCustomerAction ? { ...this.lastCustomerAction } : null,
      han: { ready: u?.isReady() ?? false, dutyCycle: u?.dutyCycleState() ?? null },
      relay: {
        outboxDepth: this.outbox.size,
        outboxHighWater: this.outbox.depth.highWater,
        capacity: this.outbox.capacity,
        inFlight: this.inFlight?.id ?? null,
        waiting: this.waiting,
      },
    };
  }

  // ---------------------------------------------------------------- the outbox (PP-3, PP-4)

  /** Commands waiting (in order; the first may be in flight). */
  outboxEntries(): Array<{
    id: string;
    kind: 'relay' | 'customer';
    target: Eui;
    attempts: number;
    inFlight: boolean;
    expiresAt: number;
  }> {
    return [...this.customer.toArray(), ...this.outbox.toArray()].map((e) => ({
      id: e.id,
      kind: e.kind,
      target: e.target,
      attempts: e.attempts,
      inFlight: e.inFlight,
      expiresAt: e.expiresAt,
    }));
  }

  /** Re-evaluates the sending state now (also called by the PPMID itself after every change). */
  private kick(): void {
    if (this.stopped || this.inFlight) return;
    this.pumpTimer?.cancel();
    this.pumpTimer = null;
    this.pump();
  }

  private schedulePump(delayMs: number, label: string): void {
    this.pumpTimer?.cancel();
    this.pumpTimer = this.clock.setTimer(
      delayMs,
      () => {
        this.pumpTimer = null;
        this.pump();
      },
      label,
    );
  }

  private pump(): void {
    if (this.stopped || this.inFlight || this.pumpTimer) return;
    this.sweepExpired();
    const entry = this.customer.peek() ?? this.outbox.peek();
    if (!entry) {
      this.setWaiting(null);
      return;
    }
    const u = this.uplink;
    if (!u?.isReady()) {
      this.waitFor('han-not-ready');
      return;
    }
    if (!this.hanWasReady) {
      this.hanWasReady = true;
      this.event({ kind: 'state-change', reason: 'han-ready' });
    }
    // PP-4: in sub-GHz mode nothing is delivered while the duty cycle is Critical (or Suspended).
    const dc = u.dutyCycleState();
    if (dc === 'Critical' || dc === 'Suspended') {
      this.waitFor('duty-cycle', dc);
      return;
    }
    this.setWaiting(null);
    const now = this.clock.now();
    if (entry.nextAttemptAt > now) {
      this.schedulePump(entry.nextAttemptAt - now, 'ppmid:retry');
      return;
    }
    this.send(entry, u);
  }

  private send(entry: OutboxEntry, u: HanUplink): void {
    entry.inFlight = true;
    entry.attempts++;
    this.inFlight = entry;
    const gen = ++this.sendGeneration;
    this.metrics.inc('ppmid.han.send');
    this.event({
      kind: 'state-change',
      reason: 'sending',
      useCase: entry.useCase,
      messageCode: entry.messageCode,
      originator: entry.originator,
      originatorCounter: entry.counter,
      detail: { id: entry.id, kind: entry.kind, attempt: entry.attempts, target: entry.target },
    });
    this.sendWatchdog = this.clock.setTimer(
      this.retry.sendTimeoutMs,
      () => this.sent(gen, { ok: false, at: this.clock.now(), reason: 'lost' }, 'han-no-answer'),
      'ppmid:send-watchdog',
    );
    try {
      u.send(entry.gbcs, (r) => this.sent(gen, r));
    } catch (err) {
      this.log.error('HanUplink.send threw', { error: String(err) });
      this.sent(gen, { ok: false, at: this.clock.now(), reason: 'rejected' });
    }
  }

  private sent(gen: number, r: HanSendResult, override?: PpmidReason): void {
    const entry = this.inFlight;
    if (this.stopped || gen !== this.sendGeneration || !entry) {
      this.metrics.inc('ppmid.han.late-result');
      return;
    }
    this.sendWatchdog?.cancel();
    this.sendWatchdog = null;
    this.inFlight = null;
    entry.inFlight = false;
    const queue = entry.kind === 'customer' ? this.customer : this.outbox;
    const base = {
      useCase: entry.useCase,
      messageCode: entry.messageCode,
      originator: entry.originator,
      originatorCounter: entry.counter,
    };
    if (r.ok) {
      this.remove(queue, entry);
      this.waitDelay = 0;
      this.metrics.inc(`ppmid.${entry.kind}.forwarded`);
      this.event({
        kind: 'state-change',
        reason: 'forwarded',
        ...base,
        detail: { id: entry.id, attempts: entry.attempts, target: entry.target },
      });
      if (entry.kind === 'relay') {
        this.settle(entry, 'forwarded', null, `the CH took the HAN transfer (attempt ${entry.attempts})`);
        this.creditReads.afterForwarded(entry.useCase, entry.target, {
          envelopeId: entry.id,
          supplierId: entry.supplierId,
          requestId: entry.requestId,
          attempts: entry.attempts,
        });
      } else this.customerState(entry, 'sent');
    } else {
      const reason = override ?? HAN_REASON[r.reason] ?? 'han-rejected';
      entry.lastFailure = reason;
      this.metrics.inc(`ppmid.han.failure.${r.reason}`);
      if (r.reason === 'busy') entry.busy++;
      const next = afterHanFailure(r.reason, { attempts: entry.attempts, busy: entry.busy }, this.retry);
      if (next.kind === 'wait-duty-cycle') {
        // PP-4: the HAN refused for the duty cycle: not an attempt; wait for it to drop.
        entry.attempts--;
        this.event({ kind: 'state-change', reason: 'duty-cycle-refused', ...base, detail: { id: entry.id } });
        this.waitFor('duty-cycle', 'refused by the HAN');
        return;
      }
      if (next.kind === 'give-up') {
        this.remove(queue, entry);
        this.metrics.inc(`ppmid.${entry.kind}.delivery-failed`);
        this.event({
          kind: 'state-change',
          reason: 'delivery-failed',
          ...base,
          detail: { id: entry.id, attempts: entry.attempts, last: reason },
        });
        if (entry.kind === 'relay')
          this.settle(
            entry,
            'delivery-failed',
            reason,
            `gave up after ${entry.attempts} attempt(s); last: ${r.reason}`,
          );
        else this.customerState(entry, 'failed', reason);
      } else {
        entry.nextAttemptAt = this.clock.now() + next.delayMs;
        this.metrics.inc('ppmid.han.retry-scheduled');
        // CH-7: the CH refused it for now (TransferDataError DataOverflow): kept, not reported forwarded.
        if (r.reason === 'busy') this.metrics.inc('ppmid.han.ch-busy');
        this.event({
          kind: 'state-change',
          reason: 'retry-scheduled',
          ...base,
          detail: {
            id: entry.id,
            attempts: entry.attempts,
            failure: r.reason,
            retryInMs: next.delayMs,
            ...(entry.busy > 0 ? { busy: entry.busy } : {}),
          },
        });
      }
    }
    this.armExpiry();
    this.durableChanged();
    // not re-entrant: the next step runs from the clock
    this.schedulePump(0, 'ppmid:next');
  }

  private remove(queue: BoundedQueue<OutboxEntry>, entry: OutboxEntry): void {
    queue.removeWhere((e) => e === entry);
  }

  private customerState(entry: OutboxEntry, state: 'sent' | 'failed', result?: string): void {
    const a = this.lastCustomerAction;
    if (a && a.counter === entry.counter.toString() && a.target === entry.target)
      this.lastCustomerAction = {
        ...a,
        state,
        ...(result !== undefined ? { result } : {}),
        at: this.clock.now(),
      };
  }

  private waitFor(cause: 'han-not-ready' | 'duty-cycle', detail?: string): void {
    if (this.waiting !== cause) {
      this.waitDelay = 0;
      this.metrics.inc(`ppmid.wait.${cause}`);
      this.event({
        kind: 'state-change',
        reason: `waiting-${cause}`,
        detail: detail ? { detail } : undefined,
      });
    }
    this.waiting = cause;
    this.waitDelay =
      this.waitDelay === 0 ? this.retry.waitPollMs : Math.min(this.retry.maxWaitPollMs, this.waitDelay * 2);
    this.schedulePump(this.waitDelay, `ppmid:wait-${cause}`);
  }

  private setWaiting(w: Waiting): void {
    if (this.waiting !== null && w === null)
      this.event({ kind: 'state-change', reason: `resumed-after-${this.waiting}` });
    this.waiting = w;
    if (w === null) this.waitDelay = 0;
  }

  private sweepExpired(): void {
    const now = this.clock.now();
    // the expiry timer stands at the earliest expiry of the entries not in flight: nothing is due before it
    if (this.expiryTimer && this.expiryTimer.at > now) return;
    for (const [queue, kind] of [
      [this.customer, 'customer'],
      [this.outbox, 'relay'],
    ] as const) {
      const expired = queue.removeWhere((e) => !e.inFlight && e.expiresAt <= now);
      for (const e of expired) {
        this.metrics.inc(`ppmid.${kind}.expired`);
        this.event({
          kind: 'state-change',
          reason: 'expired',
          useCase: e.useCase,
          messageCode: e.messageCode,
          originator: e.originator,
          originatorCounter: e.counter,
          detail: { id: e.id, attempts: e.attempts, lastFailure: e.lastFailure },
        });
        if (kind === 'relay')
          this.settle(
            e,
            'expired',
            'expired',
            `expired at ${new Date(e.expiresAt).toISOString()} after ${e.attempts} attempt(s)${e.lastFailure ? `; last failure ${e.lastFailure}` : ''}`,
          );
        else this.customerState(e, 'failed', 'expired');
      }
    }
  }

  /** After adding an entry: re-arm only if it expires before the timer (O(1) on the inbox path). */
  private armExpiryFor(expiresAt: number): void {
    if (this.expiryTimer && this.expiryTimer.at <= expiresAt) return;
    this.armExpiry();
  }

  /** One timer at the earliest expiry, so an expiry is reported when due even while nothing else happens. */
  private armExpiry(): void {
    this.expiryTimer?.cancel();
    this.expiryTimer = null;
    if (this.stopped) return;
    let next = Number.POSITIVE_INFINITY;
    for (const e of this.customer.toArray()) if (!e.inFlight) next = Math.min(next, e.expiresAt);
    for (const e of this.outbox.toArray()) if (!e.inFlight) next = Math.min(next, e.expiresAt);
    if (next === Number.POSITIVE_INFINITY) return;
    this.expiryTimer = this.clock.setTimer(
      next - this.clock.now(),
      () => {
        this.expiryTimer = null;
        this.sweepExpired();
        this.armExpiry();
        this.kick();
      },
      'ppmid:expiry',
    );
  }

  // ---------------------------------------------------------------- events

  private event(e: Omit<DeviceEvent, 'at' | 'device'>): void {
    this.eventLog.push({ at: this.clock.now(), device: this.eui, ...e });
    if (this.eventLog.length > this.maxEvents) {
      this.eventLog.splice(0, this.eventLog.length - this.maxEvents);
      this.metrics.inc('ppmid.events.dropped');
    }
  }

  // ---------------------------------------------------------------- restart (PP-3)

  /**
   * Powers the PPMID off: cancels every timer, ignores any HAN result still
   * to come. Call it on the old instance before `Ppmid.restore` (a real power
   * cut stops the old firmware too).
   */
  shutdown(): void {
    this.stopped = true;
    for (const t of [this.pumpTimer, this.expiryTimer, this.sendWatchdog]) t?.cancel();
    this.pumpTimer = this.expiryTimer = this.sendWatchdog = null;
  }

  /** Everything that must survive a restart, as plain JSON-safe data (PP-3). */
  /**
   * Its own firmware from the CH over the HAN OTA cluster (han/node.ts): verified and held
   * for CS06 (han-device/own-use-cases.ts). Firmware never goes through a PPMID (firmware.ts).
   */
  onFirmwareImage(file: Uint8Array): void {
    const r = this.own.receiveFirmwareImage(file);
    this.event({
      kind: r.ok ? 'state-change' : 'error',
      reason: r.ok ? 'FIRMWARE_IMAGE_RECEIVED' : 'FIRMWARE_VERIFICATION_FAILED',
      detail: r.ok ? { version: r.version, hash: r.hash } : { error: r.error },
    });
  }

  snapshot(): PpmidSnapshot {
    const entry = (e: OutboxEntry): OutboxEntrySnapshot => ({
      kind: e.kind,
      id: e.id,
      envelope: e.envelope ? toHex(e.envelope) : null,
      gbcs: e.kind === 'customer' ? toHex(e.gbcs) : null,
      customerKind: e.customerKind,
      receivedAt: e.receivedAt,
      expiresAt: e.expiresAt,
      attempts: e.attempts,
      busy: e.busy,
      nextAttemptAt: e.nextAttemptAt,
      inFlight: e.inFlight,
      lastFailure: e.lastFailure,
    });
    return {
      format: 'ppmid-snapshot/1',
      eui: this.eui,
      takenAt: this.clock.now(),
      security: this.security.snapshot(),
      own: this.own.snapshot(),
      outbox: this.outbox.toArray().map(entry),
      customer: this.customer.toArray().map(entry),
      seenEnvelopes: [...this.seenEnvelopes.values()].map((s) => ({
        ...s,
        requestId: requestIdJson(s.requestId),
      })),
      seenCommands: [...this.seenCommands],
      reportSequence: this.reportSequence,
      heldReports: this.heldReports.map(toHex),
      display: {
        credit: { ...this.credit },
        lastCustomerAction: this.lastCustomerAction ? { ...this.lastCustomerAction } : null,
      },
    };
  }

  /**
   * A PPMID restarted from `snapshot` with fresh dependencies (clock,
   * credentials, keys, home...). Relay entries are re-verified: the envelope
   * is decoded and its signature checked again with the keys in `deps`, and
   * the GBCS checks run again (the Device Log may have changed); an entry
   * that fails is dropped and reported `rejected`. An entry that was in
   * flight when the snapshot was taken is sent again (idempotent at the
   * meter: a second copy of a command the CH already delivered is rejected as
   * a replay, its counter not being greater than the last accepted; the
   * response to the first went to the WAN, CH-4). Nothing already forwarded
   * is in the snapshot, so nothing is sent twice otherwise.
   */
  static restore(snapshot: PpmidSnapshot, deps: PpmidOptions): Ppmid {
    if (snapshot?.format !== 'ppmid-snapshot/1')
      throw new PpmidError('PPMID_SNAPSHOT_INVALID', 'not a ppmid-snapshot/1');
    const p = new Ppmid(deps);
    if (snapshot.eui !== p.eui)
      throw new PpmidError('PPMID_SNAPSHOT_INVALID', `snapshot is of PPMID ${snapshot.eui}, not ${p.eui}`);
    p.load(snapshot);
    return p;
  }

  private load(s: PpmidSnapshot): void {
    try {
      this.security.restore(s.security);
      if (s.own) this.own.restore(s.own);
      this.reportSequence = s.reportSequence >>> 0;
      for (const x of s.seenEnvelopes)
        this.seenEnvelopes.set(x.envelopeId, {
          ...x,
          requestId: { ...x.requestId, counter: BigInt(x.requestId.counter) },
        });
      for (const [k, v] of s.seenCommands) this.seenCommands.set(k, v);
      this.heldReports = s.heldReports.map((h) => fromHex(h));
      this.credit = { ...emptyCredit(), ...s.display.credit };
      this.lastCustomerAction = s.display.lastCustomerAction;
    } catch (err) {
      throw new PpmidError('PPMID_SNAPSHOT_INVALID', `snapshot state unreadable: ${String(err)}`);
    }
    for (const x of s.customer) {
      let gbcs: Uint8Array;
      let m: GbcsMessage;
      try {
        gbcs = fromHex(x.gbcs ?? '');
        m = decodeMessage(gbcs);
      } catch (err) {
        this.metrics.inc('ppmid.restore.dropped');
        this.event({ kind: 'error', reason: 'restore-dropped', detail: { id: x.id, error: String(err) } });
        continue;
      }
      this.restoreEntry(x, {
        kind: 'customer',
        id: x.id,
        envelope: null,
        gbcs,
        customerKind: x.customerKind,
        supplierId: null,
        requestId: null,
        target: m.recipient,
        useCase: lookupMessageCode(m.messageCode)?.useCase ?? null,
        messageCode: m.messageCode,
        originator: m.originator,
        counter: m.originatorCounter,
      });
    }
    for (const x of s.outbox) {
      const bytes = (() => {
        try {
          return fromHex(x.envelope ?? '');
        } catch {
          return new Uint8Array(0);
        }
      })();
      const opened = openEnvelope(bytes, this.policy);
      const cmd = opened.ok ? checkCommand(opened.envelope, this.policy) : null;
      if (!opened.ok || !cmd?.ok) {
        const reason = !opened.ok ? opened.reason : cmd && !cmd.ok ? cmd.reason : 'envelope-malformed';
        const detail = !opened.ok ? opened.detail : cmd && !cmd.ok ? cmd.detail : '';
        const env = opened.envelope;
        this.metrics.inc('ppmid.restore.dropped');
        this.event({
          kind: 'error',
          decision: 'rejected',
          reason,
          detail: { id: x.id, detail, phase: 'restore' },
        });
        this.report({
          envelopeId: env?.envelopeId ?? digestId(bytes),
          envelopeIdIsDigest: env === null,
          supplierId: env?.supplierId ?? null,
          requestId: env?.requestId ?? null,
          outcome: 'rejected',
          reason,
          attempts: x.attempts,
          detail: `on restore: ${detail}`,
        });
        const seen = env ? this.seenEnvelopes.get(env.envelopeId) : undefined;
        if (seen) Object.assign(seen, { outcome: 'rejected', reason, detail: `on restore: ${detail}` });
        continue;
      }
      const env = opened.envelope;
      const m = cmd.command;
      this.restoreEntry(x, {
        kind: 'relay',
        id: env.envelopeId,
        envelope: bytes,
        gbcs: env.gbcs.slice(),
        customerKind: null,
        supplierId: env.supplierId,
        requestId: env.requestId,
        target: m.recipient,
        useCase: cmd.info.useCase,
        messageCode: m.messageCode,
        originator: m.originator,
        counter: m.originatorCounter,
      });
    }
    this.event({
      kind: 'state-change',
      reason: 'restored',
      detail: { outbox: this.outbox.size, customer: this.customer.size, takenAt: s.takenAt },
    });
    this.armExpiry();
  }

  private restoreEntry(
    x: OutboxEntrySnapshot,
    e: Omit<
      OutboxEntry,
      'receivedAt' | 'expiresAt' | 'attempts' | 'busy' | 'nextAttemptAt' | 'inFlight' | 'lastFailure'
    >,
  ): void {
    const entry: OutboxEntry = {
      ...e,
      receivedAt: x.receivedAt,
      expiresAt: x.expiresAt,
      attempts: x.attempts,
      busy: x.busy ?? 0,
      nextAttemptAt: x.nextAttemptAt,
      inFlight: false,
      lastFailure: x.lastFailure,
    };
    const queue = e.kind === 'customer' ? this.customer : this.outbox;
    if (!queue.offer(entry)) {
      this.metrics.inc('ppmid.restore.overflow');
      this.event({ kind: 'error', reason: 'outbox-full', detail: { id: e.id, phase: 'restore' } });
      if (e.kind === 'relay')
        this.settle(entry, 'rejected', 'outbox-full', 'on restore: outbox capacity is now smaller');
      return;
    }
    if (x.inFlight) {
      // Sent, but no HAN result before the restart: it goes again (see `restore`).
      entry.nextAttemptAt = 0;
      this.metrics.inc('ppmid.restore.resumed-in-flight');
      this.event({
        kind: 'state-change',
        reason: 'resumed-in-flight',
        useCase: e.useCase,
        messageCode: e.messageCode,
        originator: e.originator,
        originatorCounter: e.counter,
        detail: { id: e.id, attempts: x.attempts },
      });
    }
  }
}

// ------------------------------------------------------------------ helpers

/** Keys of the duplicate check: the message bytes, and originator + target + Originator Counter. */
function commandKeys(m: GbcsMessage): [string, string] {
  const digest = createHash('sha256').update(m.bytes).digest();
  return [`m:${toHex(digest.subarray(0, 16))}`, `c:${m.originator}:${m.recipient}:${m.originatorCounter}`];
}

/** An id for a payload that is not a readable envelope: the first 16 bytes of its SHA-256. */
function digestId(bytes: Uint8Array): string {
  return toHex(createHash('sha256').update(bytes).digest().subarray(0, 16));
}

function requestIdJson(r: RequestId): { originator: Eui; target: Eui; counter: string } {
  return { originator: r.originator, target: r.target, counter: r.counter.toString() };
}

function mask(utrn: string): string {
  return utrn.length <= 4 ? utrn : `${'*'.repeat(utrn.length - 4)}${utrn.slice(-4)}`;
}
