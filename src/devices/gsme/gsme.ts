/**
 * GSME emulator (gas smart meter, SMETS2): a sleepy ZigBee device whose
 * commands are GBZ (ZCL inside GBCS), after the shared security checks
 * (devices/security).
 *
 * The GSME sleeps: every `pollIntervalMs` it wakes and asks the CHF's GSME
 * mailbox for waiting messages (SleepyHanUplink.pollMailbox, HAN.md); it
 * answers each through PUT (HanUplink.send).
 *
 * Use cases executed (payloads shaped like the RTDS messages of the same use
 * case; a component that does not fit its Message Code is refused with an
 * error and alert 0x8F1E):
 * - GCS13a  read consumption register: Metering (0x0702) Read Attributes of
 *           0x0302 divisor, 0x0301 multiplier, 0x0300 unit, 0x0000 current
 *           summation delivered; the Read Attributes Response is payload-encrypted;
 * - CS01b   top-up: Prepayment (0x0705) Consumer Top Up (0x04) with the UTRN,
 *           answered by Consumer Top Up Response (0x03);
 * - PCS01   the same, device-to-device from the home's PPMID (GBCS.md 2);
 * - PCS02   activate emergency credit from the PPMID: Select Available Emergency
 *           Credit (0x00), answered by a Default Response;
 * - GCS02 / GCS03  payment mode: Change Payment Mode (0x06), implementation time
 *           0 now, a time future-dated, 0xFFFFFFFF cancel; Change Payment Mode Response (0x02);
 * - GCS32 / GCS39  close / arm the valve: Metering Change Supply (0x0B) -> Supply Status Response (0x0C);
 * - GCS28   set clock (ASN.1 validity interval) -> SEQUENCE { time, result };
 * - GCS01b  set prices (DUIS 1.2.1): Price (0x0700) Publish Tariff Information (0x04) and
 *           Publish Price Matrix (0x05), each with its Start Time (0 now, a time
 *           future-dated with its own 8F66, 0xFFFFFFFF / 0xFFFFFFFE cancel), answered by a
 *           Default Response per component.
 * Every other use case passes the same security checks and gets a ZCL
 * Default Response with status UNSUP_CLUSTER_COMMAND for each component.
 */
import { messageCodeForUseCase } from '../../gbcs/codes/message-codes.ts';
import {
  decodeGbz,
  encodeGbz,
  GBZ_PROFILE_ID,
  type GbzPayload,
  gbzComponent,
  gbzPayload,
} from '../../gbcs/payload/gbz.ts';
import { zcl } from '../../gbcs/payload/zcl.ts';
import { zclCluster, zclSeCommand } from '../../gbcs/payload/zcl-se.ts';
import {
  type CommandFieldsOf,
  decodeCommand,
  encodeGbzAlert,
  encodeResponse,
  type GbzHeader,
  type GbzResponseComponent,
  UseCaseShapeError,
} from '../../gbcs/use-cases/index.ts';
import type { Eui } from '../../runtime/bytes.ts';
import type { TimerHandle } from '../../runtime/clock.ts';
import type { HanUplink, SleepyHanUplink } from '../contracts.ts';
import {
  type Execution,
  type ExecutionContext,
  type FutureDatedEntry,
  FutureDatedTimeUnreliableError,
  MeterDevice,
  type MeterOptions,
  type MeterSnapshotBase,
} from '../meter-common/meter-device.ts';
import {
  ALERT_FOR_TOP_UP_REFUSAL,
  checkTopUp,
  rememberUtrn,
  utrnCounterFromUtrn,
} from '../meter-common/prepayment.ts';
import {
  CLOCK_STATUS_DOUBTFUL,
  cosemDateTime,
  fromZigbeeTime,
  generalizedTime,
  parseGeneralizedTime,
  zigbeeTime,
} from '../meter-common/time.ts';
import type { UseCaseRegistry } from '../meter-common/use-case-registry.ts';
import type { AcceptedCommand } from '../security/device-security.ts';
import { type GsmeView, gsmeRegistry } from './handlers/index.ts';

export type ValveState = 'enabled' | 'disabled' | 'armed';
export type PaymentMode = 'credit' | 'prepayment';

