/**
 * The GSME's use-case handlers on the shared registry (meter-common/
 * use-case-registry.ts): each reads its command by the named fields of its
 * catalogue row (src/gbcs/use-cases/rows/gsme.ts) and returns the named
 * response fields; the registry decodes, checks the shape, answers
 * "unsupported" / "malformed" and encodes. GBZ hardware faults are device
 * state (handlers/gbz.ts).
 *
 * Reads answer from the state (GsmeView); writes change it only when every
 * component can be applied (a faulted component: nothing changes).
 */
import type { CommandFieldsOf } from '../../../gbcs/use-cases/index.ts';
import { registerCredentialUseCases, updateUseCasesFor } from '../../meter-common/credential-handlers.ts';
import { activateFirmware } from '../../meter-common/firmware.ts';
import type { ExecutionContext } from '../../meter-common/meter-device.ts';
import {
  CommandContentError,
  type HandlerResult,
  type RegistryDevice,
  type UseCaseCall,
  UseCaseRegistry,
} from '../../meter-common/use-case-registry.ts';
import type { GsmeState } from '../gsme.ts';
import type { GsmeServices } from '../services.ts';
import { readSnapshots } from '../snapshots.ts';
import { paymentMode, setPrices } from './account.ts';
import { gsmeJoin, readEventConfiguration, setEventConfiguration } from './device-management.ts';
import { clearEventLog, LOG_ID, readEventLog } from './event-log.ts';
import {
  type AttrTable,
  type ComponentAnswer,
  defaultResponse,
  faultedCommand,
  inOrder,
  readAttributesAnswer,
  ZCL,
  type ZclPart,
  ZT,
} from './gbz.ts';
import { readDebtLog, readSampledData, readTopUpLog, startSampling } from './logs.ts';
import { readPrepayConfiguration, updatePrepayConfiguration } from './prepay-config.ts';
import { changeDebt, emergencyCreditFromPpmid, topUp } from './prepayment.ts';
import { changeSupply, setClock } from './supply.ts';
import { readTariff, setTariff } from './tariff.ts';

/** What the handlers see of a GSME (or of the GPF's gas mirror: reads only). */
export interface GsmeView extends RegistryDevice {
  readonly state: GsmeState;
  /** GBZ faults: `cluster.AttributeName` / `cluster.command` (handlers/gbz.ts) */
  gbzFaults(): ReadonlySet<string>;
  /** the device clock (epoch ms) */
  now(): number;
  logEvent(code: number): void;
  /** the billing calendar in time (billing-alert.ts): GCS25a starts it; absent on a view without one */
  readonly billing?: { start(): void };
}

type Attrs = { attributes?: Array<{ id: number; name?: string }> };

// ------------------------------------------------------------------ attribute tables

/** The four octets of a firmware version (OTA File Version, hex) as the octet-string value (upper-case hex). */
function firmwareVersionOctets(version: string): string {
  return version.padStart(8, '0').toUpperCase();
}

/** ZCL SupplyStatus of the valve states (as Change Supply's Proposed Supply Status: 0 off, 1 off/armed, 2 on). */
const SUPPLY_STATUS: Record<GsmeState['valve'], number> = { disabled: 0, armed: 1, enabled: 2 };

export function meteringTable(s: GsmeState): AttrTable {
  const r = s.registers;
  const t: AttrTable = {
    0: () => ({ dataType: ZT.uint48, value: r.currentSummationDelivered }),
    768: () => ({ dataType: ZT.enum8, value: r.unitOfMeasure }),
    769: () => ({ dataType: ZT.uint24, value: r.multiplier }),
    770: () => ({ dataType: ZT.uint24, value: r.divisor }),
    1543: () => ({ dataType: ZT.enum8, value: s.supply.tamperState }),
    1544: () => ({ dataType: ZT.enum8, value: s.supply.depletionState }),
    2560: () => ({ dataType: ZT.uint32, value: s.billToDate }),
    // GBCS V3.1 use-case table GCS38: CurrentMeterID 0x0206, the four octets of the running firmware's OTA File Version
    518: () => ({ dataType: ZT.octstr, value: firmwareVersionOctets(s.firmware.version) }),
    // GBCS V3.1 use-case tables GCS33: SupplyStatus 0x0014 (ENUM8) and RemainingBatteryLifeinDays 0x0205 (UINT16)
    20: () => ({ dataType: ZT.enum8, value: SUPPLY_STATUS[s.valve] }),
    517: () => ({ dataType: ZT.uint16, value: s.remainingBatteryLifeDays ?? 0 }),
    // GBCS V3.1 use-case tables GCS46: SiteID 0x0307 (OCTETSTRING), the MPRN GCS41 set (empty: never set, PROVISIONAL)
    775: () => ({ dataType: ZT.octstr, value: s.mprn ?? '' }),
  };
  s.tierSummations.forEach((v, i) => {
    t[0x0100 + 2 * i] = () => ({ dataType: ZT.uint48, value: v });
  });
  s.blockSummations.forEach((v, i) => {
    t[0x0700 + i] = () => ({ dataType: ZT.uint48, value: v });
  });
  return t;
}

