/**
 * ESME emulator (electricity smart meter, SMETS2): a DLMS/COSEM device whose
 * use cases run on real GBCS bytes, after the shared security checks
 * (devices/security).
 *
 * Use cases executed (payloads shaped like the RTDS messages of the same use
 * case; each handler checks that the DLMS payload is exactly what its
 * Message Code allows, so a non-critical code cannot smuggle a critical
 * action: anything else is answered with an error and alert 0x8F1E):
 * - ECS17b  read import energy registers: Data Protection get_protected_attributes
 *           (class 30, 0-0:43.2.8.255, method 1), registers payload-encrypted for
 *           the business originator;
 * - ECS45   read supply (load switch) status: Disconnect control (70) attr 3;
 * - ECS52   read firmware version: Data (1) 0-0:0.2.1.255 attr 2;
 * - ECS82   read meter balance: Credit (112) 0-0:19.10.0.255 attr 2;
 * - CS01a   prepayment top-up: Token gateway (115) 0-0:19.40.0.255 method 1 with the UTRN;
 * - ECS02 / ECS03  payment mode to credit / prepayment: Account (111) attrs 2, 11, 13
 *           (13 = activation time: zero now, a date future-dated, all-FF cancel);
 * - ECS42 / ECS43 / ECS44  enable / disable / arm supply: Script table (9)
 *           0-0:10.0.106.255 execute script 53 / 52 / 54 (52 and 54 from RTDS, 53 inferred);
 * - ECS70   set clock: Clock (8) preset_adjusting_time + adjust_to_preset_time;
 * - ECS01b  set prices of the primary element (DUIS 1.2.1): Charge (113) 0-0:19.20.4.255
 *           (standing charge) and 0-0:19.20.0.255 (TOU and block prices), passive unit
 *           charge (attr 6) and activation time (attr 7: zero now, a date future-dated
 *           with an 8F66 per Charge when it runs, all-FF cancel);
 * - ECS24   read tariff data (DUIS 4.11.1): the active unit charges (attr 5) of the two
 *           Charges and the other tariff objects, held as named values (tariff.ts);
 * - CS06    activate firmware (ASN.1): hash of a previously transferred image,
 *           optional execution date-time (9999-12-31T23:59:59Z cancels).
 * The commands of the use cases above are read by named fields from the
 * use-case catalogue (src/gbcs/use-cases) and answered with encodeResponse:
 * objects, OBIS codes and shapes come from its one table.
 *
 * Every other use case passes the same security checks and is answered with a
 * DLMS error response (result object-unavailable for each request).
 */

import { decodeDer, der, encodeDer } from '../../gbcs/payload/der.ts';
import {
  type AccessRequestSpec,
  type AccessResponseSpec,
  type DlmsAccessRequest,
  type DlmsData,
  decodeDlmsApdu,
  dlms,
  encodeDlmsApdu,
  encodeDlmsData,
  gbcsInvokeId,
  parseObis,
} from '../../gbcs/payload/dlms.ts';
import { formatCosemDateTimeText, parseCosemDateTimeText } from '../../gbcs/use-cases/cosem-text.ts';
import {
  COSEM_OBJECTS,
  type CommandFieldsOf,
  decodeCommand,
  encodeResponse,
  type UseCaseId,
} from '../../gbcs/use-cases/index.ts';
import { bytesEqual, type Eui, fromHex, toHex, u64be } from '../../runtime/bytes.ts';
import {
  type Execution,
  type ExecutionContext,
  type FutureDatedEntry,
  MeterDevice,
  type MeterOptions,
  type MeterSnapshotBase,
} from '../meter-common/meter-device.ts';
import { ALERT_FOR_TOP_UP_REFUSAL, checkTopUp, rememberUtrn } from '../meter-common/prepayment.ts';
import {
  CLOCK_STATUS_DOUBTFUL,
  cosemDateTime,
  generalizedTime,
  isWildcardDateTime,
  isZeroDateTime,
  parseCosemDateTime,
  parseGeneralizedTime,
} from '../meter-common/time.ts';
import type { AcceptedCommand } from '../security/device-security.ts';
import { migrateEsmeTariffState, migrateFutureDated } from './legacy-state.ts';
import {
  CHARGES,
  type ChargeObject,
  checkedUnitCharge,
  defaultTariff,
  type EsmeTariff,
  type UnitCharge,
  UnitChargeShapeError,
} from './tariff.ts';

/** Supply state (GBCS: load switch Enabled / Disabled / Armed). */
export type SupplyState = 'enabled' | 'disabled' | 'armed';
export type PaymentMode = 'credit' | 'prepayment';