/** Everything a GSME command can change or a read can report. JSON-safe (snapshot). */
export interface GsmeState {
  registers: {
    /** Metering 0x0000 CurrentSummationDelivered (uint48), in units of `multiplier / divisor` m3 */
    currentSummationDelivered: number;
    multiplier: number;
    divisor: number;
    /** Metering 0x0300 UnitofMeasure (1 = m3) */
    unitOfMeasure: number;
  };
  /** credit remaining (meter balance), milli-pence */
  meterBalance: number;
  /** the credit-mode meter balance (GCS40c / GCS40d), milli-pence */
  creditModeBalance: number;
  maxMeterBalance: number;
  emergencyCredit: { limit: number; threshold: number; active: boolean };
  friendlyCredit: { enabled: boolean; calendarId: number };
  paymentMode: PaymentMode;
  /** ZCL Prepayment Payment Control Configuration (bit 1 prepayment enabled) */
  paymentControlConfiguration: number;
  valve: ValveState;
  lastTopUpCounter: Record<Eui, string>;
  /** the last accepted UTRNs (duplicate detection) */
  recentUtrns: string[];
  eventLog: Array<{ at: number; code: number }>;
  /** the active price (GCS01b); null until one is published */
  price: { tariffInformation: GsmeTariffInformation | null; priceMatrix: GsmePriceMatrix | null };
  /** Metering: TOU tier registers 1..4 (0x0100, 0x0102...) and block counters 1..4 (0x0700..0x0703), same units as the register */
  tierSummations: number[];
  blockSummations: number[];
  /** Metering 0x0A00 BillToDateDelivered, milli-pence */
  billToDate: number;
  /** Prepayment 0x0002 EmergencyCreditRemaining, milli-pence */
  emergencyCreditRemaining: number;
  /** Prepayment 0x0005 AccumulatedDebt and DebtAmount 1..3 (0x0211, 0x0221, 0x0231), milli-pence */
  debt: { accumulated: number; amounts: [number, number, number] };
  /** Price 0x0616 Currency (ISO 4217 numeric) and 0x0617 PriceTrailingDigit */
  currency: number;
  priceTrailingDigit: number;
  /** Basic 0x0004 / 0x0005 */
  identity: { manufacturerName: string; modelIdentifier: string };
  /** Metering 0x0607 SupplyTamperState, 0x0608 SupplyDepletionState, uncontrolled flow (GCS24) */
  supply: {
    tamperState: number;
    depletionState: number;
    uncontrolledFlowState: number;
    loadLimitSupplyState: number;
    uncontrolledFlowThreshold: Record<string, number> | null;
  };
  /** Price cluster Publish Conversion Factor / Calorific Value (GCS23): the active ones */
  conversionFactor: { value: number; trailingDigit: number } | null;
  calorificValue: { value: number; unit: number; trailingDigit: number } | null;
  /** the message on the display (GCS07) */
  message: { id: number; text: string; startTime: number; durationMinutes: number } | null;
  /** Customer Identification Number (GCS36), hex */
  cin: string | null;
  /** Network data sampling (GCS31): the next Sample ID and the active sampling */
  sampling: { nextSampleId: number; active: Record<string, number> | null };
  /** the Billing Calendar (Price cluster Publish Billing Period, GCS25 sets, GCS21k reads) */
  billingPeriod: {
    providerId: number;
    issuerEventId: number;
    billingPeriodStartTime: number;
    billingPeriodDuration: number;
    billingPeriodDurationType: number;
    tariffType: number;
  };
  /** Debt repayment log (GCS15d), profile data (GCS17) and network data (GCS18) logs: entries held */
  logs: { debtRepayment: unknown[]; profile: unknown[]; networkData: unknown[] };
}

/** ZCL Price cluster Publish Tariff Information, as the GSME holds it (SE 1.4 D.4.2.4.4; GBCS GCS01b). */
export interface GsmeTariffInformation {
  issuerEventId: number;
  issuerTariffId: number;
  /** Tariff Type / Charging Scheme: 0x00 TOU, 0x10 block (RTDS GCS01b) */
  tariffTypeChargingScheme: number;
  /** Tariff Label, hex */
  label: string;
  numberOfPriceTiersInUse: number;
  numberOfBlockThresholdsInUse: number;
  unitOfMeasure: number;
  /** ISO 4217 numeric (826 GBP, 978 EUR) */
  currency: number;
  priceTrailingDigit: number;
  standingCharge: number;
  tierBlockMode: number;
  blockThresholdMultiplier: number;
  blockThresholdDivisor: number;
}

/** ZCL Price cluster Publish Price Matrix, as the GSME holds it. */
export interface GsmePriceMatrix {
  issuerEventId: number;
  issuerTariffId: number;
  /** Sub-Payload Control: 1 TOU (tier ids), 0 block (tier/block ids) */
  subPayloadControl: number;
  entries: Array<{ tierBlockId: number; price: number }>;
}

export interface GsmeSnapshot extends MeterSnapshotBase {
  state: GsmeState;
}

export interface GsmeOptions extends MeterOptions {
  /** how often the GSME wakes and polls the CHF mailbox (ms); GBCS devices typically every 30 minutes */
  pollIntervalMs: number;
  initialState?: Partial<GsmeState>;
  /** the GPF's gas mirror (gpf/gas-mirror.ts): the GSME writes its data there on every wake */
  mirror?: { update(state: GsmeState, at: number): void };
}

/**
 * The RTDS GSME's state as its reference reads show it (register 12345 x 1/1000 m3, tiers 1000..4000,
 * blocks 0..3, credit 25 pounds, emergency credit 5 pounds remaining of a 10 pound limit, threshold
 * 2 pounds, debt 25 pounds accumulated, 5 pence in each debt register, GBP, manufacturer "1234").
 */
