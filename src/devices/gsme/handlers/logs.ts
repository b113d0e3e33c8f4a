/**
 * The GSME's logs, recorded as things happen and read back:
 * - GCS17 (DUIS 4.8.1) Profile Data Log: Get Sampled Data (sample id 0) ->
 *   Get Sampled Data Response with the half-hour consumption (interval
 *   1800 s) from the first half hour starting at or after the Earliest
 *   Sample Time, at most Number of Samples; recorded by the meter's
 *   metrology (meter-common/metrology.ts) on its device clock.
 * - GCS31 (DUIS 14.1) Start Sampling starts the network data log (its
 *   interval and maximum number of samples, at the Start Sampling Time or
 *   now), with a new Sample ID; GCS18 (4.10) reads it by that Sample ID.
 * - GCS15d (DUIS 4.4.4) Debt Log: what top-ups collected of the
 *   payment-based debt (`collectDebt`), the latest Number of Debts entries
 *   of the Debt Type (0xFF: any) collected in [From Date-Time, Latest End
 *   Time], oldest first.
 * - GCS15e (DUIS 4.4.5) Top Up Log (Billing Data Log, prepayment credits):
 *   the top-ups the meter accepted (`recordTopUp`, CS01b and PCS01), the
 *   latest Number of Records in [From Date Time, Latest End Time], oldest
 *   first; answered in clear (GBCS V3.1 GCS15e message template).
 * - GCS61 (DUIS 4.17, on the GPF) Daily Consumption Log: Get Sampled Data
 *   with Sample ID 1 -> the gas consumed per UTC day (the metrology's
 *   `daily` log), Sample Request Interval 0xFFFF (GBCS V3.1 GCS61 message
 *   template: 24 hours), payload-encrypted.
 * Each other read answers payload-encrypted for the business originator
 * (the RTDS rows), NOT_FOUND (0x8B) when nothing matches, HARDWARE_FAILURE
 * with a fault on the ZCL command.
 */
import type { CommandFieldsOf } from '../../../gbcs/use-cases/index.ts';
import type { ExecutionContext } from '../../meter-common/meter-device.ts';
import { entriesBetween, newLog } from '../../meter-common/metrology.ts';
import { fromZigbeeTime, zigbeeTime } from '../../meter-common/time.ts';
import type { HandlerResult, UseCaseCall } from '../../meter-common/use-case-registry.ts';
import type { GsmeState } from '../gsme.ts';
import { defaultResponse, encryptedComponent, ZCL } from './gbz.ts';
import type { GsmeView } from './index.ts';

/** Debt Log entries kept (GBCS: the last 10 payment-based debt payments at least). */
export const DEBT_LOG_CAPACITY = 100;
/** The Sample ID of the profile data log (RTDS GCS17). */
export const PROFILE_SAMPLE_ID = 0;
/** The Sample ID of the daily consumption log (GBCS V3.1 GCS61 message template). */
export const DAILY_SAMPLE_ID = 1;
/** GCS61's Sample Request Interval: 0xFFFF means 24 hours (GBCS V3.1 GCS61 message template). */
const DAILY_INTERVAL = 0xffff;
/** Top Up Log entries kept (GBCS reads at most 5; the meter keeps more, the oldest dropped). */
export const TOP_UP_LOG_CAPACITY = 100;
/** ZCL Sample Type: consumption delivered. */
const CONSUMPTION_DELIVERED = 0;
/** uint24 samples: a larger interval amount is reported saturated. */
const UINT24_MAX = 0xffffff;
/** Network data samples kept at most (uint16 Max Number of Samples). */
const MAX_SAMPLES = 0xffff;

/** Frame controls of the encrypted responses' clear headers, as RTDS shows them (GCS17, GCS15d 0x19; GCS18 0x09). */
const FRAME_CONTROL = { GCS17: 0x19, GCS18: 0x09, GCS15d: 0x19, GCS61: 0x19 } as const;

function sequence(call: UseCaseCall<unknown>): number {
  return (call.header as { components?: Array<{ sequence?: number }> }).components?.[0]?.sequence ?? 0;
}

function notFound(
  cluster: string,
  commandId: number,
  faulted: boolean,
  detail: Record<string, unknown>,
): HandlerResult {
  return {
    response: {
      components: [defaultResponse(cluster, commandId, faulted ? ZCL.hardwareFailure : ZCL.notFound)],
    },
    outcome: faulted ? 'failed' : 'read',
    detail,
  };
}