/** Everything an ESME command can change or a read can report. JSON-safe (snapshot). */
export interface EsmeState {
  registers: {
    activeImportWh: number;
    reactiveImportVarh: number;
    activeExportWh: number;
    reactiveExportVarh: number;
  };
  /** meter balance in milli-pence (1/100000 GBP) */
  meterBalance: number;
  /** maximum meter balance threshold (GBCS 8F47 / 8F5B), milli-pence */
  maxMeterBalance: number;
  /** aggregated debt, milli-pence */
  debt: number;
  paymentMode: PaymentMode;
  /** disablement threshold (ECS03, class 9000 attr 4) */
  disablementThreshold: number;
  supply: SupplyState;
  firmware: {
    /** running firmware version, hex (4 bytes in RTDS: 0123ABCD) */
    version: string;
    /** an image transferred over OTA and verified, waiting for activation (CS06) */
    pendingImage: { hash: string; version: string } | null;
  };
  /** last accepted top-up (UTRN) counter per supplier, decimal */
  lastTopUpCounter: Record<Eui, string>;
  /** the last accepted UTRNs (duplicate detection) */
  recentUtrns: string[];
  /** device event log (GBCS event codes) */
  eventLog: Array<{ at: number; code: number }>;
  /**
   * the tariff ECS24 reads, as named values by catalogue object and attribute
   * (tariff.ts): the Charges' active unit charges (attr 5), calendar, special
   * days, block thresholds...
   */
  tariff: EsmeTariff;
}

export interface EsmeSnapshot extends MeterSnapshotBase {
  state: EsmeState;
}

export interface EsmeOptions extends MeterOptions {
  initialState?: Partial<EsmeState>;
}

/** The state an RTDS ESME shows in the reference responses (registers 10 Wh / 10 varh, balance 250000...). */
export function defaultEsmeState(): EsmeState {
  return {
    registers: { activeImportWh: 10, reactiveImportVarh: 10, activeExportWh: 10, reactiveExportVarh: 20 },
    meterBalance: 250_000,
    maxMeterBalance: 100_000_000,
    debt: 0,
    paymentMode: 'credit',
    disablementThreshold: 0,
    supply: 'enabled',
    firmware: { version: '0123ABCD', pendingImage: null },
    lastTopUpCounter: {},
    recentUtrns: [],
    eventLog: [],
    tariff: defaultTariff(),
  };
}

/**
 * The use cases whose command this ESME reads by named fields from the
 * use-case catalogue (src/gbcs/use-cases: objects, OBIS and shapes in one
 * table).
 */
const NAMED = new Set<string>([
  'ECS17b',
  'ECS45',
  'ECS52',
  'ECS82',
  'CS01a',
  'ECS02',
  'ECS03',
  'ECS42',
  'ECS43',
  'ECS44',
  'ECS70',
  'ECS01b',
  'ECS24',
]);

/** The ECS17b register list object (GBCS: 0-0:94.44.34.10 attribute 2). */
const IMPORT_REGISTERS = '0-0:94.44.34.10';

/** Script ids of the load switch script table (RTDS ECS43 = 52, ECS44 = 54; ECS42 = 53 inferred). */
export const SUPPLY_SCRIPT: Readonly<Record<'ECS42' | 'ECS43' | 'ECS44', { id: number; to: SupplyState }>> = {
  ECS42: { id: 53, to: 'enabled' },
  ECS43: { id: 52, to: 'disabled' },
  ECS44: { id: 54, to: 'armed' },
};

/** DLMS Data-Access-Result / Action-Result codes used in responses (Green Book). */
const RESULT = { success: 0, objectUnavailable: 11, typeUnmatched: 12, otherReason: 250 } as const;

/** GBCS Message Code of the Future Dated Execution of Instruction Alert (DLMS) and of firmware activation. */
const MC_FUTURE_DATED_DLMS = 0x00cc;
const MC_FUTURE_DATED_FIRMWARE = 0x00ca;

class PayloadShapeError extends Error {}

export class Esme extends MeterDevice<EsmeState> {
  readonly deviceType = 'ESME' as const;
  protected state: EsmeState;

  /**
   * @param opts eui, clock, credentials, trustAnchors (see MeterOptions), and
   *   `initialState` overriding parts of `defaultEsmeState()`.
   */
  constructor(opts: EsmeOptions) {
    super(opts, 'esme');
    this.state = { ...defaultEsmeState(), ...structuredClone(opts.initialState ?? {}) };
  }

  /** A copy of the meter's state (for tests and the automation API). */
  get stateView(): EsmeState {
    return structuredClone(this.state);
  }

  // ------------------------------------------------------------------ test backchannel