export function defaultGsmeState(): GsmeState {
  return {
    registers: { currentSummationDelivered: 12345, multiplier: 1, divisor: 1000, unitOfMeasure: 1 },
    meterBalance: 2_500_000,
    creditModeBalance: 0,
    maxMeterBalance: 100_000_000,
    emergencyCredit: { limit: 1_000_000, threshold: 200_000, active: false },
    friendlyCredit: { enabled: true, calendarId: 2 },
    paymentMode: 'credit',
    paymentControlConfiguration: 0x0095,
    valve: 'enabled',
    lastTopUpCounter: {},
    recentUtrns: [],
    eventLog: [],
    price: { tariffInformation: null, priceMatrix: null },
    tierSummations: [1000, 2000, 3000, 4000],
    blockSummations: [0, 1, 2, 3],
    billToDate: 3_500_000,
    emergencyCreditRemaining: 500_000,
    debt: { accumulated: 2_500_000, amounts: [5000, 5000, 5000] },
    currency: 826,
    priceTrailingDigit: 0x50,
    identity: { manufacturerName: '1234', modelIdentifier: '12345678' },
    supply: {
      tamperState: 3,
      depletionState: 3,
      uncontrolledFlowState: 0,
      loadLimitSupplyState: 3,
      uncontrolledFlowThreshold: null,
    },
    conversionFactor: null,
    calorificValue: null,
    message: null,
    cin: null,
    sampling: { nextSampleId: 2, active: null },
    logs: { debtRepayment: [], profile: [], networkData: [] },
    // RTDS GCS21k: issuer event 473385600, from 2014-01-01, every 6 (duration type 0x23)
    billingPeriod: {
      providerId: 0,
      issuerEventId: 473_385_600,
      billingPeriodStartTime: 441_849_600,
      billingPeriodDuration: 6,
      billingPeriodDurationType: 0x23,
      tariffType: 0,
    },
  };
}

const CLUSTER = { price: 0x0700, metering: 0x0702, prepayment: 0x0705 } as const;
/** Default Response frame control for the unsupported / malformed answers: general, server to client (RTDS PCS02). */
const FC_GENERAL_TO_CLIENT = 0x08;

/** ZCL status codes (ZCL 2.5.3). */
const STATUS = {
  success: 0x00,
  failure: 0x01,
  unsupClusterCommand: 0x81,
  unsupportedAttribute: 0x86,
} as const;

/** ZCL Prepayment Consumer Top Up Response result types (SE 1.4 D.7.2.4.3). */
const TOP_UP_RESULT = {
  accepted: 0x00,
  invalid: 0x01,
  duplicate: 0x02,
  error: 0x03,
  maxCredit: 0x04,
} as const;

/** ZCL data types used in Read Attributes Responses. */
const _ZT = { uint24: 0x22, uint48: 0x25, enum8: 0x30 } as const;

/** Responses whose Grouping Header date-time carries the clock status (RTDS GCS13a/b/c, GCS14: 00 or 02); the others FF (RTDS CS01b, GCS01b, GCS03). */
const READ_USE_CASES_WITH_CLOCK_STATUS = new Set(
  ['GCS13a', 'GCS13b', 'GCS13c', 'GCS14'].map((u) => messageCodeForUseCase(u)!.code),
);

/** Message Code of the GBZ Future Dated Execution of Instruction Alert. */
const MC_FUTURE_DATED_GBZ = 0x00cd;

/** The ZCL header values of a command's components (the response answers with the same sequence numbers). */
type Sequences = number[];

class PayloadShapeError extends Error {}

export class Gsme extends MeterDevice<GsmeState> {
  readonly deviceType = 'GSME' as const;
  protected state: GsmeState;
  readonly pollIntervalMs: number;
  private pollTimer: TimerHandle | null = null;
  private polling = false;
  /** the use cases run by handlers on the shared registry (handlers/index.ts); the others by `execute` below */
  private readonly registry: UseCaseRegistry<GsmeView> = gsmeRegistry<GsmeView>();
  private readonly view: GsmeView;
  private readonly mirror: GsmeOptions['mirror'];

  /**
   * @param opts eui, clock, credentials, trustAnchors (see MeterOptions),
   *   `pollIntervalMs` (mailbox poll period) and `initialState` overriding
   *   parts of `defaultGsmeState()`. Polling starts when a SleepyHanUplink is attached.
   */
  constructor(opts: GsmeOptions) {
    super(opts, 'gsme');
    if (!(opts.pollIntervalMs > 0)) throw new RangeError('pollIntervalMs must be > 0');
    this.pollIntervalMs = opts.pollIntervalMs;
    this.mirror = opts.mirror;
    this.state = { ...defaultGsmeState(), ...structuredClone(opts.initialState ?? {}) };
    const self = this;
    this.view = {
      deviceType: 'GSME',
      get state() {
        return self.state;
      },
      hardwareFaults: () => this.hardwareFaults(),
      gbzFaults: () => this.hardwareFaults(),
      simpleAlert: (code) => this.simpleAlert(code),
      now: () => this.deviceNow(),
      logEvent: (code) => this.logEvent(code),
    };
  }

  /** The use cases this GSME runs through the shared handler registry. */
  registryUseCases(): string[] {
    return this.registry.useCases();
  }

  get stateView(): GsmeState {
    return structuredClone(this.state);
  }

  override attachUplink(uplink: HanUplink): void {
    super.attachUplink(uplink);
    this.pollTimer?.cancel();
    this.pollTimer = null;
    if (isSleepy(uplink))
      this.pollTimer = this.clock.setInterval(
        this.pollIntervalMs,
        () => this.poll(),
        `${this.eui} mailbox poll`,
      );
  }

