/**
 * Device states for the RTDS examples of the GSME, CHF and GPF
 * (te-1-rtds-han-devices.test.ts): for each example, what is true of the
 * device (set through its backchannel before the command arrives) that
 * makes a real device answer as the reference does. ERROR examples are
 * hardware faults (the RTDS ERROR responses answer HARDWARE_FAILURE, 0xC0,
 * for one attribute or command); other examples are the values the meter
 * held. The command itself is always the unchanged RTDS one.
 *
 * Histories (the log reads): a meter in service holds logs a fresh home's
 * meter has not had time to write. The scenario gives the meter that history
 * through `backchannel.history`: each entry written by the meter's own
 * log-writing code (snapshots.ts takeSnapshot, handlers/logs.ts collectDebt
 * and beginSampling, metrology's interval logs) with the time it was taken.
 * The values are the reference meter's (those its RTDS response shows; the
 * entries it does not show are given the meter's current registers). The
 * intermittent log faults (`...#n`: the n-th snapshot read of a command
 * fails) are the device states of the log reads' ERROR examples.
 */

import { Gpf } from '../../src/devices/gpf/gpf.ts';
import { Gsme } from '../../src/devices/gsme/gsme.ts';
import {
  readingsOf,
  SNAPSHOT_CAUSE,
  type SnapshotIds,
  type SnapshotReadings,
} from '../../src/devices/gsme/snapshots.ts';
import type { Home } from '../../src/devices/home/home.ts';
import { RTDS_EUIS } from '../../src/devices/home/profiles.ts';
import { ROLE } from '../../src/devices/security/credentials.ts';
import { CHF_SCENARIOS } from './chf-scenarios.ts';

function gsme(home: Home): Gsme {
  const g = home.device(RTDS_EUIS.gsme);
  if (!(g instanceof Gsme)) throw new Error('the home has no GSME application');
  return g;
}
const fault =
  (...what: string[]) =>
  (home: Home) => {
    for (const w of what) gsme(home).backchannel.hardwareFault(w);
  };

/**
 * When an example ran (the home's virtual start time, epoch ms): the GSME
 * handles the command on its next mailbox poll (30 minutes after the start)
 * and takes the time from the home's clock, so its clock reads what the
 * RTDS meter's did. GCS28 SUCCESS: the meter asks at 2014-12-31T23:30:00Z,
 * inside the validity interval [23:30, 00:30]: it adopts that time (result
 * 0). GCS28 ERROR: at 2015-01-01T00:00:00Z, before the interval [01:00,
 * 02:00]: its clock stays (result 2). Other examples: the default start.
 */
export const HOME_START: Record<string, number> = {
  'GCS28_6.11_SUCCESS': Date.UTC(2014, 11, 31, 23, 0),
  'GCS28_6.11_ERROR': Date.UTC(2014, 11, 31, 23, 30),
  // the profile and sampling logs are read at 01:00 on 2015-01-01, the morning after their history
  'GCS17_4.8.1_SUCCESS': Date.UTC(2015, 0, 1, 0, 30),
  'GCS18_4.10_SUCCESS': Date.UTC(2015, 0, 1, 0, 30),
};

const utc = (y: number, m: number, d: number, h = 0) => Date.UTC(y, m - 1, d, h);
const meter = (summation: number, tiers: number[], blocks: number[]) => ({ summation, tiers, blocks });
const prepay = (
  accumulatedDebt: number,
  debts: [number, number, number],
  emergencyCreditRemaining: number,
  creditRemaining: number,
) => ({ accumulatedDebt, debts, emergencyCreditRemaining, creditRemaining });

/** Snapshots at their times: each with the registers the reference shows, the others as the meter's now. */
function snapshots(
  home: Home,
  list: ReadonlyArray<{ at: number; cause: number; values?: Partial<SnapshotReadings>; ids: SnapshotIds }>,
): void {
  const g = gsme(home);
  const now = readingsOf(g.stateView);
  for (const e of list) g.backchannel.history.snapshot(e.at, e.cause, { ...now, ...e.values }, e.ids);
  // the GPF's gas mirror holds what the GSME last wrote (GCS16b is read from the GPF)
  g.writeMirror();
}

const ids = (metering: number, prepayment = metering): SnapshotIds => ({ metering, prepayment });

/**
 * The reference meter's daily reads: one every day of December 2014 at 09:00
 * UTC (31; the RTDS reads report 31 held), `shown` those its response shows.
 * Snapshot IDs in sequence, the first day shown having ID 0 (the 32-bit
 * sequence had wrapped: the earlier days' IDs are just below 2^32).
 */