function encrypted(
  call: UseCaseCall<unknown>,
  useCase: keyof typeof FRAME_CONTROL,
  cluster: string,
  command: string,
  fields: Record<string, unknown>,
  detail: Record<string, unknown>,
): HandlerResult {
  const frameControl = FRAME_CONTROL[useCase];
  const component = encryptedComponent(
    cluster,
    command,
    0x09,
    fields,
    (call.ctx as ExecutionContext).encrypt,
  );
  return {
    response: { components: [component] },
    header: { components: [{ sequence: sequence(call), frameControl }] },
    outcome: 'read',
    detail,
  };
}

/**
 * GCS17 / GCS18 / GCS61: Get Sampled Data from the profile log (sample id 0), the network data
 * sampling, or the daily consumption log (sample id 1).
 */
export function readSampledData(call: UseCaseCall<CommandFieldsOf<'GCS17'>>, d: GsmeView): HandlerResult {
  const useCase = call.row.useCase as 'GCS17' | 'GCS18' | 'GCS61';
  const q = call.fields.getSampledData;
  const faulted = d.gbzFaults().has('metering.getSampledData');
  const m = d.state.metrology;
  const sampling = d.state.sampling.active;
  const log =
    useCase === 'GCS17'
      ? q.sampleId === PROFILE_SAMPLE_ID
        ? m?.logs.profile
        : undefined
      : useCase === 'GCS61'
        ? q.sampleId === DAILY_SAMPLE_ID
          ? m?.logs.daily
          : undefined
        : sampling && sampling.sampleId === q.sampleId
          ? m?.logs.networkData
          : undefined;
  const rows =
    log && !faulted
      ? entriesBetween(log, fromZigbeeTime(q.earliestSampleTime), Number.POSITIVE_INFINITY).slice(
          0,
          q.numberOfSamples,
        )
      : [];
  if (faulted || !log || rows.length === 0 || q.sampleType !== CONSUMPTION_DELIVERED)
    return notFound('metering', 0x08, faulted, { entries: 0 });
  const samples = rows.map((r) => Math.min(UINT24_MAX, r.values.gas ?? 0));
  return encrypted(
    call,
    useCase,
    'metering',
    'getSampledDataResponse',
    {
      sampleId: q.sampleId,
      sampleStartTime: zigbeeTime(rows[0]!.start),
      sampleType: CONSUMPTION_DELIVERED,
      sampleRequestInterval: useCase === 'GCS61' ? DAILY_INTERVAL : Math.round(log.intervalMs / 1000),
      numberOfSamples: samples.length,
      samples,
    },
    { entries: samples.length },
  );
}

/** GCS31: Start Sampling -> Start Sampling Response with the Sample ID (0xFFFF: not started, a fault). */
export function startSampling(call: UseCaseCall<CommandFieldsOf<'GCS31'>>, d: GsmeView): HandlerResult {
  const faulted = d.gbzFaults().has('metering.startSampling');
  const f = call.fields.startSampling as Record<string, number>;
  const sampleId = faulted ? 0xffff : beginSampling(d.state, f, d.now());
  return {
    response: {
      components: [{ cluster: 'metering', command: 'startSamplingResponse', fields: { sampleId } }],
    },
    outcome: faulted ? 'failed' : 'applied',
    detail: { sampleId },
  };
}

/**
 * Starts a network data sampling at device time `now` (GCS31's Start
 * Sampling fields): a new Sample ID, and with metrology the sampling log
 * (its interval, at most Max Number of Samples, from the Start Sampling
 * Time or now). Returns the Sample ID.
 */
export function beginSampling(state: GsmeState, f: Record<string, number>, now: number): number {
  const sampleId = state.sampling.nextSampleId;
  state.sampling = {
    // 0 is the profile data log, 0xFFFF 'not started'
    nextSampleId: sampleId >= 0xfffe ? 1 : sampleId + 1,
    active: { sampleId, ...f },
  };
  const m = state.metrology;
  if (m) {
    const start = f.startSamplingTime ? Math.max(fromZigbeeTime(f.startSamplingTime!), now) : now;
    const max = Math.min(MAX_SAMPLES, f.maxNumberOfSamples ?? 0);
    if ((f.sampleRequestInterval ?? 0) > 0 && max > 0)
      m.logs.networkData = newLog(f.sampleRequestInterval! * 1000, start, max, max);
    else delete m.logs.networkData;
  }
  return sampleId;
}