  /** Wakes now and polls the CHF mailbox (also what the interval timer does). */
  poll(): void {
    const up = this.uplink;
    if (!up || !isSleepy(up) || this.polling) return;
    this.polling = true;
    this.metrics.inc('gsme.polls');
    up.pollMailbox((fetched) => {
      this.polling = false;
      this.metrics.inc('gsme.fetched', fetched);
      // awake: the GPF's gas mirror gets the data as it is after this wake's commands
      this.writeMirror();
    });
  }

  /** Writes the GSME's data into the GPF's gas mirror (on every wake; also callable by tests). */
  writeMirror(): void {
    if (!this.mirror) return;
    this.mirror.update(this.state, this.deviceNow());
    this.metrics.inc('gsme.mirrorWrites');
  }

  /** Stops polling (the device is removed or powered down). */
  stop(): void {
    this.pollTimer?.cancel();
    this.pollTimer = null;
  }

  /** Side door for tests: what the customer or the physical world does. */
  readonly backchannel = {
    /** The customer presses the button on an armed valve: supply is enabled (GBCS: gas enable is local). */
    pressButton: (): boolean => {
      if (this.state.valve !== 'armed') return false;
      this.state.valve = 'enabled';
      this.logEvent(0x8161);
      return true;
    },
    consume: (units: number): void => {
      this.state.registers.currentSummationDelivered += units;
    },
    setTimeStatus: (s: 'reliable' | 'unreliable'): void => {
      this.timeStatus = s;
    },
    /**
     * A hardware fault (the physical world): `cluster.AttributeName` (a read of it answers
     * HARDWARE_FAILURE) or `cluster.command` (that ZCL command fails, nothing applied); handlers/gbz.ts.
     */
    hardwareFault: (what: string, on = true): void => this.setHardwareFault(what, on),
    /** What the meter holds that no command sets here (a meter installed with these values). */
    set: (patch: Partial<GsmeState>): void => {
      this.state = { ...this.state, ...structuredClone(patch) };
    },
  };

  // ------------------------------------------------------------------ dispatch

  /**
   * Every command reads its named fields from the use-case catalogue
   * (src/gbcs/use-cases): a payload that does not have its row's shape is
   * refused with a Default Response FAILURE per component and alert 8F1E.
   */
  protected execute(cmd: AcceptedCommand, ctx: ExecutionContext): Execution {
    const uc = cmd.useCase;
    if (uc && this.registry.runs(uc)) return this.registry.execute(cmd, this.view, ctx);
    const fault = this.faultedCommand(cmd.message.content);
    if (fault) return fault;
    if (uc === 'GCS28') return this.setClock(cmd);
    if (cmd.info?.payload === 'asn1' || cmd.info?.payload === 'dlms')
      return this.unsupportedPayloadFormat(uc);
    const content = cmd.message.content;
    try {
      switch (uc) {
        case 'CS01b':
        case 'PCS01': {
          const c = decodeCommand(uc, content);
          return this.topUp(cmd, c.fields.consumerTopUp, sequences(c.header));
        }
        case 'PCS02': {
          const c = decodeCommand('PCS02', content);
          return this.emergencyCredit(c.fields, sequences(c.header));
        }
        case 'GCS02':
        case 'GCS03': {
          const c = decodeCommand(uc, content);
          return this.changePaymentMode(
            cmd,
            c.fields.changePaymentMode,
            sequences(c.header),
            uc === 'GCS03' ? 'prepayment' : 'credit',
          );
        }
        case 'GCS32':
        case 'GCS39': {
          const c = decodeCommand(uc, content);
          return this.changeSupply(
            uc,
            c.fields.changeSupply,
            sequences(c.header),
            uc === 'GCS39' ? 'armed' : 'disabled',
          );
        }
        case 'GCS01b': {
          const c = decodeCommand('GCS01b', content);
          return this.setPrices(cmd, c.fields, c.header as GbzHeader);
        }
        default:
          return this.unsupported(structural(content), uc);
      }
    } catch (err) {
      if (
        err instanceof PayloadShapeError ||
        err instanceof UseCaseShapeError ||
        err instanceof FutureDatedTimeUnreliableError
      )
        return this.malformedPayload(structural(content), err);
      throw err;
    }
  }

  /**
   * A GBZ command one of whose ZCL commands has a hardware fault
   * (`cluster.command`, backchannel.hardwareFault): the components before it
   * answer SUCCESS (not applied), it HARDWARE_FAILURE, the later ones FAILURE
   * for command 0xFF; nothing changes (handlers/gbz.ts). Null: no fault.
   */
  private faultedCommand(content: Uint8Array): Execution | null {
    const faults = this.hardwareFaults();
    if (faults.size === 0) return null;
    const p = structural(content);
    if (!p) return null;
    const names = p.components.map((c) => {
      const se = zclSeCommand(c.clusterId, (c.header.frameControl & 0x08) !== 0, c.header.commandId);
      return se ? `${se.cluster.name}.${se.command.name}` : '';
    });
    const at = names.findIndex((n) => faults.has(n));
    if (at < 0) return null;
    const comps = p.components.map((c, i) =>
      gbzComponent(
        c.clusterId,
        { frameControl: FC_GENERAL_TO_CLIENT, sequence: c.header.sequence, commandId: 0x0b },
        i < at
          ? zcl.defaultResponse(c.header.commandId, STATUS.success)
          : i === at
            ? zcl.defaultResponse(c.header.commandId, 0xc0)
            : zcl.defaultResponse(0xff, STATUS.failure),
      ),
    );
    return { content: encodeGbz(gbzPayload(comps)), outcome: 'failed', detail: { hardwareFault: names[at] } };
  }

