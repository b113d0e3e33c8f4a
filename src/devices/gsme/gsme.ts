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
import { decodeDer, der, encodeDer } from '../../gbcs/payload/der.ts';
import {
  decodeGbz,
  encodeGbz,
  GBZ_PROFILE_ID,
  type GbzComponent,
  type GbzPayload,
  gbzComponent,
  gbzPayload,
} from '../../gbcs/payload/gbz.ts';
import { type ZclHeader, zcl } from '../../gbcs/payload/zcl.ts';
import { type Eui, toHex, u64be } from '../../runtime/bytes.ts';
import type { TimerHandle } from '../../runtime/clock.ts';
import type { HanUplink, SleepyHanUplink } from '../contracts.ts';
import {
  type Execution,
  type ExecutionContext,
  type FutureDatedEntry,
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
import type { AcceptedCommand } from '../security/device-security.ts';

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
}

/** An RTDS-like GSME (register 12345 x 1/1000 m3, emergency credit limit 10 pounds, threshold 2 pounds). */
export function defaultGsmeState(): GsmeState {
  return {
    registers: { currentSummationDelivered: 12345, multiplier: 1, divisor: 1000, unitOfMeasure: 1 },
    meterBalance: 23_894_000,
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
  };
}

const CLUSTER = { price: 0x0700, metering: 0x0702, prepayment: 0x0705 } as const;
const FC = {
  /** global, client -> server */
  globalToServer: 0x00,
  /** cluster-specific, client -> server */
  clusterToServer: 0x01,
  /** global, server -> client (RTDS PCS02 Default Response) */
  globalToClient: 0x08,
  /** cluster-specific, server -> client (RTDS CS01b) */
  clusterToClient: 0x09,
  /** global, server -> client, disable default response (RTDS GCS13a) */
  globalToClientNoDefault: 0x18,
  /** cluster-specific, server -> client, disable default response (RTDS GCS03) */
  clusterToClientNoDefault: 0x19,
} as const;

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
const ZT = { uint24: 0x22, uint48: 0x25, enum8: 0x30 } as const;

/** Price cluster commands of GCS01b (server to client). */
const PRICE_COMMAND = { publishTariffInformation: 0x04, publishPriceMatrix: 0x05 } as const;

/** Responses whose Grouping Header date-time carries the clock status (RTDS GCS13a/b/c, GCS14: 00 or 02); the others FF (RTDS CS01b, GCS01b, GCS03). */
const READ_USE_CASES_WITH_CLOCK_STATUS = new Set(
  ['GCS13a', 'GCS13b', 'GCS13c', 'GCS14'].map((u) => messageCodeForUseCase(u)!.code),
);

/** Message Code of the GBZ Future Dated Execution of Instruction Alert. */
const MC_FUTURE_DATED_GBZ = 0x00cd;

class PayloadShapeError extends Error {}

export class Gsme extends MeterDevice<GsmeState> {
  readonly deviceType = 'GSME' as const;
  protected state: GsmeState;
  readonly pollIntervalMs: number;
  private pollTimer: TimerHandle | null = null;
  private polling = false;