const decemberDailyReads = (shown: Record<number, Partial<SnapshotReadings>>) => (home: Home) => {
  const first = Math.min(...Object.keys(shown).map(Number));
  snapshots(
    home,
    Array.from({ length: 31 }, (_, i) => ({
      at: utc(2014, 12, i + 1, 9),
      cause: SNAPSHOT_CAUSE.general,
      values: shown[i + 1] ?? {},
      ids: ids((i + 1 - first + 2 ** 32) % 2 ** 32),
    })),
  );
};

/** Billing data log: two snapshots of `cause`, at `times`, each with the reference's registers. */
const billingLog =
  (cause: number, times: [number, number], values: [Partial<SnapshotReadings>, Partial<SnapshotReadings>]) =>
  (home: Home) =>
    snapshots(home, [
      { at: times[0], cause, values: values[0], ids: ids(0) },
      { at: times[1], cause, values: values[1], ids: ids(1) },
    ]);

const GCS16A_SUCCESS = decemberDailyReads({
  30: meter(32, [227, 189, 205, 3], [47, 238, 10, 68]),
  31: meter(57, [15, 105, 253, 209], [19, 27, 207, 194]),
});
const GCS16A_ERROR = decemberDailyReads({
  29: meter(187, [199, 2, 207, 18], [101, 13, 223, 104]),
  30: meter(251, [207, 114, 0, 111], [2, 105, 237, 211]),
  31: meter(48, [9, 163, 191, 193], [103, 83, 17, 39]),
});
// the emergency credit of 31 December reads 0xFFFFFFC0 (uint32) in the reference
const GCS16B = decemberDailyReads({
  30: prepay(130, [121, 223, 202], 50, 66),
  31: prepay(79, [17, 171, 69], 0xffffffc0, -181),
});
/** SE Snapshot Cause bit 13, Change of Supplier (GCS15b asks for 0x6008: tariff, supplier, mode). */
const CHANGE_OF_SUPPLIER = 0x2000;
// a change of tariff on 1 December, a change of supplier at the new year
const GCS15B = (home: Home) =>
  snapshots(home, [
    {
      at: utc(2014, 12, 1),
      cause: SNAPSHOT_CAUSE.changeOfTariff,
      // the metering cluster had numbered twelve snapshots before, the prepayment cluster none
      ids: ids(12, 0),
      values: {
        ...prepay(130, [121, 223, 202], 50, 66),
        ...meter(144, [108, 234, 132, 132], [74, 48, 177, 179]),
      },
    },
    {
      at: utc(2015, 1, 1),
      cause: CHANGE_OF_SUPPLIER,
      ids: ids(13, 1),
      values: {
        ...prepay(79, [17, 171, 69], 0xffffffc0, -181),
        ...meter(190, [184, 161, 101, 203], [242, 116, 124, 240]),
      },
    },
  ]);
const GCS15C_VALUES: [Partial<SnapshotReadings>, Partial<SnapshotReadings>] = [
  { ...meter(65, [81, 15, 176, 126], [202, 223, 121, 195]), ...prepay(35, [177, 48, 74], 0, -126) },
  { ...meter(48, [8, 189, 98, 162], [69, 171, 17, 127]), ...prepay(50, [124, 116, 242], 0xffffff9a, 23) },
];

/** The reference meter's half-hour gas consumption from 2014-12-30 00:00 UTC (97 half hours; GCS17). */
const PROFILE_FROM_30_DECEMBER = [
  4767306, 3949710, 6733961, 1313631, 6743422, 275878, 8044606, 9121290, 10266365, 3192098, 12063984,
  16253288, 11511117, 6261849, 11129901, 6139907, 7617742, 8764398, 4621218, 2325834, 11161992, 214332,
  2729339, 6504843, 7579032, 1167314, 4260174, 8319304, 15173426, 12006266, 2853908, 3163517, 15955976,
  9587869, 4477020, 5922055, 9863619, 12521626, 15043346, 3352770, 15713725, 10329987, 2828715, 10447499,
  16591836, 13958616, 16587407, 7432363, 5945800, 4431282, 9758069, 330449, 4645615, 12487408, 6835164,
  12224519, 13654595, 11095210, 3766608, 12050678, 6324261, 6620389, 15214195, 5502895, 16208130, 2913872,
  11424950, 9294535, 15435370, 9690953, 12647305, 14371880, 3243597, 15475892, 8042037, 3058218, 12657293,
  7852101, 10490454, 1825750, 12283383, 3471308, 2156071, 151655, 15958589, 8991235, 12376174, 12835969,
  3309102, 16142655, 8109432, 9633364, 5985701, 6546284, 15136131, 5416616, 9460156,
];
/** Its network data sampling (GCS31 at 2014-12-31 20:00 UTC: every 6 minutes, 41 samples; GCS18). */
const SAMPLES_FROM_20_00 = [
  2, 0, 1, 1, 0, 2, 1, 0, 3, 3, 2, 3, 1, 0, 0, 2, 0, 0, 2, 3, 3, 0, 1, 1, 3, 3, 1, 0, 1, 0, 1, 3, 0, 2, 0, 0,
  0, 1, 1, 0, 1,
];
/** Its Debt Log (GCS15d): payment-based debt collected from top-ups in December 2014, each clearing what was owed. */
const DEBT_COLLECTIONS: ReadonlyArray<[number, number]> = [
  [470707200, 163000],
  [470975040, 151000],
  [471242880, 162000],
  [471510720, 85000],
  [471778560, 83000],
  [472046400, 190000],
  [472314240, 241000],
  [472582080, 252000],
  [472849920, 249000],
  [473117760, 121000],
];
const ZIGBEE_EPOCH = Date.UTC(2000, 0, 1);