  /** Default Response per component (ZCL 2.5.12), e.g. UNSUP_CLUSTER_COMMAND, for a use case this GSME does not run. */
  private defaultResponses(p: GbzPayload | null, status: number): Uint8Array {
    const comps = (p?.components ?? []).map((c) =>
      gbzComponent(
        c.clusterId,
        { frameControl: FC_GENERAL_TO_CLIENT, sequence: c.header.sequence, commandId: 0x0b },
        zcl.defaultResponse(c.header.commandId, status),
      ),
    );
    if (comps.length === 0)
      return encodeGbz({ profileId: GBZ_PROFILE_ID, componentCount: 0, components: [] });
    return encodeGbz(gbzPayload(comps));
  }

  private unsupported(p: GbzPayload | null, uc: string | null): Execution {
    return {
      content: this.defaultResponses(p, STATUS.unsupClusterCommand),
      outcome: 'unsupported',
      detail: { useCase: uc, note: 'use case not supported by this emulator' },
    };
  }

  private malformedPayload(p: GbzPayload | null, err: unknown): Execution {
    return {
      content: this.defaultResponses(p, STATUS.failure),
      outcome: 'failed',
      detail: { error: err instanceof Error ? err.message : String(err) },
      alerts: [this.alertOf(0x8f1e)],
    };
  }

  private alertOf(code: number) {
    const critical = (code & 0xff00) === 0x8f00;
    return {
      code,
      payload: this.encodeSimpleAlert(code, this.deviceNow()),
      critical,
      messageCode: critical ? 0x1000 : 0x1001,
    };
  }

  /** GBZ alert header only (RTDS NA_GCA-ZigBee): `01 09 00 <code> <ZigBee UTC time>`. */
  protected encodeSimpleAlert(code: number, atMs: number): Uint8Array {
    return encodeGbzAlert({ alertCode: code, alertTime: zigbeeTime(atMs) });
  }

  /**
   * GSME read responses carry the clock status: 00 valid, 02 doubtful while
   * the time is Unreliable (RTDS GCS13a, GCS14); other responses leave it
   * not specified, FF (RTDS CS01b, GCS01b, GCS03).
   */
  protected headerDateTime(messageCode: number): Uint8Array {
    if (!READ_USE_CASES_WITH_CLOCK_STATUS.has(messageCode)) return cosemDateTime(this.deviceNow());
    return cosemDateTime(this.deviceNow(), this.timeStatus === 'reliable' ? 0x00 : CLOCK_STATUS_DOUBTFUL);
  }

  /** A one-component response of `useCase` (frame control from its row), answering with the command's sequence number. */
  private reply(useCase: string, component: GbzResponseComponent, sequence: number): Uint8Array {
    return encodeResponse(useCase, { components: [component] }, { header: { components: [{ sequence }] } });
  }

  // ------------------------------------------------------------------ reads

  // ------------------------------------------------------------------ prepayment

  /**
   * CS01b (DUIS 2.2) and PCS01 (PPMID): Consumer Top Up (originating device,
   * UTRN). The UTRN is the supplier's: for CS01b the command's counter is the
   * top-up counter; for PCS01 it is rebuilt from the UTRN (GBCS.md 5a).
   */
  private topUp(
    cmd: AcceptedCommand,
    f: CommandFieldsOf<'CS01b'>['consumerTopUp'],
    seq: Sequences,
  ): Execution {
    if (f.topUpCode.length !== 20) throw new PayloadShapeError('Consumer Top Up: a UTRN of 20 digits');
    const origin = f.originatingDevice;
    const utrn = f.topUpCode;
    const useCase = cmd.useCase as 'CS01b' | 'PCS01';
    const supplier =
      useCase === 'PCS01' ? this.security.trustAnchors.cell('supplier')?.eui : cmd.originator.business;
    const answer = (resultType: number, topUpValue: number, creditRemaining: number) =>
      this.reply(
        useCase,
        {
          cluster: 'prepayment',
          command: 'consumerTopUpResponse',
          fields: { resultType, topUpValue, sourceOfTopUp: origin, creditRemaining },
        },
        seq[0],
      );
    const refuse = (result: number, refusal: keyof typeof ALERT_FOR_TOP_UP_REFUSAL): Execution => ({
      content: answer(result, -1, -1),
      outcome: 'failed',
      commit: refusal !== 'duplicate',
      detail: { utrn, refusal },
      alerts: [this.alertOf(ALERT_FOR_TOP_UP_REFUSAL[refusal])],
    });
    if (!supplier) return refuse(TOP_UP_RESULT.error, 'mac');
    const lastS = this.state.lastTopUpCounter[supplier];
    const last = lastS === undefined ? undefined : BigInt(lastS);
    const counter = useCase === 'PCS01' ? utrnCounterFromUtrn(utrn, last) : cmd.message.originatorCounter;
    if (counter === null) return refuse(TOP_UP_RESULT.invalid, 'format');
    const r = checkTopUp({
      security: this.security.securityContext,
      utrn,
      supplier,
      device: this.eui,
      counter,
      lastAccepted: last,
      balanceMillipence: this.state.meterBalance,
      maxBalanceMillipence: this.state.maxMeterBalance,
      recent: this.state.recentUtrns,
    });
    if (!r.ok)
      return refuse(
        r.refusal === 'duplicate'
          ? TOP_UP_RESULT.duplicate
          : r.refusal === 'max-credit'
            ? TOP_UP_RESULT.maxCredit
            : TOP_UP_RESULT.invalid,
        r.refusal,
      );
    this.state.meterBalance += r.valueMillipence;
    this.state.lastTopUpCounter[supplier] = r.counter.toString();
    this.state.recentUtrns = rememberUtrn(this.state.recentUtrns, utrn);
    this.logEvent(useCase === 'PCS01' ? 0x810e : 0x8f0a);
    return {
      content: answer(TOP_UP_RESULT.accepted, r.valueMillipence, this.state.meterBalance),
      outcome: 'applied',
      detail: { utrn, credit: r.valueMillipence, balance: this.state.meterBalance },
    };
  }