  /**
   * @param opts eui, clock, credentials, trustAnchors (see MeterOptions),
   *   `pollIntervalMs` (mailbox poll period) and `initialState` overriding
   *   parts of `defaultGsmeState()`. Polling starts when a SleepyHanUplink is attached.
   */
  constructor(opts: GsmeOptions) {
    super(opts, 'gsme');
    if (!(opts.pollIntervalMs > 0)) throw new RangeError('pollIntervalMs must be > 0');
    this.pollIntervalMs = opts.pollIntervalMs;
    this.state = { ...defaultGsmeState(), ...structuredClone(opts.initialState ?? {}) };
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
    });
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
  };

  // ------------------------------------------------------------------ dispatch

  protected execute(cmd: AcceptedCommand, ctx: ExecutionContext): Execution {
    const uc = cmd.useCase;
    if (uc === 'GCS28') return this.setClock(cmd);
    if (cmd.info?.payload === 'asn1' || cmd.info?.payload === 'dlms')
      return this.unsupportedPayloadFormat(uc);
    let p: GbzPayload;
    try {
      p = decodeGbz(cmd.message.content, false);
    } catch (err) {
      return this.malformedPayload(null, err);
    }
    try {
      switch (uc) {
        case 'GCS13a':
          return this.readRegisters(p, ctx);
        case 'CS01b':
        case 'PCS01':
          return this.topUp(cmd, p);
        case 'PCS02':
          return this.emergencyCredit(p);
        case 'GCS02':
        case 'GCS03':
          return this.changePaymentMode(cmd, p, uc === 'GCS03' ? 'prepayment' : 'credit');
        case 'GCS32':
        case 'GCS39':
          return this.changeSupply(p, uc === 'GCS39' ? 'armed' : 'disabled');
        case 'GCS01b':
          return this.setPrices(cmd, p);
        default:
          return this.unsupported(p, uc);
      }
    } catch (err) {
      if (err instanceof PayloadShapeError) return this.malformedPayload(p, err);
      throw err;
    }
  }

  private one(p: GbzPayload, cluster: number, frameControl: number, commandId: number): GbzComponent {
    if (p.components.length !== 1)
      throw new PayloadShapeError(`expected 1 GBZ component, got ${p.components.length}`);
    const c = p.components[0];
    if (
      c.clusterId !== cluster ||
      c.header.frameControl !== frameControl ||
      c.header.commandId !== commandId ||
      !c.payload
    )
      throw new PayloadShapeError(
        `component ${c.clusterId.toString(16)}/${c.header.frameControl}/${c.header.commandId}, expected ${cluster.toString(16)}/${frameControl}/${commandId}`,
      );
    return c;
  }

  private reply(clusterId: number, header: ZclHeader, payload: Uint8Array): Uint8Array {
    return encodeGbz(gbzPayload([gbzComponent(clusterId, header, payload)]));
  }

  /** Default Response per component (ZCL 2.5.12), e.g. UNSUP_CLUSTER_COMMAND. */
  private defaultResponses(p: GbzPayload | null, status: number): Uint8Array {
    const comps = (p?.components ?? []).map((c) =>
      gbzComponent(
        c.clusterId,
        { frameControl: FC.globalToClient, sequence: c.header.sequence, commandId: 0x0b },
        zcl.defaultResponse(c.header.commandId, status),
      ),
    );
    if (comps.length === 0)
      return encodeGbz({ profileId: GBZ_PROFILE_ID, componentCount: 0, components: [] });
    return encodeGbz(gbzPayload(comps));
  }

  private unsupported(p: GbzPayload, uc: string | null): Execution {
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
    return encodeGbz({
      profileId: GBZ_PROFILE_ID,
      componentCount: 0,
      alert: { code, time: zigbeeTime(atMs) },
      components: [],
    });
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

  // ------------------------------------------------------------------ reads

  /** GCS13a (RTDS 4.1.1): Read Attributes on Metering, response payload-encrypted for the business originator. */
  private readRegisters(p: GbzPayload, ctx: ExecutionContext): Execution {
    const c = this.one(p, CLUSTER.metering, FC.globalToServer, 0x00);
    const data = c.payload!;
    if (data.length === 0 || data.length % 2 !== 0) throw new PayloadShapeError('attribute id list');
    const r = this.state.registers;
    const values: Record<number, { dataType: number; value: number | bigint }> = {
      0: { dataType: ZT.uint48, value: BigInt(r.currentSummationDelivered) },
      768: { dataType: ZT.enum8, value: r.unitOfMeasure },
      769: { dataType: ZT.uint24, value: r.multiplier },
      770: { dataType: ZT.uint24, value: r.divisor },
    };
    const records: Array<{ attributeId: number; status?: number; value?: ReturnType<typeof zcl.value> }> = [];
    for (let i = 0; i < data.length; i += 2) {
      const id = data[i] | (data[i + 1] << 8);
      const v = values[id];
      records.push(
        v
          ? { attributeId: id, value: zcl.value(v.dataType, v.value) }
          : { attributeId: id, status: STATUS.unsupportedAttribute },
      );
    }
    const sealed = ctx.encrypt(zcl.readAttributesResponse(records));
    const comp: GbzComponent = {
      last: true,
      reservedControlBits: 0,
      clusterId: CLUSTER.metering,
      header: { frameControl: FC.globalToClientNoDefault, sequence: c.header.sequence, commandId: 0x01 },
      encrypted: {
        additionalHeaderControl: 0,
        additionalFrameCounter: 0,
        securityControl: sealed[0],
        invocationCounter: ((sealed[1] << 24) | (sealed[2] << 16) | (sealed[3] << 8) | sealed[4]) >>> 0,
        ciphertext: sealed.subarray(5, sealed.length - 12),
        mac: sealed.subarray(sealed.length - 12),
      },
    };
    return { content: encodeGbz(gbzPayload([comp])), outcome: 'read' };
  }

  // ------------------------------------------------------------------ prepayment

  /**
   * CS01b (DUIS 2.2) and PCS01 (PPMID): Consumer Top Up (originating device,
   * UTRN). The UTRN is the supplier's: for CS01b the command's counter is the
   * top-up counter; for PCS01 it is rebuilt from the UTRN (GBCS.md 5a).
   */
  private topUp(cmd: AcceptedCommand, p: GbzPayload): Execution {
    const c = this.one(p, CLUSTER.prepayment, FC.clusterToServer, 0x04);
    const d = c.payload!;
    if (d.length !== 22 || d[1] !== 20)
      throw new PayloadShapeError('Consumer Top Up: device, octet string(20)');
    const origin = d[0];
    const utrn = Buffer.from(d.subarray(2)).toString('latin1');
    const supplier =
      cmd.useCase === 'PCS01' ? this.security.trustAnchors.cell('supplier')?.eui : cmd.originator.business;
    const header = { frameControl: FC.clusterToClient, sequence: c.header.sequence, commandId: 0x03 };
    const refuse = (result: number, refusal: keyof typeof ALERT_FOR_TOP_UP_REFUSAL): Execution => ({
      content: this.reply(CLUSTER.prepayment, header, topUpResponse(result, -1, origin, -1)),
      outcome: 'failed',
      commit: refusal !== 'duplicate',
      detail: { utrn, refusal },
      alerts: [this.alertOf(ALERT_FOR_TOP_UP_REFUSAL[refusal])],
    });
    if (!supplier) return refuse(TOP_UP_RESULT.error, 'mac');
    const lastS = this.state.lastTopUpCounter[supplier];
    const last = lastS === undefined ? undefined : BigInt(lastS);
    const counter = cmd.useCase === 'PCS01' ? utrnCounterFromUtrn(utrn, last) : cmd.message.originatorCounter;
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
    this.logEvent(cmd.useCase === 'PCS01' ? 0x810e : 0x8f0a);
    return {
      content: this.reply(
        CLUSTER.prepayment,
        header,
        topUpResponse(TOP_UP_RESULT.accepted, r.valueMillipence, origin, this.state.meterBalance),
      ),
      outcome: 'applied',
      detail: { utrn, credit: r.valueMillipence, balance: this.state.meterBalance },
    };
  }

  /** PCS02: Select Available Emergency Credit (issue time, originating device) -> Default Response. */
  private emergencyCredit(p: GbzPayload): Execution {
    const c = this.one(p, CLUSTER.prepayment, FC.clusterToServer, 0x00);
    if (c.payload!.length !== 5) throw new PayloadShapeError('Select Available Emergency Credit payload');
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
        CLUSTER.prepayment,
        { frameControl: FC.globalToClient, sequence: c.header.sequence, commandId: 0x0b },
        zcl.defaultResponse(0x00, ok ? STATUS.success : STATUS.failure),
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
  private changePaymentMode(cmd: AcceptedCommand, p: GbzPayload, mode: PaymentMode): Execution {
    const c = this.one(p, CLUSTER.prepayment, FC.clusterToServer, 0x06);
    const d = c.payload!;
    if (d.length !== 18) throw new PayloadShapeError('Change Payment Mode payload');
    const dv = new DataView(d.buffer, d.byteOffset, d.length);
    const when = dv.getUint32(8, true);
    const config = dv.getUint16(12, true);
    if (((config & 0x02) !== 0) !== (mode === 'prepayment'))
      throw new PayloadShapeError(
        `payment control configuration 0x${config.toString(16)} does not fit ${cmd.useCase}`,
      );
    const ec = this.state.emergencyCredit;
    const w = new DataView(new ArrayBuffer(13));
    w.setUint8(0, this.state.friendlyCredit.enabled ? 1 : 0);
    w.setUint32(1, this.state.friendlyCredit.calendarId, true);
    w.setUint32(5, ec.limit, true);
    w.setUint32(9, ec.threshold, true);
    const content = this.reply(
      CLUSTER.prepayment,
      { frameControl: FC.clusterToClientNoDefault, sequence: c.header.sequence, commandId: 0x02 },
      new Uint8Array(w.buffer),
    );
    const useCase = cmd.useCase!;
    if (when === 0xffffffff) {
      const had = this.cancelFutureDated(useCase);
      return { content, outcome: 'cancelled', detail: { cancelled: had } };
    }
    const at = when === 0 ? null : fromZigbeeTime(when);
    if (at !== null && at > this.deviceNow()) {
      this.scheduleFutureDated({
        useCase,
        messageCode: cmd.message.messageCode,
        originator: cmd.message.originator,
        counter: cmd.message.originatorCounter.toString(),
        executeAt: at,
        data: { mode, config, commandId: 0x06, frameControl: c.header.frameControl },
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
  private setPrices(cmd: AcceptedCommand, p: GbzPayload): Execution {
    if (p.components.length !== 2)
      throw new PayloadShapeError(`GCS01b has 2 components, got ${p.components.length}`);
    const [ti, pm] = p.components;
    for (const [c, id] of [
      [ti, PRICE_COMMAND.publishTariffInformation],
      [pm, PRICE_COMMAND.publishPriceMatrix],
    ] as const) {
      if (
        c.clusterId !== CLUSTER.price ||
        c.header.frameControl !== FC.clusterToClient ||
        c.header.commandId !== id ||
        !c.payload
      )
        throw new PayloadShapeError(`GCS01b component ${id}: Price cluster command 0x0${id}`);
    }
    const info = parseTariffInformation(ti.payload!);
    const matrix = parsePriceMatrix(pm.payload!);
    const done: Record<string, string> = {};
    const plans = [
      {
        name: 'tariffInformation',
        component: ti,
        start: info.startTime,
        cancel: [0xffffffff],
        value: info.value,
      },
      {
        name: 'priceMatrix',
        component: pm,
        start: matrix.startTime,
        cancel: [0xffffffff, 0xfffffffe],
        value: matrix.value,
      },
    ] as const;
    for (const x of plans) {
      const key = `Price 0x0${x.component.header.commandId}`;
      if ((x.cancel as readonly number[]).includes(x.start)) {
        done[x.name] = this.cancelFutureDated(key) ? 'cancelled' : 'nothing to cancel';
        continue;
      }
      const at = x.start === 0 ? null : fromZigbeeTime(x.start);
      if (at !== null && at > this.deviceNow()) {
        this.scheduleFutureDated({
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
            frameControl: x.component.header.frameControl,
            commandId: x.component.header.commandId,
          },
        });
        done[x.name] = `scheduled ${new Date(at).toISOString()}`;
      } else {
        this.applyPrice(x.name, x.value);
        done[x.name] = 'applied';
      }
    }
    const content = encodeGbz(
      gbzPayload(
        p.components.map((c) =>
          gbzComponent(
            c.clusterId,
            // the Default Response goes the other way: client to server (RTDS GCS01b: frame control 00)
            { frameControl: FC.globalToServer, sequence: c.header.sequence, commandId: 0x0b },
            zcl.defaultResponse(c.header.commandId, STATUS.success),
          ),
        ),
      ),
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
  private changeSupply(p: GbzPayload, to: 'armed' | 'disabled'): Execution {
    const c = this.one(p, CLUSTER.metering, FC.clusterToServer, 0x0b);
    const d = c.payload!;
    if (d.length !== 18) throw new PayloadShapeError('Change Supply payload');
    const proposed = d[16];
    const want = to === 'armed' ? 1 : 0;
    if (proposed !== want)
      throw new PayloadShapeError(`proposed supply status ${proposed}, expected ${want}`);
    const from = this.state.valve;
    this.state.valve = to;
    this.logEvent(to === 'armed' ? 0x8f32 : 0x8f57);
    const out = new Uint8Array(13);
    out.set(d.subarray(0, 8), 0); // provider id, issuer event id
    out.set(d.subarray(12, 16), 8); // implementation date-time
    out[12] = proposed;
    return {
      content: this.reply(
        CLUSTER.metering,
        { frameControl: FC.clusterToClient, sequence: c.header.sequence, commandId: 0x0c },
        out,
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
    let start: number | null = null;
    let end: number | null = null;
    try {
      const n = decodeDer(cmd.message.content);
      const [a, b] = n.children ?? [];
      if (n.children?.length !== 2 || a.decoded?.kind !== 'time' || b.decoded?.kind !== 'time')
        throw new PayloadShapeError('GCS28 SEQUENCE of two GeneralizedTime');
      start = parseGeneralizedTime(a.decoded.value);
      end = parseGeneralizedTime(b.decoded.value);
      if (start === null || end === null || end < start) throw new PayloadShapeError('validity interval');
    } catch (err) {
      return {
        content: encodeDer(
          der.sequence(der.generalizedTime(generalizedTime(this.deviceNow())), der.integer(1)),
        ),
        outcome: 'failed',
        detail: { error: err instanceof Error ? err.message : String(err) },
        alerts: [this.alertOf(0x8f1e)],
      };
    }
    const ch = this.networkTime();
    // SECMP0038 3.1.1: the CH's time is adopted only while it is Reliable
    const reliable = this.networkTimeReliable();
    const ok = ch >= start && ch <= end && reliable;
    if (ok) this.setDeviceTime(ch, 'reliable');
    else this.logEvent(0x8f0c);
    return {
      content: encodeDer(
        der.sequence(der.generalizedTime(generalizedTime(this.deviceNow())), der.integer(ok ? 0 : 2)),
      ),
      outcome: ok ? 'applied' : 'failed',
      detail: ok
        ? { clock: new Date(ch).toISOString() }
        : { reason: reliable ? 'CH time outside the validity interval' : 'the CH time is Unreliable' },
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
    // RTDS 1.6_GCS03, 1.2.1_GCS01b 8F66: header (count 1, code, execution time) then 0E, Message Code, counter, cluster, frame control, command
    const cluster = (entry.data.cluster as number | undefined) ?? CLUSTER.prepayment;
    const body = new Uint8Array(15);
    body[0] = 0x0e;
    body[1] = entry.messageCode >> 8;
    body[2] = entry.messageCode & 0xff;
    body.set(u64be(BigInt(entry.counter)), 3);
    body[11] = cluster >> 8;
    body[12] = cluster & 0xff;
    body[13] = entry.data.frameControl as number;
    body[14] = entry.data.commandId as number;
    const payload = encodeGbz({
      profileId: GBZ_PROFILE_ID,
      componentCount: 1,
      alert: { code: 0x8f66, time: zigbeeTime(entry.executeAt) },
      components: [],
      alertBody: body,
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
    this.state = structuredClone(s.state);
    this.restoreBase(s);
  }
}

class ZclReader {
  private o = 0;
  constructor(private readonly b: Uint8Array) {}
  private need(n: number): void {
    if (this.o + n > this.b.length) throw new PayloadShapeError('ZCL payload too short');
  }
  u8(): number {
    this.need(1);
    return this.b[this.o++];
  }
  u16(): number {
    return this.u8() | (this.u8() << 8);
  }
  u24(): number {
    return this.u16() | (this.u8() << 16);
  }
  u32(): number {
    return (this.u16() | (this.u16() << 16)) >>> 0;
  }
  octets(): Uint8Array {
    const n = this.u8();
    this.need(n);
    const v = this.b.subarray(this.o, this.o + n);
    this.o += n;
    return v;
  }
  get remaining(): number {
    return this.b.length - this.o;
  }
  end(): void {
    if (this.o !== this.b.length) throw new PayloadShapeError('bytes after the ZCL payload');
  }
}

/** Publish Tariff Information (SE 1.4; RTDS GCS01b): its fields and Start Time. */
function parseTariffInformation(b: Uint8Array): { startTime: number; value: GsmeTariffInformation } {
  const r = new ZclReader(b);
  r.u32(); // Provider ID
  const issuerEventId = r.u32();
  const issuerTariffId = r.u32();
  const startTime = r.u32();
  const tariffTypeChargingScheme = r.u8();
  const label = r.octets();
  if (label.length > 24) throw new PayloadShapeError('Tariff Label over 24 octets');
  const value: GsmeTariffInformation = {
    issuerEventId,
    issuerTariffId,
    tariffTypeChargingScheme,
    label: toHex(label),
    numberOfPriceTiersInUse: r.u8(),
    numberOfBlockThresholdsInUse: r.u8(),
    unitOfMeasure: r.u8(),
    currency: r.u16(),
    priceTrailingDigit: r.u8(),
    standingCharge: r.u32(),
    tierBlockMode: r.u8(),
    blockThresholdMultiplier: r.u24(),
    blockThresholdDivisor: r.u24(),
  };
  r.end();
  return { startTime, value };
}

/** Publish Price Matrix (SE 1.4; RTDS GCS01b), one command (index 0 of 1): its entries and Start Time. */
function parsePriceMatrix(b: Uint8Array): { startTime: number; value: GsmePriceMatrix } {
  const r = new ZclReader(b);
  r.u32(); // Provider ID
  const issuerEventId = r.u32();
  const startTime = r.u32();
  const issuerTariffId = r.u32();
  const index = r.u8();
  const total = r.u8();
  if (index !== 0 || total !== 1)
    throw new PayloadShapeError(`Price Matrix command ${index} of ${total}: one command only`);
  const subPayloadControl = r.u8();
  if (subPayloadControl > 1) throw new PayloadShapeError(`Sub-Payload Control ${subPayloadControl}`);
  if (r.remaining % 5 !== 0) throw new PayloadShapeError('Price Matrix entries are 5 octets');
  const entries: GsmePriceMatrix['entries'] = [];
  while (r.remaining > 0) entries.push({ tierBlockId: r.u8(), price: r.u32() });
  return { startTime, value: { issuerEventId, issuerTariffId, subPayloadControl, entries } };
}

function isSleepy(u: HanUplink): u is SleepyHanUplink {
  return typeof (u as Partial<SleepyHanUplink>).pollMailbox === 'function';
}

/** Consumer Top Up Response payload: result, top up value, source, credit remaining (int32 LE; -1 = not applicable). */
function topUpResponse(result: number, value: number, source: number, remaining: number): Uint8Array {
  const w = new DataView(new ArrayBuffer(10));
  w.setUint8(0, result);
  w.setInt32(1, value, true);
  w.setUint8(5, source);
  w.setInt32(6, remaining, true);
  return new Uint8Array(w.buffer);
}