export function prepaymentTable(s: GsmeState): AttrTable {
  const t: AttrTable = {
    0: () => ({ dataType: ZT.map16, value: s.paymentControlConfiguration }),
    1: () => ({ dataType: ZT.int32, value: s.meterBalance }),
    2: () => ({ dataType: ZT.int32, value: s.emergencyCreditRemaining }),
    5: () => ({ dataType: ZT.int32, value: s.debt.accumulated }),
  };
  s.debt.amounts.forEach((v, i) => {
    t[0x0211 + 0x10 * i] = () => ({ dataType: ZT.uint32, value: v });
  });
  // Debt Recovery Frequency / Amount #1, #2 and Top Up Percentage #3 (GCS04 sets them, GCS21b reads them)
  s.debtRecovery.forEach((r, i) => {
    t[0x0216 + 0x10 * i] = () => ({ dataType: ZT.enum8, value: r.frequency });
    t[0x0217 + 0x10 * i] = () => ({ dataType: ZT.uint32, value: r.amount });
  });
  t[0x0239] = () => ({ dataType: ZT.uint16, value: Math.round(s.debtRecoveryPercent * 100) });
  // the settings GCS05 sets (GCS21b reads them)
  const p = s.prepaymentSettings;
  t[0x0006] = () => ({ dataType: ZT.int32, value: p.overallDebtCap });
  t[0x0010] = () => ({ dataType: ZT.uint32, value: s.emergencyCredit.limit });
  t[0x0011] = () => ({ dataType: ZT.uint32, value: s.emergencyCredit.threshold });
  t[0x0021] = () => ({ dataType: ZT.uint32, value: s.maxMeterBalance });
  t[0x0022] = () => ({ dataType: ZT.uint32, value: p.maxCreditPerTopUp });
  t[0x0031] = () => ({ dataType: ZT.uint32, value: p.lowCreditWarningLevel });
  t[0x0040] = () => ({ dataType: ZT.int32, value: p.cutOffValue });
  return t;
}

export function priceTable(s: GsmeState): AttrTable {
  return {
    1558: () => ({ dataType: ZT.uint16, value: s.currency }),
    1559: () => ({ dataType: ZT.map8, value: s.priceTrailingDigit }),
  };
}

/**
 * Price cluster commodity attributes GCS21a reads (GBCS V3.1 use-case tables): the active
 * conversion factor and calorific value GCS23 published. Never published: not in the table
 * (UNSUPPORTED_ATTRIBUTE; PROVISIONAL: GBCS gives no default value).
 */
export function commodityTable(s: GsmeState): AttrTable {
  const t: AttrTable = {};
  const cf = s.conversionFactor;
  const cv = s.calorificValue;
  if (cf) {
    t[0x0302] = () => ({ dataType: ZT.uint32, value: cf.value });
    t[0x0303] = () => ({ dataType: ZT.map8, value: cf.trailingDigit });
  }
  if (cv) {
    t[0x0304] = () => ({ dataType: ZT.uint32, value: cv.value });
    t[0x0305] = () => ({ dataType: ZT.enum8, value: cv.unit });
    t[0x0306] = () => ({ dataType: ZT.map8, value: cv.trailingDigit });
  }
  return t;
}

/**
 * Metering cluster supply control attributes GCS21a reads (GBCS V3.1 use-case tables): the
 * uncontrolled flow settings GCS24/GCS24a set (0x0B10 threshold, 0x0B11 unit, 0x0B12 multiplier,
 * 0x0B13 divisor, 0x0B14 stabilisation period, 0x0B15 measurement period). Never set: not in the
 * table (UNSUPPORTED_ATTRIBUTE; PROVISIONAL).
 */