  /** PCS02: Select Available Emergency Credit (issue time, originating device) -> Default Response. */
  private emergencyCredit(_fields: CommandFieldsOf<'PCS02'>, seq: Sequences): Execution {
    const ec = this.state.emergencyCredit;
    const available =
      this.state.paymentMode === 'prepayment' ? this.state.meterBalance <= ec.threshold : true;
    const ok = available && !ec.active;
    if (ok) {
      ec.active = true;
      this.logEvent(0x81ab);
    }
    return {
      content: this.reply(
        'PCS02',
        {
          cluster: 'prepayment',
          command: 'defaultResponse',
          fields: { commandId: 0x00, status: ok ? STATUS.success : STATUS.failure },
        },
        seq[0],
      ),
      outcome: ok ? 'applied' : 'failed',
      detail: { emergencyCredit: ec.active },
    };
  }

  /**
   * GCS02 / GCS03 (DUIS 1.6): Change Payment Mode (provider id, issuer event
   * id, implementation time, proposed payment control configuration, cut-off
   * value); the mode follows bit 1 (prepayment enabled). Implementation time 0:
   * now; 0xFFFFFFFF: cancel; else future-dated (8F66 when actioned).
   */
  private changePaymentMode(
    cmd: AcceptedCommand,
    f: CommandFieldsOf<'GCS03'>['changePaymentMode'],
    seq: Sequences,
    mode: PaymentMode,
  ): Execution {
    const when = f.implementationDateTime;
    const config = f.proposedPaymentControlConfiguration;
    if (((config & 0x02) !== 0) !== (mode === 'prepayment'))
      throw new PayloadShapeError(
        `payment control configuration 0x${config.toString(16)} does not fit ${cmd.useCase}`,
      );
    const ec = this.state.emergencyCredit;
    const useCase = cmd.useCase as 'GCS02' | 'GCS03';
    const content = this.reply(
      useCase,
      {
        cluster: 'prepayment',
        command: 'changePaymentModeResponse',
        fields: {
          friendlyCredit: this.state.friendlyCredit.enabled ? 1 : 0,
          friendlyCreditCalendarId: this.state.friendlyCredit.calendarId,
          emergencyCreditLimit: ec.limit,
          emergencyCreditThreshold: ec.threshold,
        },
      },
      seq[0],
    );
    if (when === 0xffffffff) {
      const had = this.cancelFutureDated(useCase);
      return { content, outcome: 'cancelled', detail: { cancelled: had } };
    }
    const at = when === 0 ? null : fromZigbeeTime(when);
    if (at !== null && at > this.deviceNow()) {
      this.acceptFutureDated({
        useCase,
        messageCode: cmd.message.messageCode,
        originator: cmd.message.originator,
        counter: cmd.message.originatorCounter.toString(),
        executeAt: at,
        data: { mode, config, commandId: 0x06, frameControl: 0x01 },
      });
      return { content, outcome: 'scheduled', detail: { executeAt: new Date(at).toISOString() } };
    }
    this.applyPaymentMode(mode, config);
    return { content, outcome: 'applied', detail: { paymentMode: mode } };
  }

  private applyPaymentMode(mode: PaymentMode, config: number): void {
    this.state.paymentMode = mode;
    this.state.paymentControlConfiguration = config;
    this.logEvent(0x8f0a);
  }

  // ------------------------------------------------------------------ prices