/** The reference meter's prepayment configuration: 10 % of each top-up to debt, a 100 pound credit limit (GCS04 / GCS05 set them). */
const rtdsPrepayConfiguration = (home: Home) =>
  gsme(home).backchannel.set({ debtRecoveryPercent: 10, maxMeterBalance: 10_000_000 });

export const SCENARIOS: Record<string, (home: Home) => void> = {
  // a register or its scaling cannot be read
  'GCS13a_4.1.1_ERROR': fault('metering.Divisor'),
  'GCS13b_4.1.4_ERROR': fault('metering.Multiplier'),
  'GCS13c_4.1.2_ERROR': fault('metering.Multiplier'),
  'GCS14_4.3_ERROR': fault('price.PriceTrailingDigit'),
  'GCS60_4.18_ERROR': fault('metering.BillToDateDelivered'),
  'GCS21j_6.2.9_ERROR': fault('prepayment.PaymentControlConfiguration'),
  'GCS21m_6.2.4_ERROR': fault('basic.ManufacturerName'),
  // a ZCL command the meter cannot carry out
  'GCS40a_1.5_ERROR': fault('prepayment.creditAdjustment'),
  'GCS40c_1.5_ERROR': fault('prepayment.creditAdjustment'),
  'GCS40d_1.5_ERROR': fault('prepayment.creditAdjustment'),
  'GCS06_2.5_ERROR': fault('prepayment.selectAvailableEmergencyCredit'),
  'GCS07_3.1_ERROR': fault('messaging.displayMessage'),
  'GCS23_6.6_ERROR': fault('price.publishCalorificValue'),
  'GCS24_6.7_ERROR': fault('metering.setSupplyStatus'),
  'GCS24a_6.7_ERROR': fault('metering.setSupplyStatus'),
  'GCS39_7.3_ERROR': fault('metering.changeSupply'),
  'GCS03_1.6_IMMEDIATE_ERROR': fault('prepayment.changePaymentMode'),
  'GCS01b_1.2.1_FUTURE_DATED_BLOCK_ERROR': fault('price.publishTariffInformation'),
  'GCS36_9.1_ERROR': fault('deviceManagement.updateCin'),
  'GCS31_14.1_ERROR': fault('metering.startSampling'),
  'GCS15d_4.4.4_ERROR': fault('prepayment.getDebtRepaymentLog'),
  'GCS17_4.8.1_ERROR': fault('metering.getSampledData'),
  'GCS18_4.10_ERROR': fault('metering.getSampledData'),
  'GCS21k_6.2.3_ERROR': fault('price.getBillingPeriod'),
  'GCS20r_6.2.10_ERROR': fault('deviceManagement.getEventConfiguration'),
  // the meter had joined the device the RTDS unjoins (the ERROR example's 0303030303030303 it had not: code 1)
  'CS04B_8.8.2_SUCCESS': (home) =>
    gsme(home).backchannel.set({ joined: [{ eui: '0102030405060708', deviceType: 'PPMID' }] }),
  // the meter in prepayment mode (Payment Control Configuration 0x0C97)
  'GCS21j_6.2.9_SUCCESS': (home) =>
    gsme(home).backchannel.set({ paymentMode: 'prepayment', paymentControlConfiguration: 0x0c97 }),
  // the credit before the RTDS top-up: 238.94 pounds
  'CS01b_2.2_SUCCESS': (home) => gsme(home).backchannel.set({ meterBalance: 23_894_000 }),
  // the prepayment configuration; ERROR: the Get Seasons fails; NOT_FOUND: no friendly credit calendar was published
  'GCS21b_4.13_SUCCESS': rtdsPrepayConfiguration,
  'GCS21b_4.13_ERROR': (home) => {
    rtdsPrepayConfiguration(home);
    gsme(home).backchannel.hardwareFault('calendar.getSeasons');
  },
  'GCS21b_4.13_NOT_FOUND': (home) => {
    rtdsPrepayConfiguration(home);
    gsme(home).backchannel.set({ friendlyCreditCalendar: null });
  },
  // Daily Read Log (31 December reads at 09:00); ERROR: the 30th snapshot read of the command fails
  'GCS16a_4.6.1_SUCCESS': GCS16A_SUCCESS,
  'GCS16a_4.6.1_ERROR': (home) => {
    GCS16A_ERROR(home);
    gsme(home).backchannel.hardwareFault('metering.getSnapshot#30');
  },
  // Prepayment Daily Read Log (KRP from the GSME, URP from the GPF's mirror); ERROR: the 2nd read fails
  'GCS16b_4.14_KRP_SUCCESS': GCS16B,
  'GCS16b_4.14_URP_SUCCESS': GCS16B,
  'GCS16b_4.14_KRP_ERROR': (home) => {
    GCS16B(home);
    gsme(home).backchannel.hardwareFault('prepayment.getPrepaySnapshot#2');
  },
  // Billing Data Log, change of tariff / supplier; ERROR: the 2nd metering snapshot read fails
  'GCS15b_4.4.2_SUCCESS': GCS15B,
  'GCS15b_4.4.2_ERROR': (home) => {
    GCS15B(home);
    gsme(home).backchannel.hardwareFault('metering.getSnapshot#2');
  },
  // Billing Data Log, billing periods ending 1 February and 1 March 2015; ERROR (1 December and 1 January):
  // the 2nd prepayment snapshot read fails
  'GCS15c_4.4.3_SUCCESS': billingLog(
    SNAPSHOT_CAUSE.endOfBillingPeriod,
    [utc(2015, 2, 1), utc(2015, 3, 1)],
    GCS15C_VALUES,
  ),
  'GCS15c_4.4.3_ERROR': (home) => {
    billingLog(SNAPSHOT_CAUSE.endOfBillingPeriod, [utc(2014, 12, 1), utc(2015, 1, 1)], GCS15C_VALUES)(home);
    gsme(home).backchannel.hardwareFault('prepayment.getPrepaySnapshot#2');
  },
  // Debt Log: each top-up collected (half of it) the payment-based debt then owed, clearing it
  'GCS15d_4.4.4_SUCCESS': (home) => {
    const g = gsme(home);
    g.backchannel.set({ debtRecoveryPercent: 50 });
    for (const [time, owed] of DEBT_COLLECTIONS) {
      const debt = g.stateView.debt;
      g.backchannel.set({
        debt: { accumulated: debt.accumulated + owed, amounts: [debt.amounts[0], debt.amounts[1], owed] },
      });
      g.backchannel.history.debtCollection(ZIGBEE_EPOCH + time * 1000, 2 * owed);
    }
  },
  // Profile Data Log: the half hours from 30 December
  'GCS17_4.8.1_SUCCESS': (home) =>
    gsme(home).backchannel.history.consumption(utc(2014, 12, 30), 30 * 60_000, PROFILE_FROM_30_DECEMBER),
  // network data sampling started at 20:00 on 31 December (sample id 2), and its samples
  'GCS18_4.10_SUCCESS': (home) => {
    const g = gsme(home);
    const at = utc(2014, 12, 31, 20);
    g.backchannel.history.startSampling(at, {
      issuerEventId: 473385600,
      startSamplingTime: 0,
      sampleType: 0,
      sampleRequestInterval: 360,
      maxNumberOfSamples: 41,
    });
    g.backchannel.history.consumption(at, 360_000, SAMPLES_FROM_20_00);
  },
  // the GPF's network operator cells hold the certificates of the operator handing over, 90B3D51F30000002 (the
  // RTDS key store's ACB: the only certificates with that identity), which signs the handover; the command
  // puts 90B3D51F30020000's in their place
  'CS02bNOByNOHandover_6.21_SUCCESS': (home) => {
    const g = home.chf.gpf;
    if (!(g instanceof Gpf)) throw new Error('the home has no GPF application');
    const handingOver = g.backchannel.trustAnchorCell('acb')!;
    g.backchannel.setTrustAnchorCell('networkOperator', { ...handingOver, role: ROLE.networkOperator });
  },
  ...CHF_SCENARIOS,
};