export function supplyControlTable(s: GsmeState): AttrTable {
  const u = s.supply.uncontrolledFlowThreshold;
  if (!u) return {};
  const v = (name: string) => u[name] ?? 0;
  return {
    2832: () => ({ dataType: ZT.uint16, value: v('uncontrolledFlowThreshold') }),
    2833: () => ({ dataType: ZT.enum8, value: v('unitOfMeasure') }),
    2834: () => ({ dataType: ZT.uint16, value: v('multiplier') }),
    2835: () => ({ dataType: ZT.uint16, value: v('divisor') }),
    2836: () => ({ dataType: ZT.uint8, value: v('stabilisationPeriod') }),
    2837: () => ({ dataType: ZT.uint16, value: v('measurementPeriod') }),
  };
}

export function basicTable(s: GsmeState): AttrTable {
  return {
    4: () => ({ dataType: ZT.string, value: s.identity.manufacturerName }),
    5: () => ({ dataType: ZT.string, value: s.identity.modelIdentifier }),
  };
}

// ------------------------------------------------------------------ reads

/**
 * A read use case: the components in row order, each Read Attributes on one
 * cluster, `protectedClusters` payload-encrypted for the business originator
 * (RTDS: the metering registers and the prepayment registers are protected,
 * price and basic attributes in clear).
 */
function read(
  parts: ReadonlyArray<{
    field: string;
    cluster: string;
    table: (s: GsmeState) => AttrTable;
    protect: boolean;
    /** the response component's ZCL frame control when not the row's (RTDS GCS14: the encrypted prepayment read 0x08) */
    frameControl?: number;
  }>,
) {
  return (call: UseCaseCall<Record<string, Attrs>>, d: GsmeView): HandlerResult => {
    const faults = d.gbzFaults();
    const { components, failed } = inOrder(
      parts.map((p) => ({
        cluster: p.cluster,
        run: (): ComponentAnswer =>
          readAttributesAnswer(
            p.cluster,
            call.fields[p.field]?.attributes ?? [],
            p.table(d.state),
            faults,
            p.protect ? (call.ctx as ExecutionContext).encrypt : null,
          ),
      })),
    );
    const seq = ((call.header as { components?: Array<{ sequence?: number }> }).components ?? []).map(
      (c, i) => c.sequence ?? i,
    );
    const header = {
      components: components.map((_c, i) => ({
        sequence: seq[i] ?? i,
        ...(parts[i]?.frameControl === undefined || failed ? {} : { frameControl: parts[i]!.frameControl }),
      })),
    };
    return { response: { components }, outcome: failed ? 'failed' : 'read', header };
  };
}

const METERING = { field: 'readMetering', cluster: 'metering', table: meteringTable };
const PREPAYMENT = { field: 'readPrepayment', cluster: 'prepayment', table: prepaymentTable };

/** The reads both the GSME and the GPF's gas mirror answer (GCS13a/b/c, GCS14). */
export function registerMirroredReads<D extends GsmeView>(r: UseCaseRegistry<D>): UseCaseRegistry<D> {
  return (
    r
      .registerAll(['GCS13a', 'GCS13b', 'GCS13c'], read([{ ...METERING, protect: true }]))
      .register(
        'GCS14',
        read([
          { field: 'readPrice', cluster: 'price', table: priceTable, protect: false },
          { ...PREPAYMENT, protect: true, frameControl: 0x08 },
        ]),
      )
      .register('GCS16b', snapshotRead)
      .register('GCS15e', readTopUpLog)
      // GBCS V3.1 use-case tables: GCS46 (the MPRN) and GCS33 (battery life, supply status) answered in clear
      .registerAll(['GCS46', 'GCS33'], read([{ ...METERING, protect: false }]))
      // GCS21e (not in GBCS V3.1; GCS21m's Basic cluster read, by analogy)
      .register('GCS21e', read([{ field: 'readBasic', cluster: 'basic', table: basicTable, protect: false }]))
  );
}

/** The GSME's own logs by ZSE Log ID (CS10a / CS10b). */
const gsmeLogs = (d: GsmeView) => ({
  [LOG_ID.general]: d.state.eventLog,
  [LOG_ID.security]: d.state.securityLog,
});

/** GCS15b / GCS15c / GCS16a / GCS16b: the snapshots of the meter's state (the GPF: of the mirrored state). */
function snapshotRead(
  call: UseCaseCall<Parameters<typeof readSnapshots>[0]['fields']>,
  d: GsmeView,
): HandlerResult {
  return readSnapshots(call, d.state, d.gbzFaults());
}

// ------------------------------------------------------------------ writes