  /** Side door for tests: what a person, the OTA transfer or the physical world does. */
  readonly backchannel = {
    /** A firmware image arrived over OTA and was verified: CS06 may now activate it. */
    loadFirmwareImage: (hash: Uint8Array, version: Uint8Array): void => {
      this.state.firmware.pendingImage = { hash: toHex(hash), version: toHex(version) };
    },
    /** Consumption: energy flows through the meter. */
    consume: (wh: number): void => {
      this.state.registers.activeImportWh += wh;
    },
    setTimeStatus: (s: 'reliable' | 'unreliable'): void => {
      this.timeStatus = s;
    },
  };

  // ------------------------------------------------------------------ dispatch

  protected execute(cmd: AcceptedCommand, ctx: ExecutionContext): Execution {
    const m = cmd.message;
    const uc = cmd.useCase;
    if (uc === 'CS06') return this.activateFirmware(cmd);
    if (cmd.info?.payload === 'asn1' || cmd.info?.payload === 'gbz') return this.unsupportedPayloadFormat(uc);
    let req: DlmsAccessRequest;
    try {
      const apdu = decodeDlmsApdu(m.content);
      if (apdu.apdu !== 'access-request') throw new PayloadShapeError(`${apdu.apdu} is not a command`);
      req = apdu;
    } catch (err) {
      return this.malformedPayload(cmd, err);
    }
    try {
      if (uc && NAMED.has(uc)) return this.executeNamed(cmd, req, ctx, uc as UseCaseId);
      return this.unsupported(req, uc);
    } catch (err) {
      if (err instanceof PayloadShapeError || err instanceof UnitChargeShapeError)
        return this.malformedPayload(cmd, err, req);
      throw err;
    }
  }

  /** The use cases read by named fields: a payload that does not match its row is malformed (8F1E). */
  private executeNamed(
    cmd: AcceptedCommand,
    req: DlmsAccessRequest,
    ctx: ExecutionContext,
    uc: UseCaseId,
  ): Execution {
    let fields: unknown;
    try {
      fields = decodeCommand(uc, cmd.message.content).fields;
    } catch (err) {
      return this.malformedPayload(cmd, err, req);
    }
    const f = fields as never;
    switch (uc) {
      case 'ECS17b':
        return this.readImportRegisters(cmd, req, f, ctx);
      case 'ECS45':
        return this.read(req, 'ECS45', {
          supplyState: { controlState: { result: 'success', value: supplyControlState(this.state.supply) } },
        });
      case 'ECS52':
        return this.read(req, 'ECS52', {
          firmwareVersion: { value: { result: 'success', value: this.state.firmware.version.toUpperCase() } },
        });
      case 'ECS82':
        return this.read(req, 'ECS82', {
          meterBalance: { currentCreditAmount: { result: 'success', value: this.state.meterBalance } },
        });
      case 'CS01a':
        return this.topUp(cmd, req, f);
      case 'ECS02':
      case 'ECS03':
        return this.paymentMode(cmd, req, uc, f);
      case 'ECS42':
      case 'ECS43':
      case 'ECS44':
        return this.supplyControl(req, uc, f);
      case 'ECS70':
        return this.setClock(req, f);
      case 'ECS01b':
        return this.setPrices(cmd, req, f);
      case 'ECS24':
        return this.readTariff(req, f);
      default:
        return this.unsupported(req, uc);
    }
  }

  // ------------------------------------------------------------------ responses

  /** A response built from named fields (the catalogue row gives the shape); invoke-id echoed. */
  private named(req: DlmsAccessRequest, uc: UseCaseId, fields: unknown): Uint8Array {
    return encodeResponse(uc, fields as never, { header: { invoke: req.invoke, dateTime: '' } });
  }

  /** Every access of a decoded command answered with one result (sets and actions). */
  private allResults(
    fields: Record<string, Record<string, unknown>>,
    result: string,
  ): Record<string, Record<string, { result: string }>> {
    return Object.fromEntries(
      Object.entries(fields).map(([o, ms]) => [
        o,
        Object.fromEntries(Object.keys(ms).map((m) => [m, { result }])),
      ]),
    );
  }

  private read(
    req: DlmsAccessRequest,
    uc: 'ECS45' | 'ECS52' | 'ECS82' | 'ECS24',
    fields: unknown,
  ): Execution {
    return { content: this.named(req, uc, fields), outcome: 'read' };
  }

  private response(req: DlmsAccessRequest, data: DlmsData[], results: AccessResponseSpec[]): Uint8Array {
    return encodeDlmsApdu({
      apdu: 'access-response',
      invoke: req.invoke,
      dateTime: new Uint8Array(0),
      data,
      results,
    });
  }