/** GCS15d: Get Debt Repayment Log -> Publish Debt Log (one command). */
export function readDebtLog(call: UseCaseCall<CommandFieldsOf<'GCS15d'>>, d: GsmeView): HandlerResult {
  const q = call.fields.getDebtRepaymentLog as CommandFieldsOf<'GCS15d'>['getDebtRepaymentLog'] & {
    fromDateTime?: number;
  };
  const faulted = d.gbzFaults().has('prepayment.getDebtRepaymentLog');
  const from = q.fromDateTime ?? 0;
  const matching = d.state.logs.debtRepayment.filter(
    (e) =>
      (q.debtType === 0xff || e.debtType === q.debtType) &&
      e.collectionTime >= from &&
      e.collectionTime <= q.latestEndTime,
  );
  const rows = q.numberOfDebts > 0 ? matching.slice(-q.numberOfDebts) : [];
  if (faulted || rows.length === 0) return notFound('prepayment', 0x0a, faulted, { entries: 0 });
  return encrypted(
    call,
    'GCS15d',
    'prepayment',
    'publishDebtLog',
    { commandIndex: 0, totalNumberOfCommands: 1, debtPayloads: rows.map((r) => ({ ...r })) },
    { entries: rows.length },
  );
}

/**
 * A top-up of `value` milli-pence: the payment-based debt (debt register 3)
 * collects `debtRecoveryPercent` of it (at most what is outstanding), logged
 * in the Debt Log. Returns what was collected (the credit added is the rest).
 */
export function collectDebt(state: GsmeState, value: number, at: number): number {
  const outstanding = state.debt.amounts[2];
  const collected = Math.min(outstanding, Math.floor((value * state.debtRecoveryPercent) / 100));
  if (collected <= 0) return 0;
  state.debt.amounts[2] = outstanding - collected;
  state.debt.accumulated = Math.max(0, state.debt.accumulated - collected);
  state.logs.debtRepayment.push({
    collectionTime: zigbeeTime(at),
    amountCollected: collected,
    debtType: 2,
    outstandingDebt: state.debt.amounts[2],
  });
  if (state.logs.debtRepayment.length > DEBT_LOG_CAPACITY) state.logs.debtRepayment.shift();
  return collected;
}

/** A top-up the meter accepted (`value` milli-pence, the UTRN) at device time `at`, in the Top Up Log. */
export function recordTopUp(state: GsmeState, utrn: string, value: number, at: number): void {
  state.topUpLog.push({ topUpCode: utrn, topUpAmount: value, topUpTime: zigbeeTime(at) });
  if (state.topUpLog.length > TOP_UP_LOG_CAPACITY) state.topUpLog.shift();
}

/** GCS15e: Get Top Up Log -> Publish Top Up Log in clear (one command) or NOT_FOUND. */
export function readTopUpLog(call: UseCaseCall<CommandFieldsOf<'GCS15e'>>, d: GsmeView): HandlerResult {
  const q = call.fields.getTopUpLog as CommandFieldsOf<'GCS15e'>['getTopUpLog'] & { fromDateTime?: number };
  const faulted = d.gbzFaults().has('prepayment.getTopUpLog');
  const from = q.fromDateTime ?? 0;
  // a snapshot from before the Top Up Log holds none
  const log = d.state.topUpLog ?? [];
  const matching = log.filter((e) => e.topUpTime >= from && e.topUpTime <= q.latestEndTime);
  const rows = q.numberOfRecords > 0 ? matching.slice(-q.numberOfRecords) : [];
  if (faulted || rows.length === 0) return notFound('prepayment', 0x08, faulted, { entries: 0 });
  return {
    response: {
      components: [
        {
          cluster: 'prepayment',
          command: 'publishTopUpLog',
          fields: { commandIndex: 0, totalNumberOfCommands: 1, topUps: rows.map((r) => ({ ...r })) },
        },
      ],
    },
    outcome: 'read',
    detail: { entries: rows.length },
  };
}