/**
 * A command whose components each answer a Default Response: `apply` runs
 * only when no component has a fault (then every component answers SUCCESS);
 * a faulted component answers HARDWARE_FAILURE, the later ones are not run,
 * and nothing changes.
 */
function command<F>(parts: readonly ZclPart[], apply: (fields: F, d: GsmeView) => Record<string, unknown>) {
  return (call: UseCaseCall<F>, d: GsmeView): HandlerResult => {
    const faulted = faultedCommand(parts, d.gbzFaults());
    if (faulted) return faulted;
    const detail = apply(call.fields, d);
    return {
      response: { components: parts.map((p) => defaultResponse(p.cluster, p.commandId, ZCL.success)) },
      outcome: 'applied',
      detail,
    };
  };
}

/**
 * Credit Adjustment Type: 0 incremental and 1 absolute on the prepayment
 * meter balance (SE 1.4 D.7.2.3.4); 2 absolute and 3 incremental on the
 * credit-mode meter balance (inferred from RTDS GCS40d / GCS40c, which reset
 * with 2 and adjust with 3; unconfirmed against GBCS text). The use case
 * fixes which balance: a type of the other mode is refused (8F1E). Applied at
 * once (the RTDS start time is 0).
 */
function creditAdjustment(mode: 'prepayment' | 'credit', reset: boolean) {
  return command<CommandFieldsOf<'GCS40a'>>(
    [{ cluster: 'prepayment', command: 'creditAdjustment', commandId: 0x05 }],
    (f, d) => {
      const c = f.creditAdjustment;
      const types = mode === 'prepayment' ? { inc: 0, abs: 1 } : { inc: 3, abs: 2 };
      const t = c.creditAdjustmentType;
      if (t !== types.inc && t !== types.abs)
        throw new CommandContentError(`credit adjustment type ${t} is not a ${mode}-mode adjustment`);
      const absolute = reset || t === types.abs;
      const key = mode === 'prepayment' ? 'meterBalance' : 'creditModeBalance';
      const before = d.state[key];
      d.state[key] = absolute ? c.creditAdjustmentValue : before + c.creditAdjustmentValue;
      d.logEvent(0x8f0a);
      return { mode, [key]: { from: before, to: d.state[key] } };
    },
  );
}