  private failAll(req: DlmsAccessRequest, result: number): Uint8Array {
    return this.response(
      req,
      req.requests.map(() => dlms.null()),
      req.requests.map((s) => ({ kind: responseKind(s), result })),
    );
  }

  private unsupported(req: DlmsAccessRequest, uc: string | null): Execution {
    return {
      content: this.failAll(req, RESULT.objectUnavailable),
      outcome: 'unsupported',
      detail: { useCase: uc, note: 'use case not supported by this emulator' },
    };
  }

  /** The payload is not what the Message Code allows: error response and alert 0x8F1E (integrity of content). */
  private malformedPayload(cmd: AcceptedCommand, err: unknown, req?: DlmsAccessRequest): Execution {
    const content = req
      ? this.failAll(req, RESULT.typeUnmatched)
      : encodeDlmsApdu({
          apdu: 'access-response',
          invoke: gbcsInvokeId(cmd.message.originatorCounter),
          dateTime: new Uint8Array(0),
          data: [],
          results: [],
        });
    return {
      content,
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

  protected encodeSimpleAlert(code: number, atMs: number): Uint8Array {
    // GCA/GNCA DLMS shape (RTDS NA_GCA-DLMS): data-notification { alert code, date-time }
    return encodeDlmsApdu({
      apdu: 'data-notification',
      invoke: gbcsInvokeId(this.security.peekNextOwnCounter()),
      dateTime: new Uint8Array(0),
      body: dlms.struct(dlms.u16(code), dlms.octets(cosemDateTime(atMs))),
    });
  }

  /** RTDS form (clock status FF, not specified) while Reliable; 02 "doubtful" while Unreliable (SECMP0038 3.1.1). */
  protected headerDateTime(): Uint8Array {
    return cosemDateTime(this.deviceNow(), this.timeStatus === 'reliable' ? 0xff : CLOCK_STATUS_DOUBTFUL);
  }

  // ------------------------------------------------------------------ reads

  /**
   * ECS17b (RTDS 4.1.1): get_protected_attributes of the import register list
   * 0-0:94.44.34.10 attr 2; the response echoes the protection parameters
   * with originator and recipient swapped and carries the register values
   * payload-encrypted for the business originator.
   */
  private readImportRegisters(
    cmd: AcceptedCommand,
    req: DlmsAccessRequest,
    fields: CommandFieldsOf<'ECS17b'>,
    ctx: ExecutionContext,
  ): Execution {
    const { objectList, protectionParameters } = fields.protectedReadImportEnergy.getProtectedAttributes;
    const values: DlmsData[] = [];
    for (const o of objectList) {
      if (o.classId !== 1 || o.logicalName !== IMPORT_REGISTERS || o.attributeIndex !== 2)
        throw new PayloadShapeError('ECS17b reads only the import register list');
      const r = this.state.registers;
      values.push(
        dlms.struct(
          dlms.u32(r.activeImportWh),
          dlms.struct(dlms.i8(0), dlms.enum(30)),
          dlms.u32(r.reactiveImportVarh),
          dlms.struct(dlms.i8(0), dlms.enum(32)),
        ),
      );
    }
    const plaintext = encodeDlmsData(dlms.struct(...values));
    // RTDS ECS17b: the response echoes the protection parameters with originator and recipient swapped
    const swapped = protectionParameters.map((p) => ({
      ...p,
      protectionOptions: {
        ...p.protectionOptions,
        originatorSystemTitle: p.protectionOptions.recipientSystemTitle,
        recipientSystemTitle: p.protectionOptions.originatorSystemTitle,
      },
    }));
    const encrypted = ctx.encrypt(plaintext);
    return {
      content: this.named(req, 'ECS17b', {
        protectedReadImportEnergy: {
          getProtectedAttributes: {
            result: 'success',
            value: { protectionParameters: swapped, protectedAttributes: toHex(encrypted) },
          },
        },
      }),
      outcome: 'read',
      detail: { business: cmd.originator.business },
    };
  }

  // ------------------------------------------------------------------ prepayment

  /** CS01a (DUIS 2.2): apply a UTRN (GBCS.md 5a). */
  private topUp(cmd: AcceptedCommand, req: DlmsAccessRequest, fields: CommandFieldsOf<'CS01a'>): Execution {
    const utrn = fields.tokenGateway.enter;
    if (utrn.length !== 20) throw new PayloadShapeError('UTRN octet-string(20)');
    const supplier = cmd.originator.business;
    const last = this.state.lastTopUpCounter[supplier];
    const r = checkTopUp({
      security: this.security.securityContext,
      utrn,
      supplier,
      device: this.eui,
      counter: cmd.message.originatorCounter,
      lastAccepted: last === undefined ? undefined : BigInt(last),
      balanceMillipence: this.state.meterBalance,
      maxBalanceMillipence: this.state.maxMeterBalance,
      recent: this.state.recentUtrns,
    });
    if (!r.ok)
      return {
        content: this.named(req, 'CS01a', { tokenGateway: { enter: { result: 'other-reason' } } }),
        outcome: 'failed',
        commit: r.refusal !== 'duplicate',
        detail: { utrn, refusal: r.refusal },
        alerts: [this.alertOf(ALERT_FOR_TOP_UP_REFUSAL[r.refusal])],
      };
    this.state.meterBalance += r.valueMillipence;
    this.state.lastTopUpCounter[supplier] = r.counter.toString();
    this.state.recentUtrns = rememberUtrn(this.state.recentUtrns, utrn);
    this.logEvent(0x810e);
    return {
      content: this.named(req, 'CS01a', { tokenGateway: { enter: { result: 'success' } } }),
      outcome: 'applied',
      detail: { utrn, credit: r.valueMillipence, balance: this.state.meterBalance },
    };
  }

  /**
   * ECS02 / ECS03 (DUIS 1.6): Account attr 2 (mode), 11 (credit/charge
   * configuration), 13 (activation time); ECS03 adds the disablement
   * threshold (class 9000 attrs 4 and 6). Activation time zero: now; a date:
   * future-dated (8F66/8F67 when it runs); all-FF: cancel the pending change.
   */
  private paymentMode(
    cmd: AcceptedCommand,
    req: DlmsAccessRequest,
    uc: 'ECS02' | 'ECS03',
    fields: CommandFieldsOf<'ECS02'> | CommandFieldsOf<'ECS03'>,
  ): Execution {
    const mode: PaymentMode = uc === 'ECS02' ? 'credit' : 'prepayment';
    const wanted = mode === 'credit' ? 1 : 2;
    if (fields.account.accountModeAndStatus.paymentMode !== wanted)
      throw new PayloadShapeError(`account mode must be ${wanted} for ${cmd.useCase}`);
    const threshold =
      'prepaymentConfiguration' in fields ? fields.prepaymentConfiguration.disablementThreshold : undefined;
    const when = { value: parseCosemDateTimeText(fields.account.accountActivationTime) };
    const ok = this.named(req, uc, this.allResults(fields, 'success'));
    const useCase = cmd.useCase!;
    if (isWildcardDateTime(when.value)) {
      const had = this.cancelFutureDated(useCase);
      return { content: ok, outcome: 'cancelled', detail: { cancelled: had } };
    }
    const at = isZeroDateTime(when.value) ? null : parseCosemDateTime(when.value);
    if (!isZeroDateTime(when.value) && at === null)
      throw new PayloadShapeError('activation time not a date-time');
    if (at !== null && at > this.deviceNow()) {
      this.scheduleFutureDated({
        useCase,
        messageCode: cmd.message.messageCode,
        originator: cmd.message.originator,
        counter: cmd.message.originatorCounter.toString(),
        executeAt: at,
        data: { mode, threshold: threshold ?? null, executionTime: toHex(when.value) },
      });
      return { content: ok, outcome: 'scheduled', detail: { executeAt: new Date(at).toISOString() } };
    }
    this.applyPaymentMode(mode, threshold);
    return { content: ok, outcome: 'applied', detail: { paymentMode: mode } };
  }

  private applyPaymentMode(mode: PaymentMode, threshold: number | undefined | null): void {
    this.state.paymentMode = mode;
    if (threshold !== undefined && threshold !== null) this.state.disablementThreshold = threshold;
    this.logEvent(mode === 'credit' ? 0x8f0a : 0x8f0a); // Billing Data Log Updated on a mode change
  }

  // ------------------------------------------------------------------ prices

  /**
   * ECS01b (DUIS 1.2.1): set the passive unit charge (attr 6) of the standing
   * charge and primary price Charges, then their activation times (attr 7).
   * Per Charge (Blue Book class 113): activation time zero, or a time that
   * has come, makes the passive unit charge active now; a later time
   * future-dates it (8F66 for that Charge when it runs, RTDS 1.2.1_ECS01b
   * ALERT_STANDING_CHARGE / ALERT_PRICE_MATRIX); all-FF cancels the pending
   * activation. Response: a null and a success per set (RTDS ECS01b).
   */
  private setPrices(
    cmd: AcceptedCommand,
    req: DlmsAccessRequest,
    fields: CommandFieldsOf<'ECS01b'>,
  ): Execution {
    const plans = CHARGES.map((object) => {
      const unitCharge = checkedUnitCharge(fields[object].unitChargePassive);
      const when = parseCosemDateTimeText(fields[object].unitChargeActivationTime);
      const at = parseCosemDateTime(when);
      if (!isWildcardDateTime(when) && !isZeroDateTime(when) && at === null)
        throw new PayloadShapeError('unit_charge_activation_time not a date-time');
      return { object, unitCharge, when, at };
    });
    const content = this.named(req, 'ECS01b', this.allResults(fields, 'success'));
    const done: Record<string, string> = {};
    for (const p of plans) {
      const key = chargeKey(p.object);
      if (isWildcardDateTime(p.when)) {
        done[p.object] = this.cancelFutureDated(key) ? 'cancelled' : 'nothing to cancel';
      } else if (p.at !== null && p.at > this.deviceNow()) {
        this.scheduleFutureDated({
          useCase: cmd.useCase!,
          key,
          messageCode: cmd.message.messageCode,
          originator: cmd.message.originator,
          counter: cmd.message.originatorCounter.toString(),
          executeAt: p.at,
          data: { object: p.object, unitCharge: p.unitCharge, executionTime: toHex(p.when) },
        });
        done[p.object] = `scheduled ${new Date(p.at).toISOString()}`;
      } else {
        this.activateCharge(p.object, p.unitCharge);
        done[p.object] = 'applied';
      }
    }
    const states = Object.values(done);
    const outcome: Execution['outcome'] = states.includes('applied')
      ? 'applied'
      : states.some((x) => x.startsWith('scheduled'))
        ? 'scheduled'
        : 'cancelled';
    return { content, outcome, detail: done };
  }

  /** unit_charge_passive becomes unit_charge_active (Charge class 113 activation). */
  private activateCharge(object: ChargeObject, unitCharge: UnitCharge): void {
    this.state.tariff[object].unitChargeActive = structuredClone(unitCharge);
    this.logEvent(0x8f0a); // Billing Data Log Updated: a price change is a billing event
  }

  /**
   * ECS24 (DUIS 4.11.1): read the tariff: every get of the ECS24 row (the
   * row fixes the list: a command reading anything else is malformed, 8F1E)
   * answered from the named tariff state; an attribute the state lacks is
   * object-unavailable.
   */
  private readTariff(req: DlmsAccessRequest, fields: CommandFieldsOf<'ECS24'>): Execution {
    const held = this.state.tariff as unknown as Record<string, Record<string, unknown> | undefined>;
    const response = Object.fromEntries(
      Object.entries(fields).map(([object, members]) => [
        object,
        Object.fromEntries(
          Object.keys(members).map((member) => {
            const value = held[object]?.[member];
            return [
              member,
              value === undefined ? { result: 'object-unavailable' } : { result: 'success', value },
            ];
          }),
        ),
      ]),
    );
    return this.read(req, 'ECS24', response);
  }

  // ------------------------------------------------------------------ supply

  /** ECS42 / ECS43 / ECS44 (DUIS 7.1 / 7.2 / 7.3): execute the load switch script. */
  private supplyControl(
    req: DlmsAccessRequest,
    uc: 'ECS42' | 'ECS43' | 'ECS44',
    fields: CommandFieldsOf<'ECS43'>,
  ): Execution {
    const want = SUPPLY_SCRIPT[uc];
    if (fields.disconnectControlScripts.execute !== want.id)
      throw new PayloadShapeError(`${uc} executes script ${want.id}`);
    const from = this.state.supply;
    this.state.supply = want.to;
    this.logEvent(want.to === 'armed' ? 0x8f32 : want.to === 'disabled' ? 0x8f57 : 0x8f35);
    return {
      content: this.named(req, uc, { disconnectControlScripts: { execute: { result: 'success' } } }),
      outcome: 'applied',
      detail: { supply: { from, to: want.to } },
    };
  }

  // ------------------------------------------------------------------ clock

  /**
   * ECS70 (DUIS 6.11): Clock attr 9 (time source), preset_adjusting_time
   * (preset, validity start, validity end), adjust_to_preset_time, then read
   * time and status. A wildcard preset means "the Communications Hub's
   * time": the ESME adopts it if it lies within the validity interval
   * (interpretation documented in docs/devices.md); a specified preset is
   * applied if the device's own time lies within the interval (Blue Book).
   */
  private setClock(req: DlmsAccessRequest, fields: CommandFieldsOf<'ECS70'>): Execution {
    const preset = fields.clock.presetAdjustingTime;
    const [p, s, e] = [preset.presetTime, preset.validityIntervalStart, preset.validityIntervalEnd].map(
      parseCosemDateTimeText,
    ) as [Uint8Array, Uint8Array, Uint8Array];
    const start = parseCosemDateTime(s);
    const end = parseCosemDateTime(e);
    if (start === null || end === null || end < start) throw new PayloadShapeError('validity interval');
    let target: number | null;
    if (isWildcardDateTime(p)) {
      // SECMP0038 3.1.1: the CH's time is adopted only while it is Reliable
      const ch = this.networkTime();
      target = ch >= start && ch <= end && this.networkTimeReliable() ? ch : null;
    } else {
      const presetTime = parseCosemDateTime(p);
      const own = this.deviceNow();
      target = presetTime !== null && own >= start && own <= end ? presetTime : null;
    }
    if (target !== null) this.setDeviceTime(target, 'reliable');
    const status = this.timeStatus === 'reliable' ? 0 : CLOCK_STATUS_DOUBTFUL;
    const content = this.named(req, 'ECS70', {
      clock: {
        clockBase: { result: 'success' },
        presetAdjustingTime: { result: 'success' },
        adjustToPresetTime: { result: target === null ? 'other-reason' : 'success' },
        time: { result: 'success', value: formatCosemDateTimeText(cosemDateTime(this.deviceNow())) },
        status: { result: 'success', value: status },
      },
    });
    if (target === null) {
      this.logEvent(0x8f0c); // Clock not adjusted
      return {
        content,
        outcome: 'failed',
        detail: {
          reason: this.networkTimeReliable()
            ? 'time outside the validity interval'
            : 'the CH time is Unreliable (SECMP0038 3.1.1)',
        },
      };
    }
    return { content, outcome: 'applied', detail: { clock: new Date(target).toISOString() } };
  }

  // ------------------------------------------------------------------ firmware

  /**
   * CS06 (DUIS 11.3, ASN.1): SEQUENCE { OCTET STRING(32) image hash, INTEGER,
   * [GeneralizedTime execution time] }. Immediate: SEQUENCE { INTEGER 0
   * success | 1 failure, OCTET STRING running version }; future-dated or
   * cancelled (9999-12-31T23:59:59Z): NULL (RTDS 11.3_CS06).
   */
  private activateFirmware(cmd: AcceptedCommand): Execution {
    let hash: Uint8Array;
    let when: number | null = null;
    let cancel = false;
    try {
      const node = decodeDer(cmd.message.content);
      const ch = node.children;
      if (!ch || ch.length < 2 || ch.length > 3) throw new PayloadShapeError('CS06 SEQUENCE of 2 or 3');
      if (ch[0].decoded?.kind !== 'octet-string' || ch[0].value.length !== 32)
        throw new PayloadShapeError('firmware hash OCTET STRING(32)');
      if (ch[1].decoded?.kind !== 'integer') throw new PayloadShapeError('CS06 INTEGER');
      hash = ch[0].value;
      if (ch[2]) {
        if (ch[2].decoded?.kind !== 'time') throw new PayloadShapeError('execution GeneralizedTime');
        const t = ch[2].decoded.value;
        if (t === '99991231235959Z') cancel = true;
        else {
          when = parseGeneralizedTime(t);
          if (when === null) throw new PayloadShapeError('execution time');
        }
      }
    } catch (err) {
      return {
        content: encodeDer(der.null()),
        outcome: 'failed',
        detail: { error: err instanceof Error ? err.message : String(err) },
        alerts: [this.alertOf(0x8f1e)],
      };
    }
    if (cancel) {
      const had = this.cancelFutureDated('CS06');
      return { content: encodeDer(der.null()), outcome: 'cancelled', detail: { cancelled: had } };
    }
    if (when !== null && when > this.deviceNow()) {
      this.scheduleFutureDated({
        useCase: 'CS06',
        messageCode: cmd.message.messageCode,
        originator: cmd.message.originator,
        counter: cmd.message.originatorCounter.toString(),
        executeAt: when,
        data: { hash: toHex(hash) },
      });
      return {
        content: encodeDer(der.null()),
        outcome: 'scheduled',
        detail: { executeAt: new Date(when).toISOString() },
      };
    }
    const ok = this.activate(hash);
    return {
      content: encodeDer(
        der.sequence(der.integer(ok ? 0 : 1), der.octetString(fromHex(this.state.firmware.version))),
      ),
      outcome: ok ? 'applied' : 'failed',
      detail: { firmware: this.state.firmware.version },
    };
  }

  private activate(hash: Uint8Array): boolean {
    const p = this.state.firmware.pendingImage;
    if (!p || !bytesEqual(fromHex(p.hash), hash)) {
      this.logEvent(0x8f1c); // Firmware Verification Failed
      return false;
    }
    this.state.firmware = { version: p.version, pendingImage: null };
    this.logEvent(0x8f43); // Change in the executing Firmware version
    return true;
  }

  // ------------------------------------------------------------------ future-dated

  protected executeFutureDated(entry: FutureDatedEntry): {
    ok: boolean;
    alert: { payload: Uint8Array; messageCode: number };
  } {
    const counter = BigInt(entry.counter);
    if (entry.useCase === 'CS06') {
      const ok = this.activate(fromHex(String(entry.data.hash)));
      // RTDS 11.3_CS06 8F66/8F67: SEQUENCE { code, execution time, counter, SEQUENCE { status, version } }
      const payload = encodeDer(
        der.sequence(
          der.integer(ok ? 0x8f66 : 0x8f67),
          der.generalizedTime(generalizedTime(entry.executeAt)),
          der.integer(counter),
          der.sequence(der.integer(ok ? 0 : 2), der.octetString(fromHex(this.state.firmware.version))),
        ),
      );
      return { ok, alert: { payload, messageCode: MC_FUTURE_DATED_FIRMWARE } };
    }
    if (entry.useCase === 'ECS01b') {
      const object = entry.data.object as ChargeObject;
      this.activateCharge(object, entry.data.unitCharge as UnitCharge);
      // RTDS 1.2.1_ECS01b 8F66 ALERT_STANDING_CHARGE / ALERT_PRICE_MATRIX: the Charge's activation time
      const charge = COSEM_OBJECTS[object];
      return {
        ok: true,
        alert: {
          payload: this.futureDatedAlert(
            entry,
            charge.classId,
            charge.obis,
            charge.attributes.unitChargeActivationTime[0],
          ),
          messageCode: MC_FUTURE_DATED_DLMS,
        },
      };
    }
    // ECS02 / ECS03
    const mode = entry.data.mode as PaymentMode;
    this.applyPaymentMode(mode, entry.data.threshold as number | null);
    return {
      ok: true,
      alert: {
        payload: this.futureDatedAlert(
          entry,
          COSEM_OBJECTS.account.classId,
          COSEM_OBJECTS.account.obis,
          COSEM_OBJECTS.account.attributes.accountActivationTime[0],
        ),
        messageCode: MC_FUTURE_DATED_DLMS,
      },
    };
  }

  /**
   * The DLMS 8F66 payload (RTDS 1.6_ECS02, 1.2.1_ECS01b): data-notification
   * { alert code, execution time, Message Code | Originator Counter | class |
   * OBIS | attribute of the future-dated command }.
   */
  private futureDatedAlert(
    entry: FutureDatedEntry,
    classId: number,
    obis: string,
    attribute: number,
  ): Uint8Array {
    const ref = new Uint8Array(19);
    ref[0] = entry.messageCode >> 8;
    ref[1] = entry.messageCode & 0xff;
    ref.set(u64be(BigInt(entry.counter)), 2);
    ref[10] = classId >> 8;
    ref[11] = classId & 0xff;
    ref.set(parseObis(obis), 12);
    ref[18] = attribute;
    return encodeDlmsApdu({
      apdu: 'data-notification',
      invoke: gbcsInvokeId(this.security.peekNextOwnCounter()),
      dateTime: new Uint8Array(0),
      body: dlms.struct(
        dlms.u16(0x8f66),
        dlms.octets(fromHex(String(entry.data.executionTime))),
        dlms.octets(ref),
      ),
    });
  }

  // ------------------------------------------------------------------ state

  private logEvent(code: number): void {
    this.state.eventLog.push({ at: this.deviceNow(), code });
    if (this.state.eventLog.length > 100) this.state.eventLog.shift();
  }

  snapshot(): EsmeSnapshot {
    return { ...this.snapshotBase(), state: structuredClone(this.state) };
  }

  /** Restores a snapshot; one in the earlier tariff form (legacy-state.ts) is migrated. */
  restore(s: EsmeSnapshot): void {
    this.state = migrateEsmeTariffState(structuredClone(s.state));
    this.restoreBase({ ...s, futureDated: s.futureDated.map(migrateFutureDated) });
  }
}

// ------------------------------------------------------------------ helpers

/** The future-dated key of a Charge's pending activation (one per Charge object). */
function chargeKey(object: ChargeObject): string {
  return `Charge ${COSEM_OBJECTS[object].obis}`;
}

function supplyControlState(s: SupplyState): number {
  // Disconnect control control_state (Blue Book class 70): 0 disconnected, 1 connected, 2 ready for reconnection
  return s === 'enabled' ? 1 : s === 'disabled' ? 0 : 2;
}

function responseKind(s: AccessRequestSpec): AccessResponseSpec['kind'] {
  return s.kind === 'get-with-selection' ? 'get' : s.kind === 'set-with-selection' ? 'set' : s.kind;
}