  /**
   * GCS01b (DUIS 1.2.1): Publish Tariff Information then Publish Price
   * Matrix (Price cluster, server to client; one matrix command, index 0 of
   * 1). Each takes effect at its Start Time: 0 now (or a time that has
   * come), a later UTCTime future-dated (its own 8F66 when it runs, RTDS
   * ALERT_PUBLISH_TARIFF_INFORMATION / ALERT_PUBLISH_PRICE_MATRIX),
   * 0xFFFFFFFF cancels the pending one (the RTDS cancellation carries
   * 0xFFFFFFFE in the Price Matrix: taken as a cancellation too). Answer: a
   * Default Response SUCCESS per component (RTDS GCS01b).
   */
  private setPrices(cmd: AcceptedCommand, fields: CommandFieldsOf<'GCS01b'>, header: GbzHeader): Execution {
    const ti = fields.tariffInformation;
    const pm = fields.priceMatrix;
    if (pm.commandIndex !== 0 || pm.totalNumberOfCommands !== 1)
      throw new PayloadShapeError(
        `Price Matrix command ${pm.commandIndex} of ${pm.totalNumberOfCommands}: one command only`,
      );
    if (pm.subPayloadControl > 1) throw new PayloadShapeError(`Sub-Payload Control ${pm.subPayloadControl}`);
    const info: GsmeTariffInformation = {
      issuerEventId: ti.issuerEventId,
      issuerTariffId: ti.issuerTariffId,
      tariffTypeChargingScheme: ti.tariffTypeChargingScheme,
      label: ti.tariffLabel,
      numberOfPriceTiersInUse: ti.numberOfPriceTiersInUse,
      numberOfBlockThresholdsInUse: ti.numberOfBlockThresholdsInUse,
      unitOfMeasure: ti.unitOfMeasure,
      currency: ti.currency,
      priceTrailingDigit: ti.priceTrailingDigit,
      standingCharge: ti.standingCharge,
      tierBlockMode: ti.tierBlockMode,
      blockThresholdMultiplier: ti.blockThresholdMultiplier,
      blockThresholdDivisor: ti.blockThresholdDivisor,
    };
    const matrix: GsmePriceMatrix = {
      issuerEventId: pm.issuerEventId,
      issuerTariffId: pm.issuerTariffId,
      subPayloadControl: pm.subPayloadControl,
      entries: pm.entries.map((e) => ({ tierBlockId: e.tierBlockId, price: e.price })),
    };
    const seq = sequences(header);
    const done: Record<string, string> = {};
    const plans = [
      { name: 'tariffInformation', commandId: 0x04, start: ti.startTime, cancel: [0xffffffff], value: info },
      {
        name: 'priceMatrix',
        commandId: 0x05,
        start: pm.startTime,
        cancel: [0xffffffff, 0xfffffffe],
        value: matrix,
      },
    ] as const;
    plans.forEach((x, i) => {
      const key = `Price 0x0${x.commandId}`;
      if ((x.cancel as readonly number[]).includes(x.start)) {
        done[x.name] = this.cancelFutureDated(key) ? 'cancelled' : 'nothing to cancel';
        return;
      }
      const at = x.start === 0 ? null : fromZigbeeTime(x.start);
      if (at !== null && at > this.deviceNow()) {
        this.acceptFutureDated({
          useCase: cmd.useCase!,
          key,
          messageCode: cmd.message.messageCode,
          originator: cmd.message.originator,
          counter: cmd.message.originatorCounter.toString(),
          executeAt: at,
          data: {
            price: x.name,
            value: x.value,
            cluster: CLUSTER.price,
            frameControl: header.components?.[i]?.frameControl ?? 0x09,
            commandId: x.commandId,
          },
        });
        done[x.name] = `scheduled ${new Date(at).toISOString()}`;
      } else {
        this.applyPrice(x.name, x.value);
        done[x.name] = 'applied';
      }
    });
    const components: GbzResponseComponent[] = plans.map((x) => ({
      cluster: 'price',
      command: 'defaultResponse',
      fields: { commandId: x.commandId, status: STATUS.success },
    }));
    const content = encodeResponse(
      'GCS01b',
      { components },
      { header: { components: seq.map((sequence) => ({ sequence })) } },
    );
    const states = Object.values(done);
    const outcome: Execution['outcome'] = states.includes('applied')
      ? 'applied'
      : states.some((s) => s.startsWith('scheduled'))
        ? 'scheduled'
        : 'cancelled';
    return { content, outcome, detail: done };
  }

  private applyPrice(
    name: 'tariffInformation' | 'priceMatrix',
    value: GsmeTariffInformation | GsmePriceMatrix,
  ): void {
    if (name === 'tariffInformation')
      this.state.price.tariffInformation = structuredClone(value as GsmeTariffInformation);
    else this.state.price.priceMatrix = structuredClone(value as GsmePriceMatrix);
    this.logEvent(0x8f0a); // Billing Data Log Updated: a price change is a billing event
  }

  // ------------------------------------------------------------------ valve