/** Registers every GSME use case this module runs. */
export function registerGsmeHandlers<D extends GsmeView>(r: UseCaseRegistry<D>): UseCaseRegistry<D> {
  registerMirroredReads(r);
  r.register(
    'GCS60',
    read([
      { ...METERING, protect: false },
      { ...PREPAYMENT, protect: false },
    ]),
  )
    .register('GCS21j', read([{ ...PREPAYMENT, protect: false }]))
    .register(
      'GCS21m',
      read([
        { field: 'readBasic', cluster: 'basic', table: basicTable, protect: false },
        { ...METERING, protect: false },
      ]),
    )
    .register('GCS40a', creditAdjustment('prepayment', false))
    .register('GCS40b', creditAdjustment('prepayment', true))
    .register('GCS40c', creditAdjustment('credit', false))
    .register('GCS40d', creditAdjustment('credit', true))
    .register(
      'GCS06',
      command<CommandFieldsOf<'GCS06'>>(
        [{ cluster: 'prepayment', command: 'selectAvailableEmergencyCredit', commandId: 0x00 }],
        (_f, d) => {
          d.state.emergencyCredit.active = true;
          d.logEvent(0x81ab);
          return { emergencyCredit: 'active' };
        },
      ),
    )
    .register(
      'GCS07',
      command<CommandFieldsOf<'GCS07'>>(
        [{ cluster: 'messaging', command: 'displayMessage', commandId: 0x00 }],
        (f, d) => {
          const m = f.displayMessage;
          d.state.message = {
            id: m.messageId,
            text: m.message,
            startTime: m.startTime,
            durationMinutes: m.durationInMinutes,
          };
          return { message: m.message };
        },
      ),
    )
    .register(
      'GCS23',
      command<CommandFieldsOf<'GCS23'>>(
        [
          { cluster: 'price', command: 'publishConversionFactor', commandId: 0x02 },
          { cluster: 'price', command: 'publishCalorificValue', commandId: 0x03 },
        ],
        (f, d) => {
          d.state.conversionFactor = {
            value: f.conversionFactor.conversionFactor,
            trailingDigit: f.conversionFactor.conversionFactorTrailingDigit,
            issuerEventId: f.conversionFactor.issuerEventId,
            startTime: f.conversionFactor.startTime,
          };
          d.state.calorificValue = {
            value: f.calorificValue.calorificValue,
            unit: f.calorificValue.calorificValueUnit,
            trailingDigit: f.calorificValue.calorificValueTrailingDigit,
            issuerEventId: f.calorificValue.issuerEventId,
            startTime: f.calorificValue.startTime,
          };
          return { conversionFactor: d.state.conversionFactor, calorificValue: d.state.calorificValue };
        },
      ),
    )
    .registerAll(
      ['GCS24', 'GCS24a'],
      command<CommandFieldsOf<'GCS24'>>(
        [
          { cluster: 'metering', command: 'setUncontrolledFlowThreshold', commandId: 0x0e },
          { cluster: 'metering', command: 'setSupplyStatus', commandId: 0x0d },
        ],
        (f, d) => {
          const s = f.supplyStatus;
          d.state.supply = {
            ...d.state.supply,
            tamperState: s.supplyTamperState,
            depletionState: s.supplyDepletionState,
            uncontrolledFlowState: s.supplyUncontrolledFlowState,
            loadLimitSupplyState: s.loadLimitSupplyState,
            uncontrolledFlowThreshold: { ...(f.uncontrolledFlowThreshold as Record<string, number>) },
          };
          return { supply: d.state.supply };
        },
      ),
    )
    .register(
      'GCS36',
      command<CommandFieldsOf<'GCS36'>>(
        [{ cluster: 'deviceManagement', command: 'updateCin', commandId: 0x06 }],
        (f, d) => {
          d.state.cin = f.updateCin.customerIdNumber;
          return { cin: d.state.cin };
        },
      ),
    )
    .register(
      'GCS11',
      command<CommandFieldsOf<'GCS11'>>(
        [{ cluster: 'deviceManagement', command: 'requestNewPasswordResponse', commandId: 0x02 }],
        (f, d) => {
          // GBCS V3.1 use-case tables: the consumer menu password (type 0x02), empty, valid until changed
          const p = f.privacyPin;
          if (p.passwordType !== 2)
            throw new CommandContentError(`password type ${p.passwordType}: GCS11 carries 2 (consumer menu)`);
          if (p.password !== '') throw new CommandContentError('GCS11 carries an empty password');
          if (p.durationInMinutes !== 0)
            throw new CommandContentError(`duration ${p.durationInMinutes} min: GCS11 carries 0`);
          d.state.privacyPinProtection = false;
          return { privacyPinProtection: false };
        },
      ),
    )
    .register('GCS04', changeDebt)
    .register('GCS05', updatePrepayConfiguration)
    .register('GCS21b', readPrepayConfiguration)
    .register('GCS21f', readTariff)
    .register('GCS31', startSampling)
    .register('GCS15d', readDebtLog)
    .registerAll(['GCS15b', 'GCS15c', 'GCS16a'], snapshotRead)
    .registerAll(['GCS17', 'GCS18'], readSampledData)
    .registerAll(['GCS21k', 'GCS21d'], readBillingPeriod)
    .registerAll(['CS10a', 'CS10b'], readEventLog(gsmeLogs))
    .register(
      'CS11',
      clearEventLog((d: GsmeView) => d.state.eventLog),
    )
    .register(
      'GCS41',
      command<CommandFieldsOf<'GCS41'>>(
        [{ cluster: 'deviceManagement', command: 'updateSiteId', commandId: 0x03 }],
        (f, d) => {
          // GBCS V3.1 use-case tables: not future-datable, SiteID Time 0 (now); the MPRN 1-32 octets
          const c = f.siteId;
          if (c.siteIdTime !== 0)
            throw new CommandContentError(`SiteID Time ${c.siteIdTime}: GCS41 carries 0 (now)`);
          if (c.siteId.length === 0) throw new CommandContentError('GCS41: an empty SiteID');
          const from = d.state.mprn;
          d.state.mprn = c.siteId;
          return { mprn: { from, to: c.siteId } };
        },
      ),
    )
    .register(
      'GCS44',
      command<CommandFieldsOf<'GCS44'>>(
        [{ cluster: 'deviceManagement', command: 'publishChangeOfSupplier', commandId: 0x01 }],
        (f, d) => {
          // GBCS V3.1 use-case tables (GCS44 message template): implementation time 0 (now)
          const c = f.changeOfSupplier;
          if (c.providerChangeImplementationTime !== 0)
            throw new CommandContentError(
              `Provider Change Implementation Time ${c.providerChangeImplementationTime}: GCS44 carries 0 (now)`,
            );
          d.state.supplierContact = {
            name: c.proposedProviderName,
            telephone: c.proposedProviderContactDetails,
            issuerEventId: c.issuerEventId,
            providerChangeControl: c.providerChangeControl,
          };
          return { supplierContact: d.state.supplierContact };
        },
      ),
    )
    .register(
      'GCS21a',
      read([
        { field: 'readPrice', cluster: 'price', table: commodityTable, protect: false },
        { field: 'readMetering', cluster: 'metering', table: supplyControlTable, protect: false },
      ]),
    )
    .register('GCS20r', readEventConfiguration)
    .register('GCS38', read([{ ...METERING, protect: false }]))
    .register('GCS20', setEventConfiguration)
    .register('GCS25a', setBillingCalendar);
  return r;
}

/**
 * GCS25a (DUIS 6.8; GBCS V3.1 message template): Publish Billing Period and
 * the Publish Block Period that mirrors it (same start, duration and duration
 * type). Duration type: low nibble the units (1 days, 2 weeks, 3 months);
 * the duration 1, 3, 6 or 12 in months, else 1. A command outside that is
 * refused whole (nothing written). GCS25 has no Remote Party Role in V3.1:
 * authorisation refuses it before any handler.
 */
const setBillingCalendar = command<CommandFieldsOf<'GCS25a'>>(
  [
    { cluster: 'price', command: 'publishBillingPeriod', commandId: 0x09 },
    { cluster: 'price', command: 'publishBlockPeriod', commandId: 0x01 },
  ],
  (f, d) => {
    const b = f.billingPeriod;
    const k = f.blockPeriod;
    const units = b.billingPeriodDurationType & 0x0f;
    const months = [1, 3, 6, 12];
    if (units < 1 || units > 3)
      throw new CommandContentError(`billing period duration units ${units}: 1 days, 2 weeks, 3 months`);
    if (units === 3 ? !months.includes(b.billingPeriodDuration) : b.billingPeriodDuration !== 1)
      throw new CommandContentError(
        `billing period duration ${b.billingPeriodDuration} in units ${units}: 1, 3, 6 or 12 months, else 1`,
      );
    if (
      k.blockPeriodStartTime !== b.billingPeriodStartTime ||
      k.blockPeriodDuration !== b.billingPeriodDuration ||
      k.blockPeriodDurationType !== b.billingPeriodDurationType
    )
      throw new CommandContentError('the block period does not mirror the billing period');
    d.state.billingPeriod = { ...(b as GsmeState['billingPeriod']) };
    d.billing?.start();
    return { billingPeriod: d.state.billingPeriod };
  },
);

/** GCS21k (DUIS 6.2.3): Get Billing Period -> Publish Billing Period with the Billing Calendar held. */
function readBillingPeriod(_call: UseCaseCall<unknown>, d: GsmeView): HandlerResult {
  if (d.gbzFaults().has('price.getBillingPeriod'))
    return {
      response: { components: [defaultResponse('price', 0x0b, ZCL.hardwareFailure)] },
      outcome: 'failed',
    };
  return {
    response: {
      components: [
        { cluster: 'price', command: 'publishBillingPeriod', fields: { ...d.state.billingPeriod } },
      ],
    },
    outcome: 'read',
  };
}

/**
 * The GSME's registry: the handlers above (they need only the view) and the
 * use cases that need the meter's services (UTRNs, clock, future-dated work).
 */
export const GSME_HANDLERS = registerGsmeHandlers(new UseCaseRegistry<GsmeServices>())
  .register('CS06', activateFirmware)
  .register('CS03A1', gsmeJoin.methodA)
  .register('CS03B', gsmeJoin.methodB)
  .registerAll(['CS04AC', 'CS04B'], gsmeJoin.unjoin)
  .register('CS07', gsmeJoin.read)
  .registerAll(['CS01b', 'PCS01'], topUp)
  .register('PCS02', emergencyCreditFromPpmid)
  .registerAll(['GCS02', 'GCS03'], paymentMode)
  .register('GCS01b', setPrices)
  .register('GCS01a', setTariff)
  .registerAll(['GCS32', 'GCS39'], changeSupply)
  .register('GCS28', setClock);
// CS02a / CS02f, CS02b (the modes whose cells a GSME holds), CS02c / CS02d / CS02e: the shared handlers
registerCredentialUseCases(GSME_HANDLERS, (g) => g.credentialHost, {
  updates: updateUseCasesFor('GSME'),
  deviceKeys: (g) => g.deviceKeys,
});