  /**
   * GCS39 arm / GCS32 close the valve (DUIS 7.3 / 7.1-gas): Metering Change
   * Supply (provider id, issuer event id, request time, implementation time,
   * proposed supply status 0 off / 1 off-armed / 2 on, control bits) ->
   * Supply Status Response. Enabling gas is a local action (backchannel.pressButton).
   */
  private changeSupply(
    useCase: 'GCS32' | 'GCS39',
    f: CommandFieldsOf<'GCS39'>['changeSupply'],
    seq: Sequences,
    to: 'armed' | 'disabled',
  ): Execution {
    const want = to === 'armed' ? 1 : 0;
    if (f.proposedSupplyStatus !== want)
      throw new PayloadShapeError(`proposed supply status ${f.proposedSupplyStatus}, expected ${want}`);
    const from = this.state.valve;
    this.state.valve = to;
    this.logEvent(to === 'armed' ? 0x8f32 : 0x8f57);
    return {
      content: this.reply(
        useCase,
        {
          cluster: 'metering',
          command: 'supplyStatusResponse',
          fields: {
            providerId: f.providerId,
            issuerEventId: f.issuerEventId,
            implementationDateTime: f.implementationDateTime,
            supplyStatus: f.proposedSupplyStatus,
          },
        },
        seq[0],
      ),
      outcome: 'applied',
      detail: { valve: { from, to } },
    };
  }

  // ------------------------------------------------------------------ clock

  /**
   * GCS28 (DUIS 6.11, ASN.1): SEQUENCE { validity start, validity end
   * GeneralizedTime }. The GSME adopts the CH time when it lies in the
   * interval; the response is SEQUENCE { its time, INTEGER 0 success | 2
   * outside the interval } (RTDS 6.11_GCS28).
   */
  private setClock(cmd: AcceptedCommand): Execution {
    const answer = (responseCode: number) =>
      encodeResponse(
        'GCS28',
        { deviceTime: generalizedTime(this.deviceNow()), responseCode },
        { originatorCounter: cmd.message.originatorCounter },
      );
    let start: number | null = null;
    let end: number | null = null;
    try {
      const f = decodeCommand('GCS28', cmd.message.content).fields;
      start = parseGeneralizedTime(f.validityIntervalStart);
      end = parseGeneralizedTime(f.validityIntervalEnd);
      if (start === null || end === null || end < start) throw new PayloadShapeError('validity interval');
    } catch (err) {
      if (!(err instanceof PayloadShapeError || err instanceof UseCaseShapeError)) throw err;
      return {
        content: answer(1),
        outcome: 'failed',
        detail: { error: err.message },
        alerts: [this.alertOf(0x8f1e)],
      };
    }
    const ch = this.networkTime();
    const ok = ch >= start && ch <= end;
    if (ok) this.setDeviceTime(ch, 'reliable');
    else this.logEvent(0x8f0c);
    return {
      content: answer(ok ? 0 : 2),
      outcome: ok ? 'applied' : 'failed',
      detail: ok
        ? { clock: new Date(ch).toISOString() }
        : { reason: 'CH time outside the validity interval' },
    };
  }

  // ------------------------------------------------------------------ future-dated

  protected executeFutureDated(entry: FutureDatedEntry): {
    ok: boolean;
    alert: { payload: Uint8Array; messageCode: number };
  } {
    if (entry.useCase === 'GCS01b') {
      const name = entry.data.price as 'tariffInformation' | 'priceMatrix';
      this.applyPrice(name, entry.data.value as GsmeTariffInformation | GsmePriceMatrix);
    } else this.applyPaymentMode(entry.data.mode as PaymentMode, entry.data.config as number);
    // RTDS 1.6_GCS03, 1.2.1_GCS01b 8F66: the alert names the Message Code, counter, cluster, frame control and command it ran
    const cluster = (entry.data.cluster as number | undefined) ?? CLUSTER.prepayment;
    const payload = encodeGbzAlert({
      alertCode: 0x8f66,
      alertTime: zigbeeTime(entry.executeAt),
      detail: {
        kind: 'future-dated-response',
        messageCode: entry.messageCode,
        originatorCounter: BigInt(entry.counter),
        cluster: zclCluster(cluster)?.name ?? 'prepayment',
        frameControl: entry.data.frameControl as number,
        commandId: entry.data.commandId as number,
      },
    });
    return { ok: true, alert: { payload, messageCode: MC_FUTURE_DATED_GBZ } };
  }

  // ------------------------------------------------------------------ state

  private logEvent(code: number): void {
    this.state.eventLog.push({ at: this.deviceNow(), code });
    if (this.state.eventLog.length > 100) this.state.eventLog.shift();
  }

  snapshot(): GsmeSnapshot {
    return { ...this.snapshotBase(), state: structuredClone(this.state) };
  }

  restore(s: GsmeSnapshot): void {
    // a snapshot from before a state field existed restores with that field's default
    this.state = { ...defaultGsmeState(), ...structuredClone(s.state) };
    this.restoreBase(s);
  }
}

/** The structural view of a payload (for the Default Responses of an unsupported or malformed command), or null. */
function structural(content: Uint8Array): GbzPayload | null {
  try {
    return decodeGbz(content, false);
  } catch {
    return null;
  }
}

/** The ZCL sequence numbers of a decoded command's components. */
function sequences(header: unknown): Sequences {
  return ((header as GbzHeader).components ?? []).map((c, i) => c.sequence ?? i);
}

function isSleepy(u: HanUplink): u is SleepyHanUplink {
  return typeof (u as Partial<SleepyHanUplink>).pollMailbox === 'function';
}
